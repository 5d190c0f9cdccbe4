"""The ledger's rows are written into the sheet's XML directly (openpyxl's cell objects were
three quarters of a large export's time): whatever people typed reads back exactly as typed,
markup, entities, spaces, line breaks, emoji and all, and text a worksheet cannot hold is
refused as openpyxl refuses it."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

from documents import ledger_workbook
from storage import problems

ZONE = ZoneInfo("Asia/Shanghai")
TEXTS = [
    "<b>加粗</b> & &amp; 未转义",
    "  前后有空格  ",
    "第一行\n第二行\r\n第三行",
    "表情😀👍🏽 与全角，。！",
    "]]> </t></is></c> 试图跳出单元格",
    "\u200b零宽\u200d字符\ufeff",
    "x" * 40_000,
]


def test_typed_text_reads_back_exactly(db):
    made = [problems.create(db, f"问题{n}", None, description=text) for n, text in enumerate(TEXTS)]
    content, count = ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)
    assert count == len(made)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    described = {row[1].value: row[4].value for row in sheet.iter_rows(min_row=2)}
    expected = {problem_id: text for problem_id, text in zip(made, TEXTS[:-1], strict=False)}
    # a text longer than the tallest row shows (a cell would hold 32,767 characters) is cut
    # where the row ends, and says so
    expected[made[-1]] = ledger_workbook.fitting(TEXTS[-1], 4, made[-1])
    assert expected[made[-1]].endswith(f"……（全文 40000 字，见整改通问题 #{made[-1]}）")
    assert described == expected
    heights = [sheet.row_dimensions[r].height for r in range(2, count + 2)]
    assert all(h and h >= ledger_workbook.LINE_HEIGHT for h in heights)


def test_a_control_character_is_refused_as_openpyxl_refuses_it(db):
    problems.create(db, "问题", None, description="响铃\x07字符")
    with pytest.raises(IllegalCharacterError):
        ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)


def _sheet_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(ledger_workbook.SHEET_XML)


def test_cells_kept_for_repeating_values_are_the_cells_written_afresh(db, monkeypatch):
    """The same status in two lights keeps each row's own colour, and keeping a cell's XML for
    repeating values (or keeping none) writes the very same sheet."""
    for n, deadline in enumerate(("2020-01-31", "2099-12-31", "2020-01-31", "2099-12-31")):
        problem_id = problems.create(db, f"问题{n}", None, category="=SUM(A1)" if n % 2 else "工作作风")
        db.execute(
            "update problems set status = 'dispatched', deadline = ?, last_progress_at = created_at "
            "where id = ?",
            [deadline, problem_id],
        )
    db.conn.commit()
    content, _ = ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)
    monkeypatch.setattr(ledger_workbook._RowWriter, "KEPT", 1)  # one kept at a time: nearly all afresh
    afresh, _ = ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)
    assert _sheet_xml(content) == _sheet_xml(afresh)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    fills = [
        (row[12].value, row[12].fill.start_color.rgb[-6:], row[16].value, row[3].value)
        for row in sheet.iter_rows(min_row=2)
    ]
    expected = [("已下单", "FFC7CE", "红灯", "工作作风"), ("已下单", "C6EFCE", "绿灯", "=SUM(A1)")] * 2
    assert sorted(fills) == sorted(expected)
    assert all(row[3].quotePrefix == (row[3].value.startswith("=")) for row in sheet.iter_rows(min_row=2))
