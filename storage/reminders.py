"""Deadline reminders and the escalation ladder, worked out from the problem list itself.

Reminders go out at the reminder time on working days. Before the deadline they count working
days (so a reminder never lands in a holiday, and "3 days before" a deadline after the Spring
Festival means three working days); after it, each working day overdue reaches the department,
from the third the leader too, from the seventh the office (defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from storage.dates import is_working_day
from storage.problems import WORKING, Problem

DEPARTMENT, LEADER, OFFICE = "department", "leader", "office"


@dataclass(frozen=True)
class Reminder:
    problem_id: int
    kind: str  # "due" or "overdue"
    days: int  # working days before the deadline, or working days overdue
    audience: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.days}"


def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def reminders_on(problem: Problem, day: date, days_before: tuple[int, ...], leader_after: int,
                 office_after: int) -> list[Reminder]:
    """What this problem asks for on this day (nothing on days off)."""
    if problem.status not in WORKING or problem.deadline is None or not is_working_day(day):
        return []
    if day <= problem.deadline:
        before = working_days_between(day, problem.deadline)
        if before in days_before:
            return [Reminder(problem.id, "due", before, (DEPARTMENT, LEADER))]
        return []
    late = working_days_between(problem.deadline, day)
    audience = (DEPARTMENT,) + ((LEADER,) if late >= leader_after else ()) + \
        ((OFFICE,) if late >= office_after else ())
    return [Reminder(problem.id, "overdue", late, audience)]


def slots_between(after: datetime, until: datetime, at: time, zone: ZoneInfo) -> list[datetime]:
    """The reminder times (aware) in (after, until]: one per local day."""
    slots = []
    day = after.astimezone(zone).date()
    while True:
        slot = datetime.combine(day, at, tzinfo=zone)
        if slot > until:
            return slots
        if slot > after:
            slots.append(slot)
        day += timedelta(days=1)


SWEEP_FILE_SUFFIX = ".sweep"


def _sweep_file(db: sqlite_utils.Database) -> Path | None:
    """The sweeper's clock lives in a small file beside the database, not in it: a commit every
    minute in the WAL would date every other commit around it (anonymous batches included)."""
    row = next((r for r in db.execute("pragma database_list") if r[1] == "main"), None)
    return Path(row[2] + SWEEP_FILE_SUFFIX) if row and row[2] else None


def last_sweep(db: sqlite_utils.Database) -> datetime | None:
    path = _sweep_file(db)
    if path is not None and path.exists():
        try:
            return datetime.fromisoformat(path.read_text().strip())
        except ValueError:
            pass  # a torn or foreign file: catch up from the database's row, or a minute back
    row = db.execute("select value from job_state where name = 'reminders.last_sweep'").fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def record_sweep(db: sqlite_utils.Database, moment: datetime) -> None:
    path = _sweep_file(db)
    if path is None:  # an in-memory database (tests): the table will do
        with db.atomic():
            db["job_state"].upsert({"name": "reminders.last_sweep", "value": moment.isoformat()},
                                   pk="name")
        return
    partial = path.with_name(path.name + ".partial")
    partial.write_text(moment.isoformat())
    partial.replace(path)  # whole or not at all
    if db.execute("select 1 from job_state where name = 'reminders.last_sweep'").fetchone():
        with db.atomic():  # the clock of a database from before the file
            db.execute("delete from job_state where name = 'reminders.last_sweep'")
