"""The public's box (群众意见箱): the code behind the lobby poster's link, the office's pause,
and the institution's hourly ceiling.

One code per institution's database: whoever opens `t.me/<bot>?start=<code>` without being on
the roster may submit an anonymous opinion as a guest, and do nothing else. The code is made the
first time a poster is printed and stays the same afterwards, so posters already on the walls
keep working. The hourly ceiling counts arrivals in memory only (a count per hour, nobody's
name): it protects the office from a flood, whoever sends it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from storage import audit

PREFIX = "box_"  # apart from invitation codes, which never contain "_"
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12  # 60 random bits: the link is public, the code only tells boxes apart


@dataclass(frozen=True)
class PublicBox:
    code: str
    paused: bool
    created_on: str
    ledger_published: bool = False  # guests may read the public ledger (off until the office says)


def get(db: sqlite_utils.Database) -> PublicBox | None:
    rows = list(db.query("select code, paused, created_on, ledger_published from public_box where id = 1"))
    if not rows:
        return None
    row = rows[0]
    return PublicBox(row["code"], bool(row["paused"]), row["created_on"], bool(row["ledger_published"]))


def ensure(db: sqlite_utils.Database, today: date, actor_id: int | None = None) -> PublicBox:
    """The box, opened with a fresh code the first time it is asked for."""
    with db.atomic():
        box = get(db)
        if box is None:
            code = PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            db.execute(
                "insert into public_box (id, code, paused, created_on) values (1, ?, 0, ?)",
                [code, today.isoformat()],
            )
            audit.record(db, "public_box.open", "public_box", actor_id)
            box = get(db)
    assert box is not None
    return box


def looks_like_public_code(text: str) -> bool:
    return text.startswith(PREFIX) and len(text) == len(PREFIX) + CODE_LENGTH


def is_open(db: sqlite_utils.Database, code: str | None = None) -> bool:
    """Whether guests may submit now (through `code`, when one is given)."""
    box = get(db)
    return box is not None and not box.paused and (code is None or code == box.code)


def set_paused(db: sqlite_utils.Database, paused: bool, actor_id: int | None) -> PublicBox | None:
    with db.atomic():
        if get(db) is None:
            return None
        db.execute("update public_box set paused = ? where id = 1", [int(paused)])
        audit.record(db, "public_box.pause" if paused else "public_box.resume", "public_box", actor_id)
    return get(db)


def ledger_published(db: sqlite_utils.Database) -> bool:
    """Whether guests may read the public ledger now."""
    box = get(db)
    return box is not None and box.ledger_published


def publish_ledger(db: sqlite_utils.Database, published: bool, actor_id: int | None) -> PublicBox | None:
    """Open the public ledger to guests, or close it again; None without a public box."""
    with db.atomic():
        box = get(db)
        if box is None:
            return None
        if box.ledger_published != published:
            db.execute("update public_box set ledger_published = ? where id = 1", [int(published)])
            audit.record(
                db,
                "public_box.ledger_publish" if published else "public_box.ledger_withdraw",
                "public_box",
                actor_id,
            )
    return get(db)


class HourlyCeiling:
    """How many guest opinions the institution takes in one hour. In memory: a count and the
    hour it belongs to, nothing else."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hour: object = None
        self._count = 0
        self._announced = False

    def _roll(self, hour: object) -> None:
        if hour != self._hour:
            self._hour, self._count, self._announced = hour, 0, False

    def allows(self, hour: object) -> bool:
        self._roll(hour)
        return self._count < self.limit

    def count(self, hour: object) -> bool:
        """Count one arrival; True exactly once per hour, when this one reaches the ceiling
        (the moment to tell the office)."""
        self._roll(hour)
        self._count += 1
        if self._count >= self.limit and not self._announced:
            self._announced = True
            return True
        return False
