"""Look-backs (回头看): opened by the sweeper after closure, one vote each, ballots apart from
voters, reopening when a third or more of at least five counted votes are 不满意."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from jobs import sweeper
from storage import invitations, lookbacks, people, problems, roster
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)
STAFF = 6
ROSTER = (
    "姓名,科室,角色\n"
    + "".join(f"护士{n},门诊部,职工\n" for n in range(STAFF))
    + "刘洋,门诊部,科室负责人\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n"
)


@pytest.fixture
def closed_problem(db):
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    by_name = {p.name: p for p in people.everyone(db)}
    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', leader_id = ?, department_id = ?, deadline = ?, "
        "measures = '增加座椅 40 张', closed_at = ? where id = ?",
        [
            by_name["李娜"].id,
            by_name["刘洋"].department_id,
            "2026-10-30",
            "2026-11-01T02:00:00+00:00",
            problem_id,
        ],
    )
    db.conn.commit()
    return problem_id


def _vote_all(db, lookback_id: int, choices: list[str]) -> None:
    for n, choice in enumerate(choices):
        assert lookbacks.vote(db, lookback_id, f"person:{n}", choice, DAY)


@pytest.mark.parametrize(
    "choices, result, status",
    [
        (["satisfied"] * 4 + ["unsatisfied"] * 2, "reopened", "reopened"),  # 2 of 6 is a third
        (["satisfied"] * 5 + ["unsatisfied"] * 2, "held", "closed"),  # 2 of 7 is less
        (["unsatisfied"] * 4, "too_few", "closed"),  # 4 votes decide nothing
        (["unsatisfied"] * 4 + ["unknown"] * 3, "too_few", "closed"),  # 不了解 is not counted
    ],
)
def test_the_result_rule(db, closed_problem, choices, result, status):
    lookback = lookbacks.start(db, closed_problem, "30d", DAY, 14)
    _vote_all(db, lookback.id, choices)
    assert lookbacks.finish(db, lookback.id, 5, Fraction(1, 3)) == result
    assert problems.get(db, closed_problem).status == status
    [row] = [r for r in problems.history(db, closed_problem) if r["action"] == "problem.lookback_result"]
    assert ('"unsatisfied"' in row["detail"]) == (result != "too_few")  # few votes: no counts shown


def test_one_vote_each_and_ballots_carry_no_voter(db, closed_problem):
    lookback = lookbacks.start(db, closed_problem, "30d", DAY, 14)
    assert lookbacks.vote(db, lookback.id, "person:1", "satisfied", DAY)
    assert not lookbacks.vote(db, lookback.id, "person:1", "unsatisfied", DAY)
    assert [c.name for c in db["lookback_ballots"].columns] == ["id", "lookback_id", "choice"]
    assert not db["lookback_ballots"].use_rowid and not db["lookback_voters"].use_rowid
    [voter] = list(db["lookback_voters"].rows)
    assert voter["on_date"] == "2026-12-01"  # the day, not the time
    assert lookbacks.start(db, closed_problem, "30d", DAY, 14) is None  # a round opens once


async def test_thirty_days_after_closure_staff_vote_and_a_failure_reopens(
    running_bot, client, db, closed_problem
):
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    names = [f"护士{n}" for n in range(STAFF)] + ["刘洋", "李娜", "王芳"]
    users = {name: await client.user(9100 + n, name) for n, name in enumerate(names)}
    for name, user in users.items():
        await user.send(f"/start {codes[name]}")

    clock.freeze(datetime.combine(date(2026, 12, 1), time(8), tzinfo=SHANGHAI))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(datetime.combine(date(2026, 12, 1), time(9, 0, 30), tzinfo=SHANGHAI))
    await sweeper.sweep_app(running_bot.app)  # 30 days after 1 November: the look-back opens

    choices = ["满意", "满意", "基本满意", "满意", "不满意", "不满意"]
    asks = await asyncio.gather(*(users[f"护士{n}"].wait_for("您对整改效果满意吗") for n in range(STAFF)))
    await asyncio.gather(
        *(
            users[f"护士{n}"].press(choice, message=ask)
            for n, (choice, ask) in enumerate(zip(choices, asks, strict=True))
        )
    )
    again = users["护士0"]
    await again.press_data(asks[0].message_id, asks[0].buttons[1][0]["callback_data"])
    assert "已经投过票" in (await again.callback_answer())["text"]
    outsider = users["王芳"]
    # a button copied from a nurse's chat, pressed in the office member's own chat
    await outsider.press_data(outsider.inbox[-1].message_id, asks[0].buttons[0][0]["callback_data"])
    assert "不请您投票" in (await outsider.callback_answer())["text"]

    head_ask = await users["刘洋"].wait_for("整改效果是否仍然保持")
    await users["刘洋"].press("仍然有效", message=head_ask)
    await users["刘洋"].send("座椅仍在，候诊区秩序良好")

    clock.freeze(datetime.combine(date(2026, 12, 15), time(9, 0, 30), tzinfo=SHANGHAI))
    await sweeper.sweep_app(running_bot.app)  # voting closes after 14 days
    assert problems.get(db, closed_problem).status == "reopened"
    told = await users["李娜"].wait_for("回头看不满意（2/6）")
    assert "下单" in " ".join(told.labels())
    history = (await users["护士1"].send(f"/history {closed_problem}"))[-1].text
    assert "发起回头看" in history and "科室确认" in history and "回头看结果" in history
    assert "座椅仍在，候诊区秩序良好" in history
    assert db.execute("select count(*) from lookback_ballots").fetchone()[0] == STAFF


async def _nurses_asked(running_bot, client, db) -> tuple[list, list]:
    """The six nurses joined, and the look-back opened on 1 December asking them (to 14 December)."""
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    nurses = [await client.user(9200 + n, f"护士{n}") for n in range(STAFF)]
    for n, nurse in enumerate(nurses):
        await nurse.send(f"/start {codes[f'护士{n}']}")
    # the sweeper looks first at 08:00 (the test's clock may have started later on the day)
    clock.freeze(datetime.combine(date(2026, 12, 1), time(8), tzinfo=SHANGHAI))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(datetime.combine(date(2026, 12, 1), time(9, 0, 30), tzinfo=SHANGHAI))
    await sweeper.sweep_app(running_bot.app)
    asks = await asyncio.gather(*(nurse.wait_for("您对整改效果满意吗") for nurse in nurses))
    return nurses, list(asks)


async def _sweep_on(running_bot, day: int) -> None:
    clock.freeze(datetime.combine(date(2026, 12, day), time(9, 0, 30), tzinfo=SHANGHAI))
    await sweeper.sweep_app(running_bot.app)


async def test_a_vote_across_a_restart_counts_once(running_bot, client, db, closed_problem):
    """Five votes are written as a batch and a sixth waits in memory when the bot restarts: the
    written voters' old buttons are refused; the sixth, lost with the restart, is asked again at
    half time and votes; the closing tally counts each nurse once."""
    nurses, asks = await _nurses_asked(running_bot, client, db)
    for nurse, ask in zip(nurses, asks, strict=True):
        await nurse.press("不满意", message=ask)
    assert db.execute("select count(*) from lookback_voters").fetchone()[0] == 5  # the sixth waits

    await running_bot.restart()
    for nurse, ask in zip(nurses, asks, strict=True):
        await nurse.press_data(ask.message_id, ask.buttons[0][0]["callback_data"])  # an old 满意
    answers = [(await nurse.callback_answer()).get("text") or "" for nurse in nurses]
    refused = [n for n, text in enumerate(answers) if "已经投过票" in text]
    assert len(refused) == 5, answers
    [lost] = [n for n in range(STAFF) if n not in refused]
    # her old press counted again (her ballot was lost): told in the press's answer, no error
    assert "已记录" in answers[lost]
    assert not any("没有完成" in (m.text or "") for m in nurses[lost].inbox)
    await running_bot.restart()  # the old press counted, and is lost again: now only a reminder helps

    await _sweep_on(running_bot, 7)
    assert not any("投票到" in (m.text or "") for nurse in nurses for m in nurse.inbox)
    await _sweep_on(running_bot, 8)  # half time: only the nurse not on the written list
    reminder = await nurses[lost].wait_for("投票到 12-14")
    reminded = db.execute(
        "select p.name from outbox o join people p on p.id = o.person_id "
        "where o.dedup_key like 'lookback-remind:%'"
    ).fetchall()
    assert sorted(name for (name,) in reminded) == sorted([f"护士{lost}", "刘洋"])  # not the written five
    await nurses[lost].press("满意", message=reminder)
    assert "已记录" in (await nurses[lost].callback_answer())["text"]

    await _sweep_on(running_bot, 15)
    [lookback_id] = [r[0] for r in db.execute("select id from lookbacks")]
    tally = lookbacks.tally(db, lookback_id)
    assert (tally["unsatisfied"], tally["satisfied"]) == (5, 1), tally
    assert db.execute("select count(*) from lookback_ballots").fetchone()[0] == STAFF


async def test_reminders_follow_the_written_list_not_the_pool(running_bot, client, db, closed_problem):
    """Two ballots wait in memory at half time: their voters are reminded with everyone not on the
    written list (leaving them out would name whose ballots wait), and a tap tells them they
    voted. On the last day the reminder comes again, once, however often the sweeper passes."""
    nurses, asks = await _nurses_asked(running_bot, client, db)
    for nurse, ask in zip(nurses[:2], asks[:2], strict=True):
        await nurse.press("满意", message=ask)
    await _sweep_on(running_bot, 8)
    reminders = await asyncio.gather(*(nurse.wait_for("投票到 12-14") for nurse in nurses))
    await nurses[0].press("不满意", message=reminders[0])
    assert "已经投过票" in (await nurses[0].callback_answer())["text"]
    await _sweep_on(running_bot, 14)
    await _sweep_on(running_bot, 14)
    for nurse in nurses:
        await nurse.wait_for("最后一天")
        assert sum("最后一天" in (m.text or "") for m in nurse.inbox) == 1
