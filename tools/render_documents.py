"""Render the exported files as a reader sees them: the 整改台账 (.xlsx), the 综合报告 (.docx),
督导's 汇总表 (.xlsx) and 汇总报告 (.docx) of the demo campaign, and the lobby poster (PDF),
converted to PDF by LibreOffice (headless, one at a time) and to one PNG per page by pdftoppm,
so that page setup, fonts, column widths and charts can be looked at, not assumed.

    python tools/render_documents.py [--out rendered/]

Needs LibreOffice and poppler (Debian: apt-get install libreoffice-calc libreoffice-writer
poppler-utils fonts-noto-cjk). Prints the PNG files it wrote.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from documents import ledger_workbook, poster, rollup_report, rollup_workbook, summary_report  # noqa: E402
from documents.invitation_sheet import deep_link  # noqa: E402
from sandbox import demo_campaign  # noqa: E402
from storage import rollup, summary  # noqa: E402
from storage.clock import clock  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.keys import Keys  # noqa: E402
from texts import say  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
INSTITUTION = "示范县人民医院"
LANGUAGE = "zh-CN"


def tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit(
        f"{names[0]} not found: apt-get install -y libreoffice-calc libreoffice-writer "
        "poppler-utils fonts-noto-cjk"
    )


def write_documents(folder: Path, today: date) -> list[Path]:
    db = open_database(folder / "demo.db")
    clock.freeze(datetime.combine(today, time(10), tzinfo=ZONE))
    demo_campaign.seed(db, Keys(secrets.token_hex(32).encode()), today, ZONE)
    clock.freeze(datetime.combine(today, time(10), tzinfo=ZONE))
    ledger = folder / "整改台账.xlsx"
    ledger_workbook.write(db, ledger, today, ZONE)
    report = folder / "综合报告.docx"
    start = summary.campaign_start(db, ZONE, today)
    report.write_bytes(summary_report.for_period(db, start, today, ZONE, INSTITUTION, today))
    ranked = [rollup.figures(db, INSTITUTION, today)]
    body = "示范县卫生健康局"
    (folder / "汇总表.xlsx").write_bytes(rollup_workbook.to_bytes(ranked, {}, today))
    (folder / "汇总报告.docx").write_bytes(rollup_report.build(body, ranked, {}, today))
    words = poster.PosterText(
        say(LANGUAGE, "poster.title"),
        INSTITUTION,
        tuple(say(LANGUAGE, f"poster.line{n}") for n in (1, 2, 3)),
        say(LANGUAGE, "poster.scan"),
    )
    (folder / "海报-A4.pdf").write_bytes(poster.poster_pdf(deep_link("rectify_demo_bot", "pub_demo"), words))
    db.close()
    clock.reset()
    return [ledger, report, folder / "汇总表.xlsx", folder / "汇总报告.docx", folder / "海报-A4.pdf"]


def render(document: Path, out: Path) -> list[Path]:
    office, pdftoppm = tool("soffice", "libreoffice"), tool("pdftoppm")
    if document.suffix == ".pdf":  # drawn as PDF already
        subprocess.run([pdftoppm, "-png", "-r", "60", str(document), str(out / document.stem)], check=True)
        return sorted(out.glob(f"{document.stem}*.png"))
    with tempfile.TemporaryDirectory() as profile:  # a private profile: no clash with a running office
        subprocess.run(
            [
                office,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(document),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    pdf = out / (document.stem + ".pdf")
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", str(pdf), str(out / document.stem)], check=True, timeout=120
    )
    return sorted(out.glob(f"{document.stem}*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("rendered"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for document in write_documents(Path(work), datetime.now(ZONE).date()):
            shutil.copy(document, args.out / document.name)
            for page in render(document, args.out):
                print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
