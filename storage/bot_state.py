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


def save(db: sqlite_utils.Database, kind: str, ident: object, data: object) -> None:
    with db.atomic():
        if data in (None, {}):
            drop(db, kind, ident)
            return
        db.table("bot_state").upsert(
            {"kind": kind, "id": str(ident), "data": json.dumps(data, ensure_ascii=False)},
            pk=("kind", "id"),
        )


def drop(db: sqlite_utils.Database, kind: str, ident: object) -> None:
    db.execute("delete from bot_state where kind = ? and id = ?", [kind, str(ident)])
