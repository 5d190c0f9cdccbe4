"""What the health endpoint asks of the database: counts of the outbox by state, how long its
oldest due message has waited, the deadline reminders of the latest slots. Counts only: no
row here names a person or carries a message's text.

The endpoint reads through its own read-only connection (see `reader`), in a worker thread,
so a scrape never waits on the bot's event loop nor holds a write lock."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REMINDER_SLOTS = 7  # the latest reminder slots shown (one a working day)


@dataclass(frozen=True)
class OutboxCounts:
    queued: int  # not yet sent, not given up (due now or later)
    due: int  # of those, due now
    sent: int
    failed: int  # given up (blocked, unreachable, refused)
    oldest_due_at: datetime | None  # when the oldest message due now fell due


def reader(database_path: Path, timeout: float = 2.0) -> sqlite3.Connection:
    """A read-only connection: it cannot change the database and fails rather than wait long."""
    connection = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True, timeout=timeout)
    connection.execute(f"pragma busy_timeout = {int(timeout * 1000)}")
    return connection


def answers(connection: sqlite3.Connection) -> None:
    """Raises sqlite3.Error unless the database answers a question about its own tables."""
    connection.execute("select count(*) from sqlite_master").fetchone()
    connection.execute("select 1 from outbox limit 1").fetchall()


def outbox_counts(connection: sqlite3.Connection, now: str) -> OutboxCounts:
    # Each count is a range of the outbox_due index (sent_at, failed_at, due_at).
    queued, due, oldest = connection.execute(
        "select count(*), sum(due_at <= ?), min(case when due_at <= ? then due_at end) from outbox "
        "where sent_at is null and failed_at is null",
        [now, now],
    ).fetchone()
    sent = connection.execute("select count(*) from outbox where sent_at is not null").fetchone()[0]
    failed = connection.execute(
        "select count(*) from outbox where sent_at is null and failed_at is not null"
    ).fetchone()[0]
    return OutboxCounts(queued, due or 0, sent, failed, datetime.fromisoformat(oldest) if oldest else None)


def reminders_by_slot(
    connection: sqlite3.Connection, slots: int = REMINDER_SLOTS
) -> dict[str, dict[str, int]]:
    """Deadline reminders of the latest slots: slot (as queued, ISO) -> queued / sent / failed.
    Their dedup keys start with 'reminder:', a range of the unique index on dedup_key."""
    rows = connection.execute(
        "select grouping, sum(sent_at is null and failed_at is null), sum(sent_at is not null), "
        "sum(sent_at is null and failed_at is not null) from outbox "
        "where dedup_key >= 'reminder:' and dedup_key < 'reminder;' and grouping like 'reminders:%' "
        "group by grouping order by grouping desc limit ?",
        [slots],
    ).fetchall()
    return {
        grouping.removeprefix("reminders:"): {"queued": queued, "sent": sent, "failed": failed}
        for grouping, queued, sent, failed in rows
    }
