"""Attacks of a hostile operator on look-back (回头看) votes: the operator holds the database, its
WAL, the key and the bot's token, and copies any message still in a person's chat (copyMessage
takes a chat, which is the member's Telegram id in the people table, and a small sequential id).

- A vote edited its ask into 已记录 in the voter's chat: the chats named who voted, and a
  ballot the close writes without its voter (fewer than k waiting) was then theirs, read from
  the file's pages: one voter, one ballot, the choice named.
- A vote typed instead of tapped was answered by messages (已记录, 已经投过票, the word's
  已删除) that stayed in the chat: the same name, by another way.

Tried, and held: a vote, a second press (已经投过票) and a typed vote write not a byte of the
database or its WAL before their batch, nor does a receipt holder's vote on the card, whose
chat keeps nothing of the receipt or the vote once the card is cleared; logs at DEBUG name no
voter through votes, a reminder to one whose ballot waits, a batch and the close.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from conftest import join, submit_opinion
from forensics import Image
from test_forensic_attacks import _persisted
from test_lookbacks import SHANGHAI, _nurses_asked, _sweep_on, closed_problem  # noqa: F401 (a fixture)
from test_mixing import copy_of_chat

from handlers.typed_choice import TYPED_ANSWER_KEPT
from jobs import forgetting, opinion_batches, sweeper
from storage import anonymous_pool, invitations, lookbacks, problems
from storage.clock import clock, iso
from texts import say

ASK = "您对整改效果满意吗"


def _ballots_on_disk(db, db_path) -> list[str]:
    """The look-back ballots as the file's pages hold them (their choice by its column)."""
    db.execute("pragma wal_checkpoint(truncate)")  # the reader reads the file
    image = Image.of_file(db_path)
    sql = next(r["sql"] for r in image.schema() if r["type"] == "table" and r["name"] == "lookback_ballots")
    columns = [c.strip().split()[0] for c in sql[sql.index("(") + 1 :].split(",")]
    choice = columns.index("choice")
    return [cell.values[choice] for cell in image.rows("lookback_ballots")]


