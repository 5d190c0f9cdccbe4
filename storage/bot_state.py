"""What the bot framework persists between restarts: conversation states and the
user / chat / bot data dictionaries, as JSON rows in the same database."""

from __future__ import annotations

import json

import sqlite_utils

USER, CHAT, BOT, CALLBACK = "user", "chat", "bot", "callback"


def load_conversations(db: sqlite_utils.Database, name: str) -> dict[tuple, object]:
    rows = db.query("select key, state from conversation_states where name = ?", [name])
    return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}


def save_conversation(db: sqlite_utils.Database, name: str, key: tuple, state: object) -> None:
    with db.atomic():
        if state is None:
            db.execute(
                "delete from conversation_states where name = ? and key = ?",
                [name, json.dumps(list(key))],
            )
        else:
            db.table("conversation_states").upsert(
                {"name": name, "key": json.dumps(list(key)), "state": json.dumps(state)},
                pk=("name", "key"),
            )


def load(db: sqlite_utils.Database, kind: str) -> dict[str, object]:
    rows = db.query("select id, data from bot_state where kind = ?", [kind])
    return {r["id"]: json.loads(r["data"]) for r in rows}


# ---- many changes at once ------------------------------------------------------------------
# The framework hands over every changed state and dictionary once a second. Written one by one,
# each in its own transaction, every update cost a commit, and so an fsync on the event loop
# (about 6 ms each on the development container): the loop did nothing else meanwhile. These
# write a second's worth in one transaction. Rows are (table key, JSON or None to delete).

Change = tuple[tuple[str, str], str | None]


def conversation_change(name: str, key: tuple, state: object) -> Change:
    return (name, json.dumps(list(key))), None if state is None else json.dumps(state)


def data_change(kind: str, ident: object, data: object) -> Change:
    return (kind, str(ident)), None if data in (None, {}) else json.dumps(data, ensure_ascii=False)


def write_changes(
    db: sqlite_utils.Database,
    conversations: dict[tuple[str, str], str | None],
    data: dict[tuple[str, str], str | None],
) -> None:
    with db.atomic():
        for (name, key), state in conversations.items():
            if state is None:
                db.execute("delete from conversation_states where name = ? and key = ?", [name, key])
            else:
                db.execute(
                    "insert into conversation_states (name, key, state) values (?, ?, ?) "
                    "on conflict (name, key) do update set state = excluded.state",
                    [name, key, state],
                )
        for (kind, ident), value in data.items():
            if value is None:
                db.execute("delete from bot_state where kind = ? and id = ?", [kind, ident])
            else:
                db.execute(
                    "insert into bot_state (kind, id, data) values (?, ?, ?) "
                    "on conflict (kind, id) do update set data = excluded.data",
                    [kind, ident, value],
                )
