"""What goes to the superior body tells the truth about each problem's status: an explained
problem is not 'done', a reopened one is not instantly red, a past period's report counts what
was true at its end, and the ledger's 整改进展 says what was done and when."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
from conftest import join

from documents import ledger_workbook
from jobs import digests as digest_job
from jobs import lookbacks as lookback_job
from storage import digests, extensions, lookbacks, people, problems, summary
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def cast(db) -> dict[str, people.Person]:
    return {
        name: people.by_id(db, db.execute("select id from people where name = ?", [name]).fetchone()[0])
        for name in ("张伟", "李娜", "王芳", "刘洋")
    }


def dispatched(db, who, title: str, deadline: date) -> int:
    problem_id = problems.create(db, title, who["王芳"].id)
    problems.claim(db, problem_id, who["李娜"])
    problems.act(
        db,
        problem_id,
        "dispatch",
        who["李娜"],
        measures="加开窗口",
        department_id=who["刘洋"].department_id,
        deadline=deadline,
    )
    return problem_id


def test_an_explained_problem_has_its_own_status_in_the_ledger_and_the_digest(db, invited):
    who = cast(db)
    explained = dispatched(db, who, "自行车棚需整体翻建", date(2099, 6, 30))
    problems.act(db, explained, "explain", who["李娜"], reason="经费明年到位", review_on=date(2099, 3, 1))
    done = dispatched(db, who, "候诊区座椅不足", date(2099, 6, 30))
    problems.act(db, done, "request_closure", who["刘洋"])
    problems.act(db, done, "close", who["王芳"])

    content, _ = ledger_workbook.to_bytes(db, date(2026, 12, 1), SHANGHAI)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    header = [c.value for c in sheet[1]]
    rows = {r[4].value: {h: c for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=2)}
    row = rows["自行车棚需整体翻建"]
    assert row["状态"].value == "已说明原因" and row["完成情况"].value == "已说明原因"
    assert row["说明原因"].value == "经费明年到位" and row["复查日期"].value.date() == date(2099, 3, 1)
    assert row["状态"].fill.start_color.rgb.endswith("E4DFEC")  # its own colour, not the closed blue
    assert rows["候诊区座椅不足"]["状态"].value == "已完成"
    assert rows["候诊区座椅不足"]["说明原因"].value in (None, "")

    digest = digests.for_office(db, datetime(2026, 11, 30, tzinfo=UTC), date(2026, 12, 1), SHANGHAI)
    text = digest_job.render("zh-CN", who["王芳"], digest, "digest.title.office", None)
    assert "✅ 已完成 1" in text and "💬 已说明原因 1" in text


async def test_a_reopened_problem_waits_for_new_measures_and_a_new_deadline(running_bot, client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    staff = await join(client, invited, 101, "张伟")
    who = cast(db)
    problem_id = dispatched(db, who, "门诊挂号排队长", date.today() + timedelta(days=10))
    problems.act(
        db, problem_id, "report", who["刘洋"], actor_id=who["刘洋"].id, text="已加开窗口", percent=100
    )
    problems.act(db, problem_id, "request_closure", who["刘洋"])
    problems.act(db, problem_id, "close", who["王芳"])
    clock.travel_to(clock.now() + timedelta(days=40))  # the old deadline is long past
    lookback = lookbacks.start(db, problem_id, "30", date.today(), 1)
    for n in range(5):
        lookbacks.vote(db, lookback.id, f"voter{n}", "unsatisfied", date.today())
    db.execute("update lookbacks set closes_on = ? where id = ?", [date.today().isoformat(), lookback.id])
    db.conn.commit()
    lookback_job.conclude(running_bot.app, lookbacks.get(db, lookback.id))

    reopened = problems.get(db, problem_id)
    assert (reopened.status, reopened.progress, reopened.deadline) == ("reopened", 0, None)
    line = "".join((await staff.send("/ledger"))[-1].text.split("\n")[1:3])
    assert "🔴" not in line and "重新整改" in line  # not red the moment it reopens

    told = await leader.wait_for("已重新整改，请重新下单")
    asked = await leader.press("下单", message=told)
    assert "原整改措施：加开窗口" in asked[-1].text  # the old measures, to keep or rewrite
    await leader.press("沿用原措施", message=asked[-1])
    await leader.press("门诊部")
    await leader.send("2099-12-31")
    assert "2099-12-31" in leader.inbox[-1].text and "加开窗口" in leader.inbox[-1].text
    await leader.press("确认")
    again = problems.get(db, problem_id)
    assert (again.status, again.deadline, again.progress) == ("dispatched", date(2099, 12, 31), 0)


def test_a_past_period_is_reported_as_it_stood_at_its_end(db, invited):
    who = cast(db)
    clock.freeze(datetime.combine(date(2026, 11, 2), time(10), tzinfo=SHANGHAI))
    late = dispatched(db, who, "夜间巡查不到位", date(2026, 11, 20))
    closing = dispatched(db, who, "职工书屋闲置", date(2026, 11, 25))
    problems.act(db, closing, "report", who["刘洋"], actor_id=who["刘洋"].id, text="已整理书架", percent=40)
    clock.freeze(datetime.combine(date(2026, 12, 3), time(10), tzinfo=SHANGHAI))  # after the period
    problems.act(db, closing, "report", who["刘洋"], actor_id=who["刘洋"].id, text="已开放", percent=100)
    problems.act(db, closing, "request_closure", who["刘洋"])
    problems.act(db, closing, "close", who["王芳"])
    asked = extensions.ask(db, late, who["刘洋"], "设备未到货", date(2026, 12, 31), date(2026, 12, 3))
    extensions.decide(db, asked.id, who["李娜"], approve=True)

    november = summary.summarize(db, date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)
    assert november.closed == 0 and november.overdue == 2 and november.extended == 0
    stood = {p.title: p for p in november.open_items}
    assert stood["职工书屋闲置"].progress == 40 and stood["职工书屋闲置"].status == "in_progress"
    assert stood["夜间巡查不到位"].deadline == date(2026, 11, 20)  # before its extension
    december = summary.summarize(db, date(2026, 12, 1), date(2026, 12, 31), SHANGHAI)
    assert december.closed == 1 and december.overdue == 0 and december.extended == 1


def test_the_ledger_progress_says_what_was_done_and_when(db, invited):
    who = cast(db)
    clock.freeze(datetime.combine(date(2026, 11, 20), time(10), tzinfo=SHANGHAI))
    problem_id = dispatched(db, who, "挂号排队时间长", date(2026, 12, 20))
    problems.act(
        db, problem_id, "report", who["刘洋"], actor_id=who["刘洋"].id, text="已采购两台自助机", percent=70
    )
    content, _ = ledger_workbook.to_bytes(db, date(2026, 11, 21), SHANGHAI)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    header = [c.value for c in sheet[1]]
    progress = sheet.cell(row=2, column=header.index("整改进展") + 1)
    assert progress.value == "70%（2026年11月20日）已采购两台自助机"
    assert progress.alignment.wrap_text