async def test_no_chat_says_who_voted_so_the_ballot_left_at_the_close_names_nobody(
    running_bot,
    client,
    db,
    db_path,
    server,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """The attack: one nurse of six votes 不满意; her ballot waits in memory and, fewer than k,
    the close writes it without its voter. The operator copies every nurse's chat: the one
    whose ask became 已记录 cast the one ballot on disk. Every chat must read alike."""
    nurses, asks = await _nurses_asked(running_bot, client, db)
    await nurses[0].press("不满意", message=asks[0])
    await _sweep_on(running_bot, 15)  # voting closes: the one ballot, without its voter
    assert db.execute("select count(*) from lookback_voters").fetchone()[0] == 0
    assert _ballots_on_disk(db, db_path) == ["unsatisfied"]

    thief = await client.user(666, "token holder")
    thanks = say("zh_cn", "lookback.thanks", k=5).split("，")[0]
    for n, nurse in enumerate(nurses):
        copied = await copy_of_chat(client, server, nurse, thief)
        assert not any(thanks in text for text in copied), (
            f"护士{n}'s chat says she voted: the one ballot on disk, 不满意, is hers"
        )
        assert sum(ASK in text for text in copied) == 1, f"护士{n}'s chat lost its ask"
    assert "已记录" in (await nurses[0].callback_answer())["text"]  # she is told, not her chat


async def test_a_second_tap_leaves_the_chat_as_it_was(
    running_bot,
    client,
    db,
    server,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """Her vote and a second tap (answered 已经投过票) change nothing in her chat: the ask keeps
    its buttons, as everyone's does, and she may tap them to be told again."""
    nurses, asks = await _nurses_asked(running_bot, client, db)
    await nurses[0].press("满意", message=asks[0])
    await nurses[0].press("不满意", message=asks[0])
    assert "已经投过票" in (await nurses[0].callback_answer())["text"]
    thief = await client.user(666, "token holder")
    chats = [await copy_of_chat(client, server, nurse, thief) for nurse in nurses[:2]]
    asked = [[text for text in chat if ASK in text] for chat in chats]
    assert asked[0] == asked[1], "the voter's ask reads unlike the one who did not vote"
    pairs = zip(nurses[:2], asks[:2], strict=True)
    shown = [server.api.chats[nurse.id].messages[ask.message_id] for nurse, ask in pairs]
    assert shown[0].get("reply_markup") == shown[1].get("reply_markup"), "her buttons went with her vote"


async def test_a_typed_vote_leaves_no_answer_in_the_chat(
    running_bot,
    client,
    db,
    server,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """A vote typed instead of tapped has no press to answer: its 已记录 (and 已经投过票, and
    the word's 已删除) came as messages and stayed, naming her as a voter like an edited ask.
    They leave with the chat's next forgetting pass after a few minutes."""
    nurses, _ = await _nurses_asked(running_bot, client, db)
    shown = await nurses[0].send("不满意")
    assert any("已记录" in (m.text or "") for m in shown)  # she is told, for a while
    await nurses[0].send("满意")
    clock.freeze(clock.now() + TYPED_ANSWER_KEPT + timedelta(seconds=1))
    await forgetting.sweep(running_bot.app)
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, nurses[0], thief)
    assert sum(ASK in text for text in copied) == 1
    told = [
        say("zh_cn", key, k=5)[:6] for key in ("lookback.thanks", "lookback.already", "choice.typed_gone")
    ]
    left = [text for text in copied if any(t in text for t in told)]
    assert not left, f"her chat says she voted: {left}"


# ---- tried, and held ----------------------------------------------------------------------------


async def test_a_vote_and_a_second_tap_write_nothing_before_their_batch(
    fast_bot,
    fast_client,
    db,
    db_path,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """Between a vote and its batch the files must not change: a commit there (a step, a
    user_data or chat_data of hers, a row of the outbox) would date her vote to the second.
    Tried: a press, a second press answered 已经投过票 and a typed vote (the persistence
    flushed after each, as its timer would): not a byte of the database or its WAL changes."""
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    nurses = [await join(fast_client, codes, 9300 + n, f"护士{n}") for n in range(3)]
    for moment in (time(8), time(9, 0, 30)):
        clock.freeze(datetime.combine(date(2026, 12, 1), moment, tzinfo=SHANGHAI))
        await sweeper.sweep_app(fast_bot.app)
    asks = [await nurse.wait_for(ASK) for nurse in nurses]
    await _persisted(fast_bot.app, db)
    before = _files(db_path)
    await nurses[0].press("不满意", message=asks[0])
    await _persisted(fast_bot.app, db)
    assert _files(db_path) == before, "her press wrote"
    await nurses[0].press("满意", message=asks[0])
    assert "已经投过票" in (await nurses[0].callback_answer())["text"]
    await nurses[1].send("基本满意")
    await _persisted(fast_bot.app, db)
    assert _files(db_path) == before, "a second press or a typed vote wrote"
    assert len(anonymous_pool.pool_for(fast_bot.db).lookbacks[1].rows) == 2, "both wait in the pool"


def _files(db_path) -> tuple[bytes, bytes]:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes(), wal.read_bytes() if wal.exists() else b""


async def test_logs_at_debug_name_no_voter(
    running_bot,
    client,
    db,
    caplog,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """LOG_LEVEL=DEBUG (libraries quieted as bot.serve quiets them): votes pressed and typed, a
    second press, the half-time reminder to those not on the written list (one of them waiting
    in the pool), a batch, and the close. Tried: no record names anyone who voted, by their
    Telegram id or their id in the roster."""
    import logging

    import bot

    nurses, asks = await _nurses_asked(running_bot, client, db)
    bot.quiet_libraries()
    caplog.set_level(logging.DEBUG)
    caplog.clear()  # joining and the ask name people, as they should: not the anonymous act
    for nurse, ask in zip(nurses[:4], asks[:4], strict=True):
        await nurse.press("不满意", message=ask)
    await nurses[0].press("满意", message=asks[0])  # 已经投过票
    await nurses[4].send("满意")  # the fifth, typed: the batch
    await nurses[5].press("基本满意", message=asks[5])  # waits in the pool
    await _sweep_on(running_bot, 8)  # the half-time reminder: nurses[5] among those asked again
    await nurses[5].wait_for("投票到")
    await _sweep_on(running_bot, 15)  # the close writes nurses[5]'s ballot without its voter
    roster_ids = [r[0] for r in db.execute("select id from people where name like '护士%'")]
    marks = [str(nurse.id) for nurse in nurses] + [lookbacks.staff_voter(i) for i in roster_ids]
    logged = [(r.name, r.getMessage() + " " + str(r.args)) for r in caplog.records]
    assert logged, "the run must log something to check"
    named = [(name, text) for name, text in logged if any(mark in text for mark in marks)]
    assert not named, named[:3]


async def test_a_holders_vote_under_the_receipt_writes_nothing_and_leaves_no_trace_in_the_chat(
    fast_bot, fast_client, invited, db, db_path
):
    """A receipt holder the look-back does not ask as staff votes on the card (under the opinion,
    which names nobody). Tried: the press and a second one write nothing before the batch (so
    no moment ties the card's chat to the ballot); once the card is cleared (看完了), nothing in
    her chat says she holds the receipt or voted."""
    holder = await join(fast_client, invited, 102, "李娜")  # 院办: the problem is 门诊部's
    receipt = await submit_opinion(holder, "候诊区座椅不足，老人站着等")
    await holder.press("我已保存")
    await opinion_batches.release_to_office(fast_bot.app)
    opinion_id = db.execute("select id from opinions").fetchone()[0]
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    clinic = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    problem_id = problems.from_opinion(db, opinion_id, office_id)
    db.execute(
        "update problems set status = 'closed', department_id = ?, closed_at = ? where id = ?",
        [clinic, iso(clock.now()), problem_id],
    )
    db.conn.commit()
    lookback = lookbacks.start(db, problem_id, "30d", clock.now().date(), 14)
    card = await holder.send(f"/receipt {receipt}")
    await _persisted(fast_bot.app, db)
    before = _files(db_path)
    await holder.press("不满意", message=card[-1])
    assert "已记录" in (await holder.callback_answer())["text"]
    await holder.press("满意", message=card[-1])
    assert "已经投过票" in (await holder.callback_answer())["text"]
    await _persisted(fast_bot.app, db)
    assert _files(db_path) == before, "her vote under the receipt wrote"
    assert anonymous_pool.pool_for(fast_bot.db).has_voted(lookback.id, lookbacks.holder_voter(opinion_id))
    await holder.press("看完了", message=card[-1])
    left = [m.get("text") or "" for m in fast_bot.api.chats[holder.id].messages.values()]
    telling = ("候诊区座椅", receipt, receipt.replace("-", ""), "已记录", "投票", "回头看")
    assert not [text for text in left if any(t in text for t in telling)], left
