"""The 新问题待接单 notice every leader gets: once one leader claims the problem (or the office
assigns it), the other leaders' notices are edited by delivery to say who has it, without 接单,
instead of offering it until someone presses and learns it is gone. Which message a notice
became is kept in memory only: on disk, a person's message ids, notice after notice, would
count the messages between them, the anonymous ones included. A restart forgets them, and the
notice's old 接单 still says who has the problem."""

from __future__ import annotations

from conftest import ROSTER_CSV, join

from jobs import delivery, notices
from storage import invitations, problems, roster
from storage.people import Person


def who(db, name: str) -> Person:
    from storage import people

    return next(p for p in people.everyone(db) if p.name == name)


async def _two_leaders(fast_client, db):
    roster.apply(db, roster.parse((ROSTER_CSV + "陈刚,院办,班子成员\n").encode()), None)
    codes = {
        i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    }
    return (
        await join(fast_client, codes, 101, "王芳"),
        await join(fast_client, codes, 102, "李娜"),
        await join(fast_client, codes, 103, "陈刚"),
    )


async def _listed(fast_bot, li, chen, db, title: str):
    problem_id = problems.create(db, title, None)
    notices.problem_listed(fast_bot.app, problem_id)
    return (
        problem_id,
        await li.wait_for(f"新问题待接单 #{problem_id}"),
        await chen.wait_for(f"新问题待接单 #{problem_id}"),
    )


def _now(user, message):
    """The message as the person's phone shows it now (edits folded in)."""
    user._new()
    return next(m for m in user.inbox if m.message_id == message.message_id)


def _labels(message) -> list[str]:
    return [b["text"] for row in message.buttons for b in row]


async def _deliver_all(app) -> None:
    while await delivery.send_due(app):
        pass


def _edits(fast_bot, user_id: int, message_id: int) -> int:
    return sum(
        1
        for e in fast_bot.api.chats[user_id].events
        if e["kind"] == "edited" and e["message"]["message_id"] == message_id
    )


async def test_the_other_leaders_notice_says_who_claimed_it_without_a_press(fast_bot, fast_client, db):
    _, li, chen = await _two_leaders(fast_client, db)
    problem_id, mine, other = await _listed(fast_bot, li, chen, db, "候诊区座椅不足")
    sent_before = len([m for m in chen.inbox])

    await li.press("接单", message=mine)
    assert _labels(_now(chen, other)) == ["🙋 接单"]  # the claim's answer waits for no other chat
    await li.press_data(mine.message_id, mine.buttons[0][0]["callback_data"])  # a double tap
    assert (await li.callback_answer())["text"] == f"#{problem_id} 已由您接单，不用再点。"
    await _deliver_all(fast_bot.app)  # delivery, paced as every send to a chat

    taken = _now(chen, other)
    assert taken.text == f"#{problem_id} 候诊区座椅不足\n已由 李娜 接单。" and _labels(taken) == []
    assert len(chen.inbox) == sent_before  # edited in place, no new message
    assert _edits(fast_bot, 103, other.message_id) == 1  # once, for all the taps
    assert db.execute("select count(*) from outbox where chat_id is not null").fetchone()[0] == 0
    assert "📝 下单" in _labels(_now(li, mine))  # the claimer's own card is theirs, not "taken"
    await chen.press_data(other.message_id, other.buttons[0][0]["callback_data"])  # an old tap
    assert "李娜" in (await chen.callback_answer())["text"]


async def test_after_a_restart_the_notice_stays_and_its_button_says_who_has_it(fast_bot, fast_client, db):
    _, li, chen = await _two_leaders(fast_client, db)
    problem_id, mine, other = await _listed(fast_bot, li, chen, db, "车棚漏雨")
    await fast_bot.stop()  # what the bot held in memory is gone: which message each notice became
    await fast_bot.start()
    await li.press("接单", message=mine)
    await _deliver_all(fast_bot.app)
    assert _labels(_now(chen, other)) == ["🙋 接单"] and _edits(fast_bot, 103, other.message_id) == 0
    [(error,)] = db.execute("select last_error from outbox where edit_of is not null").fetchall()
    assert "forgotten" in error  # given up, told to nobody
    await chen.press("接单", message=other)
    assert "李娜" in (await chen.callback_answer())["text"]


def test_no_message_id_of_a_persons_chat_is_written(db):
    """The operator holding the file must not read how many messages each chat held at each
    notice: no column keeps which message a row became (the edit's lookup is in memory)."""
    columns = {(t, c.name) for t in db.table_names() for c in db[t].columns}
    assert not [(t, c) for t, c in columns if "message" in c]
    assert ("outbox", "chat_id") in columns  # m007's, never filled (checked after a delivery above)


async def test_a_notice_not_yet_sent_goes_out_saying_who_has_it(fast_bot, fast_client, db):
    _, li, chen = await _two_leaders(fast_client, db)
    problem_id = problems.create(db, "食堂饭菜价格偏高", None)
    notices.problem_listed(fast_bot.app, problem_id)  # queued, not delivered yet (quiet hours)
    problems.claim(db, problem_id, who(db, "李娜"))
    notices.problem_claimed(fast_bot.app, problems.get(db, problem_id))
    arrived = await chen.wait_for(f"#{problem_id} 食堂饭菜价格偏高")
    assert "已由 李娜 接单" in arrived.text and _labels(arrived) == []
    assert [m for m in chen.inbox if f"#{problem_id}" in (m.text or "")] == [arrived]


async def test_a_deleted_notice_is_left_alone_and_the_claim_goes_on(fast_bot, fast_client, db):
    office, li, chen = await _two_leaders(fast_client, db)
    problem_id, mine, other = await _listed(fast_bot, li, chen, db, "监控有死角")
    del fast_bot.api.chats[103].messages[other.message_id]  # 陈刚 deleted it from his chat
    await li.press("接单", message=mine)
    await _deliver_all(fast_bot.app)
    assert problems.get(db, problem_id).leader == "李娜"
    assert "监控有死角 已由 李娜 接单" in (await office.wait_for(f"#{problem_id}")).text
    [(error,)] = db.execute("select last_error from outbox where edit_of is not null").fetchall()
    assert "edit refused" in error  # given up, told to nobody, never tried again
    assert not [m for m in li.inbox if "出错" in (m.text or "")]


async def test_an_assigned_problem_tells_every_leader_to_whom(fast_bot, fast_client, db):
    _, li, chen = await _two_leaders(fast_client, db)
    problem_id, mine, other = await _listed(fast_bot, li, chen, db, "职工书屋开放时间短")
    problem = problems.act(db, problem_id, "assign", who(db, "王芳"), leader_id=who(db, "李娜").id)
    notices.problem_assigned(fast_bot.app, problem)
    await _deliver_all(fast_bot.app)
    for user, notice in ((li, mine), (chen, other)):
        now = _now(user, notice)
        assert "活动办已指定 李娜 负责" in now.text and _labels(now) == []
