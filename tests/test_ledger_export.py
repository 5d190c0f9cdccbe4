"""The ledger as Excel (整改台账), read back with openpyxl."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl
from conftest import join

import bot
from documents import ledger_workbook
from storage import problems


def _seed(db):
    leader = db.execute("select id from people where name = '李娜'").fetchone()[0]
    outpatient = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    office = db.execute("select id from departments where name = '组织人事科'").fetchone()[0]
    rows = [
        ("挂号排队时间长", "dispatched", outpatient, "2020-01-31"),  # overdue: red
        ("候诊区座椅不足", "in_progress", outpatient, "2099-12-31"),  # green
        ("职工书屋开放时间短", "closed", office, "2026-10-30"),
        ("食堂菜品单一", "listed", None, None),
    ]
    for title, status, department, deadline in rows:
        problem_id = problems.create(db, title, None, category="工作作风")
        db.execute(
            "update problems set status = ?, department_id = ?, deadline = ?, leader_id = ?, "
            "measures = '措施', last_progress_at = created_at, closed_at = ? where id = ?",
            [
                status,
                department,
                deadline,
                leader if department else None,
                "2026-11-01T02:00:00+00:00" if status == "closed" else None,
                problem_id,
            ],
        )
    db.conn.commit()


def _read(content) -> list[tuple]:
    sheet = openpyxl.load_workbook(content).active
    return sheet, [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_the_workbook_matches_the_database(db, invited, tmp_path):
    _seed(db)
    path = tmp_path / "ledger.xlsx"
    count = ledger_workbook.write(db, path, date(2026, 11, 23), ZoneInfo("Asia/Shanghai"))
    sheet, rows = _read(path)
    assert count == 4 and len(rows) == 5
    assert rows[0][:16] == (
        "序号",
        "编号",
        "问题来源",
        "问题类别",
        "问题描述",
        "整改措施",
        "责任领导",
        "责任科室",
        "完成时限",
        "整改类型",
        "近中远期",
        "整改进展",
        "完成情况",
        "销号时间",
        "回头看结果",
        "群众满意度",
    )
    assert sheet.freeze_panes == "A2"
    by_title = {r[4]: r for r in rows[1:]}
    overdue = by_title["挂号排队时间长"]
    assert overdue[6] == "李娜" and overdue[7] == "门诊部" and overdue[12] == "已下单"
    assert overdue[8].date() == date(2020, 1, 31)  # a real Excel date
    assert by_title["职工书屋开放时间短"][13].date() == date(2026, 11, 1)
    colours = {r[4].value: r[12].fill.start_color.rgb for r in sheet.iter_rows(min_row=2)}
    assert colours["挂号排队时间长"].endswith("FFC7CE")  # red
    assert colours["候诊区座椅不足"].endswith("C6EFCE")  # green
    content, count = ledger_workbook.to_bytes(
        db, date(2026, 11, 23), ZoneInfo("Asia/Shanghai"), which=problems.Filter(department="门诊部")
    )
    titles = {r[4] for r in _read(io.BytesIO(content))[1][1:]}
    assert count == 2 and titles == {"挂号排队时间长", "候诊区座椅不足"}


def test_the_cli_filters_by_status(db, invited, tmp_path, monkeypatch, capsys, db_path):
    _seed(db)
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    out = tmp_path / "closed.xlsx"
    assert bot.main(["export", str(out), "--status", "closed"]) == 0
    assert "1 problems" in capsys.readouterr().out
    assert [r[4] for r in _read(out)[1][1:]] == ["职工书屋开放时间短"]


async def test_export_in_chat_office_all_leader_own(running_bot, client, invited, db):
    _seed(db)
    office = await join(client, invited, 103, "王芳")
    leader = await join(client, invited, 102, "李娜")
    staff = await join(client, invited, 101, "张伟")
    sent = await office.send("/export")
    [document] = [m for m in sent if m.document]
    assert document.document["file_name"].endswith(".xlsx")
    assert len(_read(io.BytesIO(await office.download(document.document["file_id"])))[1]) == 5
    sent = await leader.send("/export")
    [document] = [m for m in sent if m.document]
    assert len(_read(io.BytesIO(await leader.download(document.document["file_id"])))[1]) == 4
    assert "只对" in (await staff.send("/export"))[-1].text
