"""Conversation states and people's data are written a round at a time: what the framework hands
over in one persistence round goes in one transaction (one commit, and so one fsync on the
event loop, not one per update), and what the database already holds is not written again."""

from __future__ import annotations

import asyncio

from handlers.persistence import SQLitePersistence


async def _loaded(db) -> SQLitePersistence:
    persistence = SQLitePersistence(db)
    await persistence.get_user_data()
    await persistence.get_chat_data()
    await persistence.get_conversations("opinion")
    return persistence


def _commits(statements: list[str]) -> int:
    return sum(s.strip().upper().startswith("COMMIT") for s in statements)


async def test_a_rounds_changes_go_in_one_transaction_and_what_is_held_is_not_written_again(db):
    persistence = await _loaded(db)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    await asyncio.gather(  # a round, as python-telegram-bot hands it over
        persistence.update_conversation("opinion", (101, 101), "writing"),
        persistence.update_conversation("opinion", (102, 102), "reviewing"),
        persistence.update_user_data(101, {"listing": {"page": 2}, "名": "张伟"}),
        persistence.update_chat_data(101, {}),
        persistence.drop_user_data(103),
    )
    await asyncio.sleep(0)
    assert _commits(statements) == 1

    again = await _loaded(db)  # as after a restart
    assert await again.get_conversations("opinion") == {(101, 101): "writing", (102, 102): "reviewing"}
    assert await again.get_user_data() == {101: {"listing": {"page": 2}, "名": "张伟"}}

    statements.clear()
    await asyncio.gather(
        persistence.update_conversation("opinion", (101, 101), "writing"),
        persistence.update_user_data(101, {"listing": {"page": 2}, "名": "张伟"}),
        persistence.update_user_data(104, {}),
        persistence.update_chat_data(104, {}),
    )
    await asyncio.sleep(0)
    assert statements == []  # nothing changed: not even a transaction

    await persistence.update_conversation("opinion", (102, 102), None)  # the conversation ended
    await persistence.update_user_data(101, {})
    await persistence.flush()  # at stop, at once
    assert await (await _loaded(db)).get_conversations("opinion") == {(101, 101): "writing"}
    assert await (await _loaded(db)).get_user_data() == {}
    db.conn.set_trace_callback(None)
