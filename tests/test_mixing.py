"""The mixing pool and the chat that forgets, end to end: what a restart loses and how the person
can tell, ballots that may not be stuffed, and a copy of each chat (copyMessage, as anyone with
the bot's token could make) that finds none of their anonymous text or receipts."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from conftest import TOKEN, join, submit_opinion

from jobs import forgetting, opinion_batches
from storage import anonymous_pool, lookbacks, problems
from storage.anonymous_pool import AnonymousPool
from storage.clock import clock, iso


async def copy_of_chat(client, server, person, thief) -> list[str]:
    """Every message still in the person's chat, copied into the thief's by its id."""
    found = []
    for message_id in range(1, server.api.chats[person.id].next_message_id):
        async with client.session.post(
            f"{server.url}/bot{TOKEN}/copyMessage",
            json={"chat_id": thief.id, "from_chat_id": person.id, "message_id": message_id},
        ) as answer:
            if answer.status == 200:
                copied = (await answer.json())["result"]["message_id"]
                message = server.api.chats[thief.id].messages[copied]
                found.append(message.get("text") or message.get("caption") or "")
    return found


async def test_a_copy_of_the_chat_holds_no_anonymous_text_or_receipt(running_bot, client, invited, server):
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    receipt = await submit_opinion(staff, f"食堂 {marker}", photos=(b"not a jpeg",))
    assert "已从对话中删除" in staff.inbox[-1].text and "重启" in staff.inbox[-1].text
    await staff.press("我已保存")
    await staff.send(f"/receipt {receipt}")
    assert any(marker in (m.text or "") for m in staff.inbox)  # the card shows it, for now
    await staff.press("回复活动办")
    await staff.send(f"补充 {marker}")
    await staff.press("看完了")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not any(marker in text or receipt in text or receipt.replace("-", "") in text for text in copied)


async def test_a_card_and_an_unconfirmed_receipt_go_after_a_day(running_bot, client, invited, server):
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "一天后删除")
    await staff.send(f"/receipt {receipt}")
    clock.advance(forgetting.LATER)
    assert await forgetting.sweep(running_bot.app) >= 2
    copied = await copy_of_chat(client, server, staff, thief)
    assert not any("一天后删除" in text or receipt in text for text in copied)


async def test_a_restart_loses_what_waits_and_the_person_can_tell(running_bot, client, invited, db_path):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    receipt = await submit_opinion(staff, "重启前的意见")
    shown = await staff.send(f"/receipt {receipt}")
    assert "等待下一批次" in shown[-1].text
    await running_bot.restart()
    again = await staff.send(f"/receipt {receipt}")
    assert "没有找到" in again[-1].text and "重新提交" in again[-1].text
    assert await opinion_batches.release_to_office(running_bot.app) == (0, 0)
    assert "没有待处理" in (await office.send("/inbox"))[-1].text  # nothing half-written


def test_ballots_wait_for_k_voters_and_leftovers_go_without_them(db, invited):
    pool = anonymous_pool.attach(db, 5)
    assert isinstance(pool, AnonymousPool)
    problem_id = problems.create(db, "候诊区", None)
    db.execute(
        "update problems set status = 'closed', closed_at = ? where id = ?", [iso(clock.now()), problem_id]
    )
    db.conn.commit()
    lookback = lookbacks.start(db, problem_id, "30d", date(2026, 12, 1), 14)
    for n in range(7):
        assert lookbacks.vote(db, lookback.id, f"person:{n}", "satisfied", date(2026, 12, 1))
        assert not lookbacks.vote(db, lookback.id, f"person:{n}", "unsatisfied", date(2026, 12, 1))
        written = db.execute("select count(*) from lookback_voters").fetchone()[0]
        ballots = db.execute("select count(*) from lookback_ballots").fetchone()[0]
        assert (written, ballots) == ((5, 5) if n >= 4 else (0, 0))
    lookbacks.finish(db, lookback.id, 5, 1)
    assert db.execute("select count(*) from lookback_voters").fetchone()[0] == 5  # the last two: no voters
    assert db.execute("select count(*) from lookback_ballots").fetchone()[0] == 7
    assert lookbacks.tally(db, lookback.id)["satisfied"] == 7  # nothing twice


async def test_a_holder_votes_only_on_their_opinions_problem_and_only_once(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")  # 门诊部
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await opinion_batches.release_to_office(running_bot.app)
    opinion_id = db.execute("select id from opinions").fetchone()[0]
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    clinic = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    mine = problems.from_opinion(db, opinion_id, office_id)
    other = problems.create(db, "别的科室的问题", office_id)
    for problem_id in (mine, other):
        db.execute(
            "update problems set status = 'closed', department_id = ?, closed_at = ? where id = ?",
            [clinic, iso(clock.now()), problem_id],
        )
    db.conn.commit()
    today = clock.now().date()
    own, foreign = (lookbacks.start(db, p, "30d", today, 14) for p in (mine, other))
    card = await staff.send(f"/receipt {receipt}")
    assert "满意" in " ".join(card[-1].labels())
    [vote] = [
        b["callback_data"]
        for row in card[-1].buttons
        for b in row
        if b["callback_data"].endswith(":satisfied")
    ]
    forged = vote.replace(f"lbr:{own.id}:", f"lbr:{foreign.id}:")
    assert forged != vote
    await staff.press_data(card[-1].message_id, forged)
    assert "不请您投票" in (await staff.callback_answer())["text"]
    await staff.press("不满意", message=card[-1])
    # the holder is staff of the department: their vote counts as theirs, so no second one
    assert lookbacks.has_voted(
        running_bot.db,
        own.id,
        lookbacks.staff_voter(  # waiting in its pool
            db.execute("select id from people where name = '张伟'").fetchone()[0]
        ),
    )
    await staff.press_data(card[-1].message_id, f"lbv:{own.id}:satisfied")
    assert "已经投过票" in (await staff.callback_answer())["text"]


def test_the_report_counts_only_released_opinions(db, invited):
    """Issue 15, item 6: an office member polling /report must not see each opinion arrive."""
    from zoneinfo import ZoneInfo

    from storage import opinions, summary
    from storage.keys import Keys
    from storage.opinions import Draft

    day, zone = date(2026, 12, 1), ZoneInfo("Asia/Shanghai")
    opinions.submit(db, Draft(category="其他", text="批次前"), None, Keys(b"k" * 32), day)
    assert summary.summarize(db, day, day, zone).opinions_by_category == {}
    assert opinions.counts_by_department(db) == {}
    opinions.release_batch(db)
    assert summary.summarize(db, day, day, zone).opinions_by_category == {"其他": 1}


def test_no_result_may_need_fewer_ballots_than_the_anonymity_set():
    import config

    token = {"TELEGRAM_BOT_TOKEN": "123456:ABCDEF"}
    assert config.load(env=token, dotenv=False).anonymity_set == 5
    for name in ("LOOKBACK_MIN_VOTES", "EVALUATION_MIN_BALLOTS"):
        with pytest.raises(config.ConfigError, match=name):
            config.load(env={**token, name: "3"}, dotenv=False)
    assert config.load(env={**token, "ANONYMITY_SET": "3", "LOOKBACK_MIN_VOTES": "3"}, dotenv=False)


def test_a_long_reader_holds_up_the_checkpoint_for_a_moment_only(db, db_path):
    """An export reading in its thread must not freeze the bot at a batch: the checkpoint waits
    a moment, and the sweeper cuts the WAL once the reader is done."""
    import sqlite3
    import time

    from storage import opinions
    from storage.keys import Keys
    from storage.opinions import Draft

    pool = anonymous_pool.attach(db, 1)
    reader = sqlite3.connect(db_path)
    reader.execute("begin")
    reader.execute("select count(*) from opinions").fetchone()
    start = time.monotonic()
    opinions.submit(db, Draft(category="其他", text="读者还在读"), None, Keys(b"k" * 32), date(2026, 12, 1))
    assert time.monotonic() - start < 2 and pool.unsettled
    reader.rollback()
    reader.close()
    pool.settle_if_due()
    assert not pool.unsettled
    assert db_path.with_name(db_path.name + "-wal").stat().st_size == 0
