"""The ledger's rows are written into the sheet's XML directly (openpyxl's cell objects were
three quarters of a large export's time): whatever people typed reads back exactly as typed,
markup, entities, spaces, line breaks, emoji and all, and text a worksheet cannot hold is
refused as openpyxl refuses it."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

from documents import ledger_workbook
from storage import problems

ZONE = ZoneInfo("Asia/Shanghai")
TEXTS = ["<b>加粗</b> & &amp; 未转义", "  前后有空格  ", "第一行\n第二行\r\n第三行",
         "表情😀👍🏽 与全角，。！", "]]> </t></is></c> 试图跳出单元格",
         "\u200b零宽\u200d字符\ufeff", "x" * 40_000]


def test_typed_text_reads_back_exactly(db):
    made = [problems.create(db, f"问题{n}", None, description=text) for n, text in enumerate(TEXTS)]
    content, count = ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)
    assert count == len(made)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    described = {row[1].value: row[4].value for row in sheet.iter_rows(min_row=2)}
    expected = {problem_id: text[:32767] for problem_id, text in zip(made, TEXTS, strict=True)}
    assert described == expected  # a cell holds 32,767 characters at most, as openpyxl cuts it
    heights = [sheet.row_dimensions[r].height for r in range(2, count + 2)]
    assert all(h and h >= ledger_workbook.LINE_HEIGHT for h in heights)


def test_a_control_character_is_refused_as_openpyxl_refuses_it(db):
    problems.create(db, "问题", None, description="响铃\x07字符")
    with pytest.raises(IllegalCharacterError):
        ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)
