"""Deadline reminders, escalation, quiet hours and catch-up, with an injected clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import change_settings, join

from jobs import delivery, sweeper
from storage import problems
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9, minute: int = 0, second: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI)


def dispatched(db, deadline: date, title: str = "挂号排队时间长") -> int:
    leader = db.execute("select id from people where name = '李娜'").fetchone()[0]
    department = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    problem_id = problems.create(db, title, None)
    db.execute(
        "update problems set status = 'dispatched', leader_id = ?, department_id = ?, "
        "deadline = ?, measures = '增设窗口' where id = ?",
        [leader, department, deadline.isoformat(), problem_id],
    )
    db.conn.commit()
    return problem_id


def queued(db) -> list[tuple[str, str, str]]:
    """(name, reminder kind, local day) for every reminder queued so far."""
    rows = db.query(
        "select p.name, o.dedup_key from outbox o join people p on p.id = o.person_id "
        "where o.dedup_key like 'reminder:%' order by o.id"
    )
    return [(r["name"], r["dedup_key"].split(":")[2], r["dedup_key"].split(":")[3]) for r in rows]


async def sweep_days(running_bot, first: date, last: date) -> None:
    clock.freeze(at(first - timedelta(days=1), 23))
    await sweeper.sweep_app(running_bot.app)
    day = first
    while day <= last:
        clock.freeze(at(day))
        await sweeper.sweep_app(running_bot.app)
        day += timedelta(days=1)


@pytest.fixture
async def team(running_bot, client, invited):
    return {
        name: await join(client, invited, uid, name)
        for uid, name in ((102, "李娜"), (103, "王芳"), (104, "刘洋"))
    }


async def test_a_wednesday_deadline_and_the_escalation_ladder(running_bot, team, db):
    dispatched(db, date(2026, 12, 9))  # a Wednesday
    await sweep_days(running_bot, date(2026, 11, 25), date(2026, 12, 21))
    got = queued(db)

    def days(name, prefix):
        return [d for n, kind, d in got if n == name and kind.startswith(prefix)]

    due = ["2026-11-30", "2026-12-04", "2026-12-08", "2026-12-09"]  # 7, 3, 1, 0 working days before
    assert days("刘洋", "due") == due and days("李娜", "due") == due
    overdue = [
        "2026-12-10",
        "2026-12-11",
        "2026-12-14",
        "2026-12-15",
        "2026-12-16",
        "2026-12-17",
        "2026-12-18",
        "2026-12-21",
    ]  # working days only
    assert days("刘洋", "overdue") == overdue
    assert days("李娜", "overdue") == overdue[2:]  # from the third working day late
    assert days("王芳", "overdue") == overdue[6:]  # from the seventh
    assert days("王芳", "due") == []
    due_times = {r[0] for r in db.execute("select due_at from outbox where dedup_key like 'reminder:%'")}
    assert all(datetime.fromisoformat(t).astimezone(SHANGHAI).time() == time(9, 0) for t in due_times)


async def test_reminders_skip_the_spring_festival(running_bot, team, db):
    dispatched(db, date(2026, 2, 25))  # the Wednesday after the 2026 holiday (15-23 February)
    await sweep_days(running_bot, date(2026, 2, 1), date(2026, 2, 25))
    assert [d for n, _, d in queued(db) if n == "刘洋"] == [
        "2026-02-09",
        "2026-02-13",
        "2026-02-24",
        "2026-02-25",
    ]


async def test_a_reminder_due_in_quiet_hours_arrives_at_eight(running_bot, team, db):
    app = running_bot.app
    change_settings(app, reminder_time=time(23, 30))
    dispatched(db, date(2026, 12, 9))
    clock.freeze(at(date(2026, 12, 8), 23, 0))
    await sweeper.sweep_app(app)
    clock.freeze(at(date(2026, 12, 8), 23, 30))
    await sweeper.sweep_app(app)
    assert await delivery.send_due(app) == 0
    clock.freeze(at(date(2026, 12, 9), 7, 59, 59))
    assert await delivery.send_due(app) == 0
    clock.freeze(at(date(2026, 12, 9), 8, 0, 1))
    assert await delivery.send_due(app) == 2  # the head and the leader
    message = await team["刘洋"].wait_for("还有 1 个工作日到期")
    assert message.buttons


async def test_downtime_across_three_reminder_times_sends_one_with_todays_figures(running_bot, team, db):
    """Back after missing three slots, the head got three reminders at once, 已逾期 1, 2 and 3
    个工作日, the days as they were: one now, with today's count; the leader, whom the third
    day reaches, hears it too."""
    dispatched(db, date(2026, 12, 4))  # due Friday: Monday to Wednesday are overdue days 1-3
    clock.freeze(at(date(2026, 12, 7), 8, 0))  # Monday morning, then the bot goes down
    await sweeper.sweep_app(running_bot.app)
    await running_bot.stop()
    clock.freeze(at(date(2026, 12, 9), 10, 0))  # back on Wednesday: three slots were missed
    await running_bot.start()
    await sweeper.sweep_app(running_bot.app)
    await sweeper.sweep_app(running_bot.app)  # a second pass adds nothing
    head = [(kind, day) for name, kind, day in queued(db) if name == "刘洋"]
    assert head == [("overdue-3", "2026-12-09")]
    assert [(kind, day) for name, kind, day in queued(db) if name == "李娜"] == [("overdue-3", "2026-12-09")]
    for _ in range(4):
        await delivery.send_due(running_bot.app)
    await team["刘洋"].wait_for("已逾期 3 个工作日")
    texts = [m.text for m in team["刘洋"].inbox if m.text and "已逾期" in m.text]
    assert len(texts) == 1, texts


async def test_back_before_todays_slot_the_catch_up_is_todays_reminder(running_bot, team, db):
    """Back at 08:30 on Wednesday, after Monday's and Tuesday's slots: one reminder with
    Wednesday's figures, and the 09:00 slot, which says the same, sends nothing more."""
    dispatched(db, date(2026, 12, 4))
    clock.freeze(at(date(2026, 12, 6), 20, 0))  # Sunday evening, then the bot goes down
    await sweeper.sweep_app(running_bot.app)
    await running_bot.stop()
    clock.freeze(at(date(2026, 12, 9), 8, 30))
    await running_bot.start()
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(date(2026, 12, 9), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    assert [(kind, day) for name, kind, day in queued(db) if name == "刘洋"] == [("overdue-3", "2026-12-09")]


@pytest.mark.parametrize(
    "back",
    [
        at(date(2026, 12, 5), 8, 30),
        at(date(2026, 12, 5), 10),
        at(date(2026, 12, 6), 21),
        at(date(2026, 12, 7), 7),
    ],
    ids=["saturday-before-the-slot", "saturday-after-it", "sunday-evening", "monday-before-the-slot"],
)
async def test_back_on_a_rest_day_the_catch_up_waits_for_the_next_working_days_slot(
    running_bot, team, db, back
):
    """Down from Thursday morning, back at the weekend: the catch-up went out on Saturday or
    Sunday and counted from it (staff chased on their day off). It goes out at Monday's 09:00,
    with Monday's figures, whoever a missed slot was for hearing it; nothing before."""
    dispatched(db, date(2026, 12, 4))  # due Friday: Thursday (1 before) and Friday (0) called
    clock.freeze(at(date(2026, 12, 3), 8, 0))
    await sweeper.sweep_app(running_bot.app)
    await running_bot.stop()
    clock.freeze(back)
    await running_bot.start()
    moment = back
    while moment < at(date(2026, 12, 7), 9, 0, 0):
        clock.freeze(moment)
        await sweeper.sweep_app(running_bot.app)
        assert await delivery.send_due(running_bot.app) == 0
        moment += timedelta(hours=5)
    assert queued(db) == []
    clock.freeze(at(date(2026, 12, 7), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    await sweeper.sweep_app(running_bot.app)  # a second pass adds nothing
    assert sorted(queued(db)) == [("刘洋", "overdue-1", "2026-12-07"), ("李娜", "overdue-1", "2026-12-07")]
    while await delivery.send_due(running_bot.app):  # (the leader's 08:30 digest is due too)
        pass
    message = await team["刘洋"].wait_for("已逾期 1 个工作日")
    assert "2026-12-04" in message.text
    assert [m.text for m in team["刘洋"].inbox if m.text and "#1" in m.text] == [message.text]


async def test_a_catch_up_waits_out_the_national_day_holiday_and_skips_what_was_closed(running_bot, team, db):
    """Down from the last working day before 国庆, back on 2 October: nothing during the
    holiday; on 8 October at 09:00 one reminder per problem still being worked on, counted as
    of that day (3 working days late: the leader too), and none for the problems finished or
    closed meanwhile."""
    late = dispatched(db, date(2026, 9, 28), "挂号排队时间长")
    finished = dispatched(db, date(2026, 9, 28), "候诊区座椅不足")
    closed = dispatched(db, date(2026, 9, 28), "停车难")
    clock.freeze(at(date(2026, 9, 29), 8, 0))
    await sweeper.sweep_app(running_bot.app)
    await running_bot.stop()
    clock.freeze(at(date(2026, 10, 2), 10, 0))
    await running_bot.start()
    day = date(2026, 10, 2)
    while day < date(2026, 10, 8):
        clock.freeze(at(day, 9, 0, 5))
        await sweeper.sweep_app(running_bot.app)
        day += timedelta(days=1)
    assert queued(db) == []
    db.execute("update problems set status = 'closure_requested' where id = ?", [finished])
    db.execute("update problems set status = 'closed' where id = ?", [closed])
    db.conn.commit()
    clock.freeze(at(date(2026, 10, 8), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    keys = [r[0] for r in db.execute("select dedup_key from outbox where dedup_key like 'reminder:%'")]
    assert {key.split(":")[1] for key in keys} == {str(late)}
    assert sorted(queued(db)) == [
        ("刘洋", "overdue-3", "2026-10-08"),
        ("李娜", "overdue-3", "2026-10-08"),
    ]


def test_only_missed_slots_wait_and_only_for_a_working_days_own_slot():
    from storage import reminders

    saturday, monday = at(date(2026, 12, 5), 9, 0, 0), at(date(2026, 12, 7), 9, 0, 0)
    friday = at(date(2026, 12, 4), 9, 0, 0)
    assert not reminders.catch_up_waits([saturday], date(2026, 12, 5))  # an ordinary rest day
    assert not reminders.catch_up_waits([], date(2026, 12, 5))
    assert reminders.catch_up_waits([friday], date(2026, 12, 5))
    assert reminders.catch_up_waits([friday, saturday], date(2026, 12, 5))
    assert reminders.catch_up_waits([friday], date(2026, 12, 7))  # Monday, before its slot
    assert not reminders.catch_up_waits([friday, saturday, monday], date(2026, 12, 7))


def test_a_catch_up_of_due_days_counts_from_today():
    from storage import reminders

    problem = type("P", (), {"id": 1, "status": "dispatched", "deadline": date(2026, 12, 11)})()
    missed = [date(2026, 12, 8)]  # three working days before: a reminder was due
    found = reminders.caught_up(problem, missed, date(2026, 12, 10), (7, 3, 1, 0), 3, 7)
    assert found is not None and (found.kind, found.days) == ("due", 1)
    assert reminders.caught_up(problem, [date(2026, 12, 9)], date(2026, 12, 10), (7, 3, 1, 0), 3, 7) is None


async def test_reminders_for_one_person_in_one_slot_come_as_one_message(running_bot, team, db):
    dispatched(db, date(2026, 12, 9), "挂号排队时间长")
    dispatched(db, date(2026, 12, 9), "候诊区座椅不足")
    clock.freeze(at(date(2026, 12, 8), 8))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(date(2026, 12, 8), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    await delivery.send_due(running_bot.app)
    message = await team["刘洋"].wait_for("候诊区座椅不足")
    assert "挂号排队时间长" in message.text  # both in one message
    labels = message.labels()  # each button names its problem, none repeats
    assert set(labels) == {"📈 报告进展 #1", "📈 报告进展 #2", "🔎 查看 #1", "🔎 查看 #2"}
    assert len(labels) == 4
    leader = await team["李娜"].wait_for("候诊区座椅不足")
    assert not any("报告进展" in label for label in leader.labels())  # a leader cannot report
    sent = db.execute(
        "select count(distinct sent_at) from outbox o join people p on p.id = o.person_id "
        "where p.name = '刘洋' and dedup_key like 'reminder:%'"
    ).fetchone()[0]
    assert sent == 1


async def test_closed_problems_are_not_reminded(running_bot, team, db):
    problem_id = dispatched(db, date(2026, 12, 9))
    db.execute("update problems set status = 'closed' where id = ?", [problem_id])
    db.conn.commit()
    await sweep_days(running_bot, date(2026, 11, 25), date(2026, 12, 15))
    assert queued(db) == []


async def test_the_leaders_deadline_reminder_offers_to_ask_for_more_time(running_bot, team, db):
    """Issue 18: the responsible leader asks for an extension from the reminder itself; the
    department's head, who reports, is not offered the leader's button."""
    problem_id = dispatched(db, date(2026, 12, 9))
    clock.freeze(at(date(2026, 11, 30)))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    reminder = await team["李娜"].wait_for(f"#{problem_id}")
    assert f"⏳ 申请延期 #{problem_id}" in reminder.labels()
    head_reminder = await team["刘洋"].wait_for(f"#{problem_id}")
    assert not any("申请延期" in label for label in head_reminder.labels())
    await team["李娜"].press(f"申请延期 #{problem_id}", message=reminder)
    await team["李娜"].send("需先招聘两名保安")
    confirm = (await team["李娜"].send("2026-12-31"))[-1]
    await team["李娜"].press("提交申请", message=confirm)
    while await delivery.send_due(running_bot.app):
        pass
    notice = await team["王芳"].wait_for(f"李娜 申请延期 #{problem_id}")
    assert "需先招聘两名保安" in notice.text
