"""The public ledger's pages (/ledger) in the order that needs attention first: late, then due
soon, then the rest of the open ones (those without a deadline first: they wait for a leader's
接单 or 下单), then the finished (closed or explained). In deadline order the closed led the
first pages and what was late was buried under them.

A problem changes group as it is closed, reopened, extended or published, and the day it is
read on moves the line between late and due soon. So a page continues a ledger *as it stood
when it was opened*: the next-page button carries the day of the first page and the last row
of table problem_moves at that moment (m440: a row per change of what this order reads, with
the values before it). Each problem is placed by its values at that moment: none is shown
twice and none is skipped, whatever changed between two pages. Problems listed since are left
for the next opening of the ledger.

Each group is read along the index problems_ledger_attention (m440), after where the last page
ended, so a page deep in the ledger costs what the first does; the few problems that moved
since the ledger was opened are read from their move rows and merged in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from storage import problems
from storage.problems import Problem

KEPT_MOVES = 10_000  # the trigger of m440 keeps this many move rows
# A page reads the moves since its ledger was opened: after more than this many (a bulk import
# between two pages), the ledger starts again rather than read them all on the event loop.
MOVES_FOLLOWED = 5_000
LATE, DUE_SOON, UNDATED, LATER, FINISHED = range(5)
_FINISHED = "pr.status in ('closed', 'explained')"  # the expression indexed by m440
_GROUPS = {  # the group: (finished, the deadline's range)
    LATE: (0, "pr.deadline < :today"),
    DUE_SOON: (0, "pr.deadline >= :today and pr.deadline <= :soon"),
    UNDATED: (0, "pr.deadline is null"),
    LATER: (0, "pr.deadline > :soon"),
    FINISHED: (1, "1"),
}


@dataclass(frozen=True)
class Cursor:
    """A ledger as opened (the last move row then, the day) and where its last page ended."""

    moves: int
    day: date
    group: int = LATE
    deadline: date | None = None
    id: int = 0

    def token(self) -> str:
        """For a button's data: 1234.20261201.0.20261127.57 (at most 45 characters)."""
        deadline = self.deadline.strftime("%Y%m%d") if self.deadline else "-"
        return f"{self.moves}.{self.day.strftime('%Y%m%d')}.{self.group}.{deadline}.{self.id}"

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        try:
            moves, day, group, deadline, number = token.split(".")
            return cls(
                int(moves),
                _compact_day(day),
                int(group) if 0 <= int(group) <= FINISHED else -1,
                None if deadline == "-" else _compact_day(deadline),
                int(number),
            )
        except ValueError:
            return None


def _compact_day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


@dataclass(frozen=True)
class LedgerPage:
    problems: list[Problem]
    after: Cursor | None  # where the next page starts; None when this is the last


def opened(db: sqlite_utils.Database, today: date) -> Cursor:
    """The ledger as it stands now, before its first row."""
    return Cursor(_last_move(db), today)


def still_exact(db: sqlite_utils.Database, cursor: Cursor) -> bool:
    """Are the moves since the ledger was opened few enough to follow (else it starts again)?"""
    return cursor.group >= 0 and 0 <= _last_move(db) - cursor.moves <= min(MOVES_FOLLOWED, KEPT_MOVES)


def page(db: sqlite_utils.Database, cursor: Cursor, limit: int, amber_days: int) -> LedgerPage:
    """The public problems after `cursor`, at most `limit`, each placed as it stood when the
    ledger was opened."""
    values = {"today": cursor.day.isoformat(), "soon": (cursor.day + timedelta(days=amber_days)).isoformat()}
    moved = _moved_since(db, cursor.moves)
    found = _unmoved(db, cursor, limit + 1, values) + [
        key
        for problem_id, (finished, deadline) in moved.items()
        if (key := _key(finished, deadline, problem_id, cursor.day, amber_days)) > _position(cursor)
    ]
    found.sort()
    shown = found[:limit]
    read = [problems.get(db, problem_id) for _, _, problem_id in shown]
    last = shown[-1] if len(found) > limit else None
    after = Cursor(cursor.moves, cursor.day, last[0], _dated(last[1]), last[2]) if last else None
    return LedgerPage([p for p in read if p is not None], after)


Key = tuple[int, date, int]  # the group, the deadline (date.min: none), the number


def _position(cursor: Cursor) -> Key:
    return (cursor.group, cursor.deadline or date.min, cursor.id)


def _dated(deadline: date) -> date | None:
    return None if deadline == date.min else deadline


def _key(finished: bool, deadline: date | None, problem_id: int, day: date, amber_days: int) -> Key:
    """Where a problem stands in the ledger (no deadline sorts first, as in SQLite)."""
    if finished:
        group = FINISHED
    elif deadline is None:
        group = UNDATED
    elif deadline < day:
        group = LATE
    elif deadline <= day + timedelta(days=amber_days):
        group = DUE_SOON
    else:
        group = LATER
    return (group, deadline or date.min, problem_id)


def _unmoved(db: sqlite_utils.Database, cursor: Cursor, limit: int, values: dict) -> list[Key]:
    """Up to `limit` problems that have not moved since the ledger was opened, in order after
    the cursor, group by group along the index."""
    found: list[Key] = []
    for group in range(cursor.group, FINISHED + 1):
        finished, deadline_range = _GROUPS[group]
        clause = f"pr.public = 1 and ({_FINISHED}) = {finished} and {deadline_range}"
        params: dict[str, object] = {**values, "moves": cursor.moves, "limit": limit - len(found)}
        if group == cursor.group and cursor.id:  # after the last row shown, seeking the index
            clause += f" and {_after(cursor)}"
            params.update(deadline=cursor.deadline.isoformat() if cursor.deadline else None, id=cursor.id)
        rows = db.execute(
            f"select pr.deadline, pr.id from problems pr indexed by problems_ledger_attention "
            f"where {clause} and not exists (select 1 from problem_moves m "
            f"where m.problem_id = pr.id and m.seq > :moves) order by pr.deadline, pr.id limit :limit",
            params,
        ).fetchall()
        found += [(group, date.fromisoformat(d) if d else date.min, i) for d, i in rows]
        if len(found) >= limit:
            break
    return found


def _after(cursor: Cursor) -> str:
    """After the cursor's row in its group (SQLite sorts no deadline first)."""
    if cursor.deadline is not None:
        return "(pr.deadline, pr.id) > (:deadline, :id)"
    return "(pr.deadline is not null or pr.id > :id)"


def _moved_since(db: sqlite_utils.Database, moves: int) -> dict[int, tuple[bool, date | None]]:
    """The problems that moved since move `moves`, as they stood then (the values before their
    first move since), public then and already listed; the rest are not in that ledger."""
    stood: dict[int, tuple[bool, date | None]] = {}
    first: set[int] = set()
    for problem_id, existed, finished, deadline, public in db.execute(
        "select problem_id, existed, finished, deadline, public from problem_moves "
        "where seq > ? order by seq",
        [moves],
    ):
        if problem_id in first:
            continue
        first.add(problem_id)
        if existed and public:
            stood[problem_id] = (bool(finished), date.fromisoformat(deadline) if deadline else None)
    return stood


def _last_move(db: sqlite_utils.Database) -> int:
    return db.execute("select coalesce(max(seq), 0) from problem_moves").fetchone()[0]
