"""Deadline reminders and the escalation ladder, worked out from the problem list itself.

Reminders go out at the reminder time on working days. Before the deadline they count working
days (so a reminder never lands in a holiday, and "3 days before" a deadline after the Spring
Festival means three working days); after it, each working day overdue reaches the department,
from the third the leader too, from the seventh the office (defaults).
"""

from __future__ import annotations

import contextlib
import json
import os
import weakref
from collections.abc import Iterator
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


def reminders_on(
    problem: Problem, day: date, days_before: tuple[int, ...], leader_after: int, office_after: int
) -> list[Reminder]:
    """What this problem asks for on this day (nothing on days off)."""
    if problem.status not in WORKING or problem.deadline is None or not is_working_day(day):
        return []
    if day <= problem.deadline:
        before = working_days_between(day, problem.deadline)
        if before in days_before:
            return [Reminder(problem.id, "due", before, (DEPARTMENT, LEADER))]
        return []
    late = working_days_between(problem.deadline, day)
    audience = (
        (DEPARTMENT,)
        + ((LEADER,) if late >= leader_after else ())
        + ((OFFICE,) if late >= office_after else ())
    )
    return [Reminder(problem.id, "overdue", late, audience)]


def caught_up(
    problem: Problem,
    missed: list[date],
    today: date,
    days_before: tuple[int, ...],
    leader_after: int,
    office_after: int,
) -> Reminder | None:
    """After downtime: one reminder for the days missed, with today's figures (还有 1 个工作日,
    已逾期 3 个工作日 as they stand now), not one per day with the days as they were then; None
    when none of those days called for one. Whoever a missed day's reminder was for hears it."""
    called = [
        r for day in missed for r in reminders_on(problem, day, days_before, leader_after, office_after)
    ]
    if not called or problem.deadline is None:
        return None
    if today <= problem.deadline:
        return Reminder(
            problem.id, "due", working_days_between(today, problem.deadline), (DEPARTMENT, LEADER)
        )
    late = working_days_between(problem.deadline, today)
    ladder = (
        (DEPARTMENT,)
        + ((LEADER,) if late >= leader_after else ())
        + ((OFFICE,) if late >= office_after else ())
    )
    audience = tuple(dict.fromkeys(ladder + tuple(a for r in called for a in r.audience)))
    return Reminder(problem.id, "overdue", late, audience)


def catch_up_waits(slots: list[datetime], today: date) -> bool:
    """Slots missed while the bot was down (of a day before today) wait for a working day's
    own slot: back on a Sunday or in 国庆, the catch-up went out then and counted from that day,
    chasing staff on their day off. Waiting, it goes out at the next working day's reminder time
    with that day's figures, and not at all for a problem finished or closed meanwhile."""
    missed = any(slot.date() < today for slot in slots)
    todays_slot = any(slot.date() == today for slot in slots)
    return missed and not (todays_slot and is_working_day(today))


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


SWEEP_FILE_SUFFIX = ".sweep"
WHOLE = ""  # the sweeper as a whole, beside each task's own mark


def _sweep_file(db: sqlite_utils.Database) -> Path | None:
    """The sweeper's clocks live in a small file beside the database, not in it: a commit every
    minute in the WAL would date every other commit around it (anonymous batches included)."""
    if db in _files:
        return _files[db]
    row = next((r for r in db.execute("pragma database_list") if r[1] == "main"), None)
    found = _files[db] = Path(row[2] + SWEEP_FILE_SUFFIX) if row and row[2] else None
    return found


_files: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # a connection's file stays its file


def _marks(db: sqlite_utils.Database) -> dict[str, str]:
    """Every mark: task -> ISO moment up to which it has done its work. The file once held one
    moment (the sweeper as a whole); the database held it before that. The file is read again
    only when it changed on disk (a city's sweeper asks every institution ten times a minute)."""
    path = _sweep_file(db)
    if path is not None:
        known = _known.get(path)
        if known is not None and (path in _passing or known.stamp == _stamp(path)):
            return dict(known.marks)
    found = _read_marks(db, path)
    if path is not None and path.exists():
        _known[path] = _Known(_stamp(path), found, dict(found))
    return found


