"""The outbox: every message the bot sends on its own is first a row, then sent by the
delivery job and marked sent. A crash between sending and marking repeats at most that one
message; nothing queued is lost.

Never queue anything that ties an anonymous opinion to a person: a row names its recipient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from storage.clock import clock, iso


@dataclass(frozen=True)
class Outgoing:
    id: int
    person_id: int
    text: str
    buttons: list[list[tuple[str, str]]]
    attempts: int
    grouping: str | None = None
    photo: bytes | None = None  # sent as a photo with `text` as its caption
    edit_of: int | None = None  # not a new message: the text replaces that row's message


def in_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> bool:
    local = moment.astimezone(zone).time()
    start, end = quiet
    return (start <= local or local < end) if start > end else (start <= local < end)


def after_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, zone, quiet):
        return moment
    local = moment.astimezone(zone)
    end = datetime.combine(local.date(), quiet[1], tzinfo=zone)
    return end if end > local else end + timedelta(days=1)


def queue(
    db: sqlite_utils.Database,
    person_id: int,
    text: str,
    *,
    buttons: list[list[tuple[str, str]]] | None = None,
    dedup_key: str | None = None,
    due_at: datetime | None = None,
    grouping: str | None = None,
    photo: bytes | None = None,
) -> bool:
    """Add a message; False when one with the same dedup_key was queued before. Messages for
    one person with the same grouping that are due together go out as one (never photos)."""
    row = [
        person_id,
        text,
        json.dumps(buttons, ensure_ascii=False) if buttons else None,
        dedup_key,
        iso(due_at or clock.now()),
        None if photo else grouping,
        photo,
    ]
    sql = (
        "insert or ignore into outbox (person_id, text, buttons, dedup_key, due_at, grouping, photo) "
        "values (?, ?, ?, ?, ?, ?, ?)"
    )
    if db.conn.in_transaction:  # one statement is atomic; a savepoint per row costs the sweeper
        return db.execute(sql, row).rowcount == 1
    with db.atomic():
        return db.execute(sql, row).rowcount == 1


def due(db: sqlite_utils.Database, limit: int = 200) -> list[Outgoing]:
    rows = db.query(
        "select * from outbox where sent_at is null and failed_at is null and due_at <= ? "
        "order by due_at, id limit ?",
        [iso(clock.now()), limit],
    )
    return [
        Outgoing(
            r["id"],
            r["person_id"],
            r["text"],
            [[tuple(b) for b in row] for row in json.loads(r["buttons"])] if r["buttons"] else [],
            r["attempts"],
            r["grouping"],
            r["photo"],
            r["edit_of"],
        )
        for r in rows
    ]


def _each(ids: int | list[int]) -> list[int]:
    return ids if isinstance(ids, list) else [ids]


def mark_sent(db: sqlite_utils.Database, ids: int | list[int]) -> None:
    now = iso(clock.now())
    with db.atomic():
        for outgoing_id in _each(ids):
            db.execute("update outbox set sent_at = ? where id = ?", [now, outgoing_id])


# ---- edits: a sent notice that has become wrong is changed in the person's chat -------------


@dataclass(frozen=True)
class Queued:
    """A row queued under a dedup key: whom it is for and whether it is out yet."""

    id: int
    person_id: int
    sent: bool


def queued_under(db: sqlite_utils.Database, dedup_prefix: str) -> list[Queued]:
    """The rows whose dedup key starts with the prefix (a range of the key's unique index)."""
    rows = db.execute(
        "select id, person_id, sent_at is not null from outbox where dedup_key >= ? and dedup_key < ? "
        "and edit_of is null order by id",
        [dedup_prefix, dedup_prefix[:-1] + chr(ord(dedup_prefix[-1]) + 1)],
    )
    return [Queued(r[0], r[1], bool(r[2])) for r in rows]


def queue_edit(db: sqlite_utils.Database, original_id: int, text: str, dedup_key: str) -> bool:
    """The message row `original_id` became is to read `text`, without buttons. Not sent yet:
    the row itself is rewritten (it goes out saying so); and an edit row is queued either way,
    since a row delivery has already picked goes out as it was read (the edit finds it sent).
    False when an edit with this dedup_key was queued before."""
    with db.atomic():
        db.execute(
            "update outbox set text = ?, buttons = null "
            "where id = ? and sent_at is null and failed_at is null",
            [text, original_id],
        )
        return (
            db.execute(
                "insert or ignore into outbox (person_id, text, dedup_key, due_at, edit_of) "
                "select person_id, ?, ?, ?, id from outbox where id = ?",
                [text, dedup_key, iso(clock.now()), original_id],
            ).rowcount
            == 1
        )


@dataclass(frozen=True)
class Original:
    """What an edit changes: whether the row was sent as a photo, is still waiting, or never
    arrived (which message it became, delivery keeps in memory)."""

    photo: bool
    waiting: bool
    failed: bool


def original(db: sqlite_utils.Database, outgoing_id: int) -> Original | None:
    row = db.execute(
        "select photo is not null, sent_at is null and failed_at is null, failed_at is not null "
        "from outbox where id = ?",
        [outgoing_id],
    ).fetchone()
    return Original(bool(row[0]), bool(row[1]), bool(row[2])) if row else None


def postpone(db: sqlite_utils.Database, ids: int | list[int], delay: timedelta, error: str) -> None:
    with db.atomic():
        for outgoing_id in _each(ids):
            db.execute(
                "update outbox set due_at = ?, attempts = attempts + 1, last_error = ? where id = ?",
                [iso(clock.now() + delay), error, outgoing_id],
            )


def give_up(db: sqlite_utils.Database, ids: int | list[int], error: str) -> None:
    with db.atomic():
        for outgoing_id in _each(ids):
            db.execute(
                "update outbox set failed_at = ?, last_error = ? where id = ?",
                [iso(clock.now()), error, outgoing_id],
            )


def give_up_unjoined(db: sqlite_utils.Database) -> int:
    """What waits for people who have no chat with the bot yet cannot be sent: give it up as
    unreachable (what delivery would do on its next pass) and say how many."""
    with db.atomic():
        return db.execute(
            "update outbox set failed_at = ?, last_error = 'unreachable' where sent_at is null and "
            "failed_at is null and person_id in (select id from people where chat_id is null)",
            [iso(clock.now())],
        ).rowcount


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from outbox where sent_at is null and failed_at is null").fetchone()[0]


def tally(db: sqlite_utils.Database, dedup_prefix: str) -> tuple[int, int, int]:
    """(arrived, failed, still waiting) of the messages whose dedup key starts with the prefix:
    how a broadcast tells the office how many people it actually reached."""
    row = db.execute(
        "select count(sent_at), count(failed_at), "
        "sum(case when sent_at is null and failed_at is null then 1 else 0 end) "
        "from outbox where dedup_key like ? escape '\\'",
        [dedup_prefix.replace("%", "\\%").replace("_", "\\_") + "%"],
    ).fetchone()
    return row[0], row[1], row[2] or 0


# ---- the report of a broadcast: how many copies arrived, once none is still waiting ----------


@dataclass(frozen=True)
class Report:
    prefix: str
    person_id: int
    key: str
    dedup_key: str
    fields: dict


def await_report(
    db: sqlite_utils.Database, prefix: str, person_id: int, key: str, dedup_key: str, **fields
) -> None:
    """Tell `person_id` (with catalog `key`, `fields` and the counts) how many of the messages
    whose dedup key starts with `prefix` arrived, once none is still waiting. Kept as a row, so
    that a restart in between loses nothing."""
    with db.atomic():
        db.execute(
            "insert or ignore into broadcast_reports values (?, ?, ?, ?, ?)",
            [prefix, person_id, key, dedup_key, json.dumps(fields, ensure_ascii=False)],
        )


def awaited_reports(db: sqlite_utils.Database) -> list[Report]:
    return [
        Report(r["prefix"], r["person_id"], r["key"], r["dedup_key"], json.loads(r["fields"]))
        for r in db.query("select * from broadcast_reports order by rowid")
    ]


def report_done(db: sqlite_utils.Database, prefix: str) -> None:
    with db.atomic():
        db.execute("delete from broadcast_reports where prefix = ?", [prefix])


# ---- notices to receipt holders, through their sealed link -----------------------------------


@dataclass(frozen=True)
class Sealed:
    id: int
    opinion_id: str
    text: str


def queue_sealed(db: sqlite_utils.Database, opinion_id: str, text: str, dedup_key: str) -> bool:
    """A notice for whoever holds this opinion's receipt and asked to be told: the row names the
    opinion, never a person, and carries no time; delivery opens the sealed link to send it.
    False when one with this dedup_key was queued before."""
    with db.atomic():
        return (
            db.execute(
                "insert or ignore into sealed_outbox (opinion_id, text, dedup_key) values (?, ?, ?)",
                [opinion_id, text, dedup_key],
            ).rowcount
            == 1
        )


def sealed_due(db: sqlite_utils.Database, limit: int = 200) -> list[Sealed]:
    return [
        Sealed(r[0], r[1], r[2])
        for r in db.execute(
            "select id, opinion_id, text from sealed_outbox where done = 0 order by id limit ?", [limit]
        )
    ]


def sealed_done(db: sqlite_utils.Database, sealed_id: int) -> None:
    """Sent, or nobody to send it to (no link, or it failed): the same mark either way, so the
    table does not tell who had asked to be told."""
    with db.atomic():
        db.execute("update sealed_outbox set done = 1 where id = ?", [sealed_id])
