"""申请延期: a head asks the leader, a leader asks the office, with a reason and a new date; the
decision moves the deadline (or not), and the audit trail, the ledger and the reminders follow."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from conftest import join

from documents import ledger_workbook
from storage import people, problems, reminders
from storage.people import by_id

SHANGHAI = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")


def person(db, name: str) -> people.Person:
    return by_id(db, db.execute("select id from people where name = ?", [name]).fetchone()[0])


def dispatched(db, title: str, deadline: date) -> int:
    problem_id = problems.create(db, title, None)
    problems.claim(db, problem_id, person(db, "李娜"))
    problems.act(
        db,
        problem_id,
        "dispatch",
        person(db, "李娜"),
        measures="更换车棚顶棚",
        department_id=person(db, "刘洋").department_id,
        deadline=deadline,
    )
    return problem_id


async def test_a_head_asks_the_leader_and_the_deadline_moves(running_bot, client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    head = await join(client, invited, 104, "刘洋")
    staff = await join(client, invited, 101, "张伟")
    problem_id = dispatched(db, "自行车棚漏雨", date(2099, 6, 30))
    await head.send("/tasks")
    asked = await head.press("申请延期")
    assert "2099-06-30" in asked[-1].text
    await head.send("防水材料缺货，厂家 8 月才能供货 🙏")
    refused = await head.send("2099-05-01")
    assert "不晚于现在的完成时限 2099-06-30" in refused[-1].text
    confirm = (await head.send("2099-09-30"))[-1]
    assert "2099-06-30 → 2099-09-30" in confirm.text and "责任领导（1 人）" in confirm.text
    assert not db.execute("select count(*) from problem_extensions").fetchone()[0]  # not before asking
    await head.press("提交申请", message=confirm)

    notice = await leader.wait_for(f"刘洋 申请延期 #{problem_id}")
    assert "防水材料缺货" in notice.text and "2099-06-30 → 2099-09-30" in notice.text
    forged = notice.buttons[0][0]["callback_data"]
    await staff.press_data(staff.inbox[-1].message_id, forged)  # staff cannot decide
    assert "只对" in (await staff.callback_answer())["text"]
    await leader.press("批准延期", message=notice)
    assert problems.get(db, problem_id).deadline == date(2099, 9, 30)
    await head.wait_for("已批准延期：完成时限 2099-06-30 → 2099-09-30")
    await leader.press_data(notice.message_id, forged)  # a second tap decides nothing twice
    assert "已经处理过" in (await leader.callback_answer())["text"]

    history = (await staff.send(f"/history {problem_id}"))[-1].text
    assert "申请延期 防水材料缺货" in history and "批准延期 → 2099-09-30" in history
    assert "已批准延期 1 次" in history
    content, _ = ledger_workbook.to_bytes(db, date(2099, 7, 1), SHANGHAI)
    book = openpyxl.load_workbook(io.BytesIO(content))
    header = [c.value for c in book["整改台账"][1]]
    row = [c.value for c in book["整改台账"][2]]
    assert row[header.index("延期次数")] == 1 and row[header.index("状态")] != "红灯"  # not late on 07-01
    summary = [[c.value for c in r] for r in book["按科室汇总"].iter_rows()]
    assert summary[1][0] == "门诊部" and summary[1][6] == 1  # 延期次数 by department

    # the reminders count to the new deadline: the day after the old one is not overdue
    moved = problems.get(db, problem_id)
    assert reminders.reminders_on(moved, date(2099, 7, 1), (7, 3, 1, 0), 3, 7) == []
    assert reminders.reminders_on(moved, date(2099, 10, 8), (7, 3, 1, 0), 3, 7)[0].kind == "overdue"


async def test_a_leader_asks_the_office_which_refuses(running_bot, client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    problem_id = dispatched(db, "门卫夜巡不到位", date(2099, 3, 31))
    await leader.send("/mine")
    await leader.press("申请延期")
    await leader.send("需先招聘两名保安")
    confirm = (await leader.send("2099-06-30"))[-1]
    assert "活动办（1 人）" in confirm.text
    await leader.press("提交申请", message=confirm)
    again = await leader.send("/mine")
    await leader.press("申请延期", message=again[-1])
    assert "已有一份延期申请" in (await leader.callback_answer())["text"]

    notice = await office.wait_for(f"李娜 申请延期 #{problem_id}")
    await office.press("不批准", message=notice)
    assert problems.get(db, problem_id).deadline == date(2099, 3, 31)
    await leader.wait_for("延期申请未获批准，完成时限仍为 2099-03-31")
    actions = [r["action"] for r in problems.history(db, problem_id)]
    assert actions[-2:] == ["problem.extension_ask", "problem.extension_refuse"]
