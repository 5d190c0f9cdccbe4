"""State survives the bot process stopping and starting again."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from conftest import ROSTER_CSV, join, submit_opinion
from test_opinion_box_trust import list_it, release

from storage import outbox
from storage.clock import clock


async def test_a_conversation_in_progress_resumes_after_restart(running_bot, client, invited, db):
    office = await client.user(103, "Wang")
    await office.send(f"/start {invited['王芳']}")
    reply = await office.send("/roster")
    assert "请发送人员名单" in reply[-1].text

    await running_bot.restart()

    edited = ROSTER_CSV + "陈静,护理部,职工\n"
    reply = await office.send_file(edited.encode("gbk"), "名单.csv")
    assert "名单预览" in reply[-1].text and "陈静" in reply[-1].text

    await running_bot.restart()  # and again between preview and confirmation

    reply = await office.press("确认")
    assert "新增 1" in reply[-1].text
    assert db.execute("select count(*) from people where name = '陈静'").fetchone()[0] == 1


async def test_joined_people_stay_joined_after_restart(running_bot, client, invited):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    await running_bot.restart()
    assert "门诊部" in (await staff.send("/me"))[-1].text


QUIET = time(15, 0)  # 23:00 in Shanghai: delivery holds everything back


def at_utc(moment: time, days: int = 0) -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=days), moment, tzinfo=UTC)


async def test_the_arrival_report_of_a_publication_survives_a_restart(running_bot, client, invited, db):
    """Issue 18: the office's "N of M arrived" was a job in memory; a restart between queueing
    and delivery lost it. Now it is a row that the delivery job settles."""
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    await join(client, invited, 104, "刘洋")
    await submit_opinion(staff, "食堂的菜太咸")
    await release(running_bot)
    [card] = [m for m in await office.send("/inbox") if m.text and "太咸" in m.text]
    await office.press("办结答复", message=card)
    await office.send("已要求食堂减盐。")
    await office.press("向全体公开答复")
    clock.travel_to(at_utc(QUIET))
    await office.press("确认发给 4 人")
    assert db.execute("select count(*) from broadcast_reports").fetchone()[0] == 1
    assert outbox.tally(db, "published:")[2] == 4  # all four copies still waiting

    await running_bot.restart()
    clock.travel_to(at_utc(time(2, 0), days=1))  # the next morning
    await leader.wait_for("意见答复公开")
    report = await office.wait_for("已送达")
    assert "已送达 4 人" in report.text
    assert db.execute("select count(*) from broadcast_reports").fetchone()[0] == 0


async def test_a_holders_look_back_notice_survives_a_restart_through_the_sealed_link(
    running_bot, client, invited, db
):
    """The notice to a receipt holder who opted in was a task in memory; now it waits in the
    sealed outbox (a row that names the opinion, never a person, and holds no time) and goes
    out after a restart, once, however often the look-back asks again."""
    from jobs import lookbacks as lookback_job
    from storage import lookbacks, people, problems

    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    receipt = await submit_opinion(staff, "门诊叫号屏经常黑屏")
    await staff.press("有回复时通知我")
    await staff.press("我了解，开启通知")
    await release(running_bot)
    await office.send("/inbox")
    await list_it(office)
    [problem_id] = [r[0] for r in db.execute("select id from problems")]
    leader = next(p for p in people.everyone(db) if p.name == "李娜")
    head = next(p for p in people.everyone(db) if p.name == "刘洋")
    problems.claim(db, problem_id, leader)
    problems.act(
        db,
        problem_id,
        "dispatch",
        leader,
        measures="更换叫号屏",
        department_id=head.department_id,
        deadline=date(2026, 12, 31),
    )
    problems.act(db, problem_id, "report", head, actor_id=head.id, text="已换新屏", percent=100)
    problems.act(db, problem_id, "request_closure", head)
    problems.act(db, problem_id, "close", next(p for p in people.everyone(db) if p.name == "王芳"))

    clock.travel_to(at_utc(QUIET))
    lookback = lookbacks.start(db, problem_id, "30", date.today(), 7)
    lookback_job.ask(running_bot.app, lookback)
    row = db.execute("select * from sealed_outbox").fetchall()
    assert len(row) == 1 and str(staff.id) not in " ".join(str(v) for v in row[0])
    assert [c[1] for c in db.execute("pragma table_info(sealed_outbox)")] == [
        "id",
        "opinion_id",
        "text",
        "dedup_key",
        "done",
    ]  # no person, no chat, no time

    await running_bot.restart()
    clock.travel_to(at_utc(time(2, 0), days=1))  # the next morning
    news = await staff.wait_for("所涉及的问题")
    assert "正在回头看" in news.text and "/receipt" in news.text
    lookback_job.ask(running_bot.app, lookback)  # asked again (the office widened it): not told twice
    assert db.execute("select count(*) from sealed_outbox").fetchone()[0] == 1
    await staff.send(f"/receipt {receipt}")
    assert sum("所涉及的问题" in (m.text or "") for m in staff.inbox) == 1
