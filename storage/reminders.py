"""Deadline reminders and the escalation ladder, worked out from the problem list itself.

Reminders go out at the reminder time on working days. Before the deadline they count working
days (so a reminder never lands in a holiday, and "3 days before" a deadline after the Spring
Festival means three working days); after it, each working day overdue reaches the department,
from the third the leader too, from the seventh the office (defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
    slots: list[datetime] = []
    day = after.astimezone(zone).date()
    while True:
        slot = datetime.combine(day, at, tzinfo=zone)
        if slot > until:
            return slots
        if slot > after:
            slots.append(slot)
        day += timedelta(days=1)


def _mark(task: str | None) -> str:
    """Each sweeper task keeps its own progress; the pass as a whole keeps the old name."""
    return f"sweeper.{task}.last_sweep" if task else "reminders.last_sweep"


def last_sweep(db: sqlite_utils.Database, task: str | None = None) -> datetime | None:
    """When the task (or, without one, the sweeper as a whole) last finished its work."""
    row = db.execute("select value from job_state where name = ?", [_mark(task)]).fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def adopt_marks(db: sqlite_utils.Database, tasks) -> None:
    """A task without a mark of its own (new, or the first pass after the deploy that split
    the sweeper's mark by task) starts where the sweeper as a whole had got to, so that a
    deploy neither repeats nor skips a slot."""
    whole = last_sweep(db)
    if whole is None:
        return
    with db.atomic():
        for task in tasks:
            db.execute("insert or ignore into job_state (name, value) values (?, ?)",
                       [_mark(task), whole.isoformat()])


def record_sweep(db: sqlite_utils.Database, moment: datetime, task: str | None = None) -> None:
    with db.atomic():
        db.table("job_state").upsert({"name": _mark(task), "value": moment.isoformat()}, pk="name")