def _read_marks(db: sqlite_utils.Database, path: Path | None) -> dict[str, str]:
    if path is not None and path.exists():
        raw = path.read_text().strip()
        try:
            found = (
                json.loads(raw) if raw.startswith("{") else {WHOLE: datetime.fromisoformat(raw).isoformat()}
            )
            if isinstance(found, dict):
                return {str(k): str(v) for k, v in found.items()}
        except ValueError:
            pass  # a torn or foreign file: catch up from the database's rows, or a minute back
    rows = db.execute(
        "select name, value from job_state where name = 'reminders.last_sweep' "
        "or name like 'sweeper.%.last_sweep'"
    )
    return {_task_of(name): value for name, value in rows}


# An ordinary minute's marks are kept in memory and written at most every MARKS_WRITTEN_EVERY
# (writing the file is most of an idle pass: with 50 institutions, 500 writes a minute). Work
# that queued something, or covered a reminder slot, is written at once. After a crash the
# sweeper then covers again at most that much of ordinary minutes, and what it queues is
# deduplicated (a meeting's reminder has its key), as for a crash between a task's commit and
# its mark.
MARKS_WRITTEN_EVERY = timedelta(minutes=10)


@dataclass
class _Known:
    stamp: tuple  # the file on disk when last read or written (inode, time, size)
    marks: dict[str, str]  # the marks, some perhaps not written yet
    written: dict[str, str]  # what the file holds


_known: dict[Path, _Known] = {}
_passing: set[Path] = set()  # files whose sweeper pass is under way: looked at on disk once


@contextlib.contextmanager
def one_pass(db: sqlite_utils.Database) -> Iterator[None]:
    """A sweeper pass: the file is looked at on disk when the pass starts and trusted in memory
    until it ends (ten tasks ask for their marks twice each)."""
    path = _sweep_file(db)
    _marks(db)
    if path is None or path in _passing:
        yield
        return
    _passing.add(path)
    try:
        yield
    finally:
        _passing.discard(path)


def _stamp(path: Path) -> tuple:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return ()
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def _task_of(mark_name: str) -> str:
    if mark_name == "reminders.last_sweep":
        return WHOLE
    return mark_name.removeprefix("sweeper.").removesuffix(".last_sweep")


def last_sweep(db: sqlite_utils.Database, task: str | None = None) -> datetime | None:
    """When the task (or, without one, the sweeper as a whole) last finished its work."""
    value = _marks(db).get(task or WHOLE)
    return datetime.fromisoformat(value) if value else None


def adopt_marks(db: sqlite_utils.Database, tasks) -> None:
    """A task without a mark of its own (new, or the first pass after the deploy that split
    the sweeper's mark by task) starts where the sweeper as a whole had got to, so that a
    deploy neither repeats nor skips a slot."""
    marks = _marks(db)
    if WHOLE not in marks or all(task in marks for task in tasks):
        return
    _write_marks(db, {**{task: marks[WHOLE] for task in tasks}, **marks})


def record_sweep(
    db: sqlite_utils.Database, moment: datetime, task: str | None = None, *, lasting: bool = True
) -> None:
    """The task (or the sweeper as a whole) has done its work up to `moment`. Not `lasting`
    (an ordinary minute that queued nothing): kept in memory, and written only once the file's
    marks are MARKS_WRITTEN_EVERY old."""
    marks = {**_marks(db), task or WHOLE: moment.isoformat()}
    path = _sweep_file(db)
    known = _known.get(path) if path is not None else None
    if (
        not lasting
        and path is not None
        and known is not None
        and (path in _passing or known.stamp == _stamp(path))
    ):
        written = known.written.get(task or WHOLE)
        if written and moment - datetime.fromisoformat(written) < MARKS_WRITTEN_EVERY:
            known.marks = marks
            return
    _write_marks(db, marks)


def _write_marks(db: sqlite_utils.Database, marks: dict[str, str]) -> None:
    path = _sweep_file(db)
    if path is None:  # an in-memory database (tests): the table will do
        with db.atomic():
            for task, value in marks.items():
                name = f"sweeper.{task}.last_sweep" if task else "reminders.last_sweep"
                db.table("job_state").upsert({"name": name, "value": value}, pk="name")
        return
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(marks, sort_keys=True))
    partial.replace(path)  # whole or not at all
    _known[path] = _Known(_stamp(path), dict(marks), dict(marks))
    if db.execute(
        "select 1 from job_state where name = 'reminders.last_sweep' or name like 'sweeper.%.last_sweep'"
    ).fetchone():
        with db.atomic():  # the clocks of a database from before the file
            db.execute(
                "delete from job_state where name = 'reminders.last_sweep' "
                "or name like 'sweeper.%.last_sweep'"
            )
