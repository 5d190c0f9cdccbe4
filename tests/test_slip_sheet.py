"""The printable slip sheet (评议票): an A4 PDF of one-time rating slips to cut out, made by
`python bot.py slips SHEET N` and /slips: one page per 12 slips, every slip's QR code readable
and carrying its own one-time link, each slip saying what it is (the sheet, the institution,
anonymous, one use), the page saying how to cut. The QR codes are read back with zxing-cpp from
the pages as drawn, and from the PDF itself where poppler's pdftoppm is installed."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from matplotlib.text import Text
from PIL import Image

import cli
import config
from documents import slip_sheet
from storage import evaluations
from storage.clock import clock
from storage.db import open_database
from storage.keys import load_keys

TITLE = "2026年度行风建设民主评议（服务对象代表、社会行风监督员）"
LINKS = [f"https://t.me/rectify_test_bot?start=slip_{n:016d}" for n in range(14)]


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def _decoded(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _drawn_pages(links: list[str], text: slip_sheet.SlipText) -> list[tuple[bytes, list[str]]]:
    """Each page as a PNG (the same figures the PDF is made of) and the words on it."""
    found = []
    for figure in slip_sheet.pages(links, text):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=150)
        found.append((buffer.getvalue(), [t.get_text() for t in figure.findobj(Text) if t.get_text()]))
    return found


def test_fourteen_slips_make_two_a4_pages_of_readable_one_time_codes():
    text = slip_sheet.slip_text("zh-CN", TITLE, "某县人民医院")
    pdf = slip_sheet.slips_pdf(LINKS, text)
    assert pdf.startswith(b"%PDF") and _page_count(pdf) == 2
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.2\d* 841\.8\d*\s*\]", pdf)  # A4, in points
    pages = _drawn_pages(LINKS, text)
    assert [len(_decoded(png)) for png, _ in pages] == [12, 2]
    assert sorted(code for png, _ in pages for code in _decoded(png)) == sorted(LINKS)  # each once
    first = pages[0][1]
    assert first.count("评议票 · 限用一次") == 12 and first.count("某县人民医院") == 12
    assert [w for w in first if w.startswith("No.")] == [f"No.{n}" for n in range(1, 13)]
    assert [w for w in pages[1][1] if w.startswith("No.")] == ["No.13", "No.14"]
    notes = "".join(w for w in first if "匿名" in w)
    assert "不记录您是谁" in notes and "只能评议一次" in "".join(first)
    assert f"《{TITLE}》评议票 · 某县人民医院" in first
    assert "第 1/2 页，共 14 张 · 沿虚线剪开，每人一张" in first
    # the slip's own title, wrapped on two lines, keeps its closing mark on the line before
    assert not any(w.startswith(("）", "》")) for w in first)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_the_pdf_itself_prints_readable_codes(tmp_path):
    path = tmp_path / "slips.pdf"
    path.write_bytes(slip_sheet.slips_pdf(LINKS[:5], slip_sheet.slip_text("zh-CN", TITLE, "某县人民医院")))
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    assert sorted(_decoded(png.read_bytes())) == sorted(LINKS[:5])


def test_long_words_and_titles_are_wrapped_never_lost_off_the_slip():
    wrap = slip_sheet.wrap
    assert wrap("Scan the code to rate in Telegram.", 10, 4) == ["Scan the code to", "rate in Telegram."]
    assert wrap("x" * 30, 10, 4) == ["x" * 18, "x" * 12]  # a word longer than a line
    assert wrap("一二三四五六七八九十" * 3, 10, 2) == ["一二三四五六七八九十", "一二三四五六七八九…"]
    assert wrap("", 10, 2) == []


def test_the_command_line_prints_n_slips_and_keeps_only_their_hashes(tmp_path, capsys, monkeypatch):
    settings = config.load(
        env={
            "DATABASE_PATH": str(tmp_path / "data" / "rectify.db"),
            "SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key"),
            "BOT_USERNAME": "rectify_test_bot",
            "INSTITUTION_NAME": "某县人民医院",
        },
        dotenv=False,
    )
    clock.freeze(datetime(2026, 12, 7, 2, tzinfo=UTC))
    db = open_database(settings.database_path)
    closes = clock.now() + timedelta(days=3)
    sheet_id = evaluations.create(db, TITLE, [evaluations.Subject(1, "门诊部")], closes)
    db.close()
    issued: list[str] = []  # the codes are on the paper only: read them as they are made
    real_issue = evaluations.issue_slips
    monkeypatch.setattr(
        evaluations, "issue_slips", lambda *a, **k: issued.extend(real_issue(*a, **k)) or issued
    )
    drawn: list[slip_sheet.SlipText] = []
    real_pdf = slip_sheet.slips_pdf
    monkeypatch.setattr(
        slip_sheet, "slips_pdf", lambda links, text: drawn.append(text) or real_pdf(links, text)
    )

    out = tmp_path / "slips.pdf"
    assert cli.run(settings, cli.parser().parse_args(["slips", str(sheet_id), "13", "--out", str(out)])) == 0
    assert f"slips: 13 for #{sheet_id}" in capsys.readouterr().out
    pdf = out.read_bytes()
    assert _page_count(pdf) == 2
    assert drawn[0].institution == "某县人民医院" and drawn[0].title == TITLE
    db = open_database(settings.database_path)
    keys = load_keys(None, settings.database_path, settings.secret_key_file)
    stored = {
        row[0] for row in db.execute("select slip_hash from evaluation_slips where sheet_id = ?", [sheet_id])
    }
    db.close()
    assert len(issued) == 13 and {keys.slip_hash(code) for code in issued} == stored
    assert not any(code.encode() in (tmp_path / "data" / "rectify.db").read_bytes() for code in issued)
    if shutil.which("pdftoppm"):  # the written file itself carries exactly those codes
        subprocess.run(["pdftoppm", "-r", "100", "-png", str(out), str(tmp_path / "written")], check=True)
        links = [link for png in sorted(tmp_path.glob("written*.png")) for link in _decoded(png.read_bytes())]
        assert sorted(links) == sorted(f"https://t.me/rectify_test_bot?start=slip_{c}" for c in issued)

    assert cli.run(settings, cli.parser().parse_args(["slips", "999", "3"])) == 1
    assert "not open" in capsys.readouterr().err
    assert cli.run(settings, cli.parser().parse_args(["slips", str(sheet_id), "0"])) == 1
    assert "between 1 and" in capsys.readouterr().err
