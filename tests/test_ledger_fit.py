"""The ledger as the superior body prints it: every cell's text is seen whole. A department named
as hospitals name them (党委办公室（院长办公室）), a long category or leader's name, is wrapped in
its column with the row tall enough, never cut off by the cell beside it."""

from __future__ import annotations

import math
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl

from documents import ledger_workbook
from storage import problems


def test_long_names_are_seen_whole(db, invited, tmp_path):
    db.execute("update departments set name = '党委办公室（院长办公室）' where name = '门诊部'")
    leader = db.execute("select id from people where name = '李娜'").fetchone()[0]
    department = db.execute("select id from departments where name like '党委%'").fetchone()[0]
    problem_id = problems.create(db, "挂号排队时间长", None, category="医德医风与行风建设专项")
    db.execute(
        "update problems set status = 'dispatched', department_id = ?, leader_id = ?, "
        "deadline = '2026-12-31', measures = '增设窗口' where id = ?",
        [department, leader, problem_id],
    )
    db.conn.commit()
    path = tmp_path / "ledger.xlsx"
    ledger_workbook.write(db, path, date(2026, 11, 23), ZoneInfo("Asia/Shanghai"))
    sheet = openpyxl.load_workbook(path).active
    widths = {column: sheet.column_dimensions[column].width for column in sheet.column_dimensions}
    row = next(sheet.iter_rows(min_row=2, max_row=2))
    assert row[7].value == "党委办公室（院长办公室）"
    for cell in row:
        if not isinstance(cell.value, str) or not cell.value:
            continue
        room = widths[cell.column_letter] - 1
        lines = math.ceil(ledger_workbook.display_width(cell.value) / room)
        assert lines == 1 or cell.alignment.wrap_text, (cell.column_letter, cell.value)
        assert sheet.row_dimensions[2].height >= lines * ledger_workbook.LINE_HEIGHT, cell.value


def test_the_summary_sheet_shows_long_department_names_whole(db, invited, tmp_path):
    db.execute("update departments set name = '医学装备与信息管理中心' where name = '门诊部'")
    department = db.execute("select id from departments where name like '医学%'").fetchone()[0]
    problem_id = problems.create(db, "设备报修响应慢", None)
    db.execute("update problems set department_id = ? where id = ?", [department, problem_id])
    db.conn.commit()
    path = tmp_path / "ledger.xlsx"
    ledger_workbook.write(db, path, date(2026, 11, 23), ZoneInfo("Asia/Shanghai"))
    sheet = openpyxl.load_workbook(path)["按科室汇总"]
    assert sheet["A2"].value == "医学装备与信息管理中心"
    assert ledger_workbook.display_width(sheet["A2"].value) <= sheet.column_dimensions["A"].width - 1
