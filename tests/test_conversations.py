"""Conversations are schema: every registered conversation, its states (strings) and the
user_data keys it keeps are declared in handlers/conversations.py; old integer states are
carried to their named step at deploy; a state no conversation has any more ends the flow with a
word to the person; every conversation times out, dropping what it kept (an anonymous draft
too) and saying so."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from conftest import BotUnderTest, join
from telegram.ext import ConversationHandler

import services
from handlers import conversations
from handlers.persistence import SQLitePersistence
from storage import migrations as schema

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


def registered(running_bot) -> list[ConversationHandler]:
    return [
        h for group in running_bot.app.handlers.values() for h in group if isinstance(h, ConversationHandler)
    ]


async def test_every_conversation_its_states_and_its_keys_are_declared(running_bot):
    found = registered(running_bot)
    assert sorted(h.name for h in found) == sorted(conversations.CONVERSATIONS)
    for handler in found:
        states = set(handler.states) - {ConversationHandler.TIMEOUT}
        assert states == set(conversations.CONVERSATIONS[handler.name]), handler.name
        assert all(isinstance(state, str) for state in states)
        assert handler.conversation_timeout == conversations.TIMEOUT
        assert ConversationHandler.TIMEOUT in handler.states
    used = set()
    kept = re.compile(r"user_data(?:\[|\.get\(|\.pop\(|\.setdefault\()\"(\w+)\"")
    for source in HANDLERS.rglob("*.py"):  # the flow folders too
        used |= set(kept.findall(source.read_text()))
    assert used == set(conversations.USER_DATA_KEYS) | set(conversations.STANDALONE_KEYS)
    assert set(conversations.USER_DATA_KEYS.values()) <= set(conversations.CONVERSATIONS)


def test_integer_states_from_before_are_carried_to_the_same_named_step(db):
    rows = [
        ("leadership", [1, 101], 2),
        ("progress_report", [2, 102], 0),
        ("roster_import", [3, 103], 7),
        ("gone_flow", [4, 104], 1),
        ("inbox_action", [5, 105], "typing_reply"),
    ]
    for name, key, state in rows:
        db.execute(
            "insert into conversation_states values (?, ?, ?)", [name, json.dumps(key), json.dumps(state)]
        )
    schema.m026_conversation_states_by_name(db)
    saved = {r[0]: json.loads(r[1]) for r in db.execute("select name, state from conversation_states")}
    assert saved == {"leadership": "deadline", "progress_report": "text", "inbox_action": "typing_reply"}


def test_someone_in_the_middle_of_a_flow_split_out_stays_at_their_step(db):
    """m200-m202: the return comment, the explanation and the closure reason left the office's,
    the leader's and the head's conversations for conversations of their own, with the same
    step names; the steps that stayed stay."""
    rows = [
        ("office_problems", [1, 101], "return_comment"),
        ("office_problems", [2, 102], "title"),
        ("leadership", [3, 103], "review_date"),
        ("leadership", [4, 104], "deadline"),
        ("progress_report", [5, 105], "closure_reason"),
        ("progress_report", [6, 106], "photo"),
    ]
    for name, key, state in rows:
        db.execute(
            "insert into conversation_states values (?, ?, ?)", [name, json.dumps(key), json.dumps(state)]
        )
    schema.m200_closure_review_is_its_own_conversation(db)
    schema.m201_explanation_is_its_own_conversation(db)
    schema.m202_closure_request_is_its_own_conversation(db)
    saved = {
        json.loads(r[1])[0]: (r[0], json.loads(r[2]))
        for r in db.execute("select name, key, state from conversation_states")
    }
    assert saved == {
        1: ("closure_review", "return_comment"),
        2: ("office_problems", "title"),
        3: ("explanation", "review_date"),
        4: ("leadership", "deadline"),
        5: ("closure_request", "closure_reason"),
        6: ("progress_report", "photo"),
    }
    for name, state in saved.values():
        assert state in conversations.CONVERSATIONS[name], (name, state)


async def test_a_state_a_conversation_no_longer_has_ends_it_and_the_person_is_told(db, invited):
    person = db.execute("select id from people where name = '李娜'").fetchone()[0]
    db.execute("update people set telegram_user_id = 102, chat_id = 102 where id = ?", [person])
    db.execute("insert into conversation_states values ('leadership', '[102, 102]', '\"renamed_step\"')")
    db.execute("insert into conversation_states values ('leadership', '[103, 103]', '\"measures\"')")
    db.conn.commit()
    loaded = await SQLitePersistence(db).get_conversations("leadership")
    assert loaded == {(103, 103): "measures"}
    assert db.execute("select count(*) from conversation_states").fetchone()[0] == 1
    told = db.execute("select text from outbox where person_id = ?", [person]).fetchall()
    assert len(told) == 1 and "重新开始" in told[0][0]


async def test_a_conversation_that_waits_too_long_ends_drops_the_draft_and_says_so(
    server, db_path, client, invited, monkeypatch
):
    monkeypatch.setattr(conversations, "TIMEOUT", timedelta(seconds=1))
    under_test = BotUnderTest(server, db_path)
    await under_test.start()
    try:
        staff = await join(client, invited, 101, "张伟")
        await staff.send("/opinion")
        await staff.press("匿名提交")
        assert 101 in services.of(under_test.app).drafts
        await staff.wait_for("等了太久", timeout=10)
        assert 101 not in services.of(under_test.app).drafts
    finally:
        await under_test.stop()
