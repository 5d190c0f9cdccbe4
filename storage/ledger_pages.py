"""The public ledger's pages (/ledger) in the order of the light each card shows: 🔴 first
(late, oldest deadline first; then listed and claimed by no leader for 5 working days, oldest
first), then 🟡 whatever the reason (due soon, by deadline; then stalled: no progress for 14
days, claimed and not dispatched, listed and unclaimed for 2 working days, reopened; the longest
still first), then 🟢 (those without a deadline first: they wait for a leader's 接单 or 下单; then
by deadline), then the finished (closed or explained). In deadline order the closed led the
first pages and what was late was buried under them; ordered by deadline alone, a problem amber
because nothing had moved for weeks stood among the green by its far deadline.

A problem changes place as it is closed, reopened, extended, published or reported on, and the
day it is read on moves the lines between the lights. So a page continues a ledger *as it stood
when it was opened*: the next-page button carries the day of the first page and the last row
of table problem_moves at that moment (m440, m460: a row per change of what this order reads,
with the values before it). Each problem is placed by its values at that moment: none is shown
twice and none is skipped, whatever changed between two pages. Problems listed since are left
for the next opening of the ledger.

The groups ordered by deadline are read along the index problems_ledger_attention (m440), the
groups ordered by the day a problem last moved along problems_ledger_attention_by_move (m460, one
read per status: each status has its own line), after where the last page ended, so a page deep
in the ledger costs what the first does; the few problems that moved since the ledger was opened
are read from their move rows and merged in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from storage import problems
from storage.problems import (
    CLAIMED,
    LISTED,
    REOPENED,
    STATES,
    UNCLAIMED_WORKING_DAYS,
    Problem,
    red_before,
    still_before,
)

KEPT_MOVES = 10_000  # the trigger of m440 keeps this many move rows
# A page reads the moves since its ledger was opened: after more than this many (a bulk import
# between two pages), the ledger starts again rather than read them all on the event loop.
MOVES_FOLLOWED = 5_000
LATE, UNCLAIMED, DUE_SOON, STALLED, UNDATED, LATER, FINISHED = range(7)
BY_MOVE = (UNCLAIMED, STALLED)  # ordered by the day the problem last moved, the others by deadline
_FINISHED = "pr.status in ('closed', 'explained')"  # the expression indexed by m440
_MOVED = "substr(coalesce(pr.last_progress_at, pr.created_at), 1, 10)"  # indexed by m460
_OPEN_STATES = tuple(s for s in STATES if s not in (problems.CLOSED, problems.EXPLAINED))
# Red for want of a claim, and amber for want of progress (problems.light's rules, by status):
_UNCLAIMED_RED = f"(pr.status = 'listed' and {_MOVED} < :red)"
_STALLED = (
    f"(pr.status = 'reopened' or pr.status = 'listed' and {_MOVED} < :listed_still "
    f"or pr.status = 'claimed' and {_MOVED} < :claimed_still "
    f"or pr.status not in ('reopened', 'listed', 'claimed') and {_MOVED} < :still)"
)
_GROUPS = {  # the groups read by deadline: (finished, what else places a problem in it); the
    # range of the deadline each holds is Lines.deadline_range's
    LATE: (0, "1"),
    DUE_SOON: (0, f"not {_UNCLAIMED_RED}"),
    UNDATED: (0, f"pr.deadline is null and not {_STALLED} and not {_UNCLAIMED_RED}"),
    LATER: (0, f"not {_STALLED} and not {_UNCLAIMED_RED}"),
    FINISHED: (1, "1"),
}
# The groups read by the day a problem last moved, one status at a time: a range of that day
# each (an OR of the statuses' lines would be read to the end of each status), and its deadline.
_NOT_LATE = "(pr.deadline is null or pr.deadline >= :today)"
_FAR = "(pr.deadline is null or pr.deadline > :soon)"


@dataclass(frozen=True)
class Cursor:
    """A ledger as opened (the last move row then, the day) and where its last page ended: the
    group, its row's day (the deadline, or the day it last moved) and number."""

    moves: int
    day: date
    group: int = LATE
    sort_day: date | None = None
    id: int = 0

    def token(self) -> str:
        """For a button's data: 1234.20261201.0.20261127.57 (at most 45 characters)."""
        sort_day = self.sort_day.strftime("%Y%m%d") if self.sort_day else "-"
        return f"{self.moves}.{self.day.strftime('%Y%m%d')}.{self.group}.{sort_day}.{self.id}"

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        try:
            moves, day, group, sort_day, number = token.split(".")
            return cls(
                int(moves),
                _compact_day(day),
                int(group) if 0 <= int(group) <= FINISHED else -1,
                None if sort_day == "-" else _compact_day(sort_day),
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


@dataclass(frozen=True)
class Lines:
    """Where the lights change on the ledger's day (problems.light's thresholds)."""

    today: date
    soon: date  # due on or before: amber
    red: date  # listed and not moved since before: red
    listed_still: date  # listed, claimed, other open: not moved since before: amber
    claimed_still: date
    still: date

    @classmethod
    def of(cls, day: date, amber_days: int, stale_days: int, unclaimed: tuple[int, int]) -> Lines:
        red = red_before(LISTED, day, unclaimed)
        assert red is not None
        return cls(
            day,
            day + timedelta(days=amber_days),
            red,
            still_before(LISTED, day, stale_days, unclaimed),
            still_before(CLAIMED, day, stale_days, unclaimed),
            still_before(problems.DISPATCHED, day, stale_days, unclaimed),
        )

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name).isoformat() for name in self.__dataclass_fields__}

    def deadline_range(self, group: int) -> tuple[date | None, date | None]:
        """The deadlines of a group read by deadline: (from, before)."""
        after_soon = self.soon + timedelta(days=1)
        return {LATE: (None, self.today), DUE_SOON: (self.today, after_soon), LATER: (after_soon, None)}.get(
            group, (None, None)
        )

    def moved_range(self, group: int, status: str) -> tuple[date | None, date | None]:
        """The days last moved of a group's problems in this status: (from, before)."""
        if group == UNCLAIMED:
            return None, self.red
        if status == REOPENED:
            return None, None
        if status == LISTED:
            return self.red, self.listed_still
        return None, self.claimed_still if status == CLAIMED else self.still

    def stalled(self, status: str, moved: date) -> bool:
        if status == REOPENED:
            return True
        still = {LISTED: self.listed_still, CLAIMED: self.claimed_still}.get(status, self.still)
        return moved < still


def opened(db: sqlite_utils.Database, today: date) -> Cursor:
    """The ledger as it stands now, before its first row."""
    return Cursor(_last_move(db), today)


def still_exact(db: sqlite_utils.Database, cursor: Cursor) -> bool:
    """Are the moves since the ledger was opened few enough to follow (else it starts again)?"""
    return cursor.group >= 0 and 0 <= _last_move(db) - cursor.moves <= min(MOVES_FOLLOWED, KEPT_MOVES)


def page(
    db: sqlite_utils.Database,
    cursor: Cursor,
    limit: int,
    amber_days: int,
    stale_days: int = 14,
    unclaimed: tuple[int, int] = UNCLAIMED_WORKING_DAYS,
) -> LedgerPage:
    """The public problems after `cursor`, at most `limit`, each placed as it stood when the
    ledger was opened."""
    lines = Lines.of(cursor.day, amber_days, stale_days, unclaimed)
    moved = _moved_since(db, cursor.moves)
    found = _unmoved(db, cursor, limit + 1, lines) + [
        key
        for problem_id, stood in moved.items()
        if (key := _key(stood, problem_id, lines)) > _position(cursor)
    ]
    found.sort()
    shown = found[:limit]
    read = [problems.get(db, problem_id) for _, _, problem_id in shown]
    last = shown[-1] if len(found) > limit else None
    after = Cursor(cursor.moves, cursor.day, last[0], _dated(last[1]), last[2]) if last else None
    return LedgerPage([p for p in read if p is not None], after)


Key = tuple[int, date, int]  # the group, the deadline or day last moved (date.min: none), the number


@dataclass(frozen=True)
class Stood:
    """What the order reads of a problem."""

    finished: bool
    deadline: date | None
    status: str
    moved: date  # the day it last moved (its last progress, or when it was listed)


def _position(cursor: Cursor) -> Key:
    return (cursor.group, cursor.sort_day or date.min, cursor.id)


def _dated(sort_day: date) -> date | None:
    return None if sort_day == date.min else sort_day


def _key(stood: Stood, problem_id: int, lines: Lines) -> Key:
    """Where a problem stands in the ledger: its light's group (problems.light), then its day."""
    group = _group(stood, lines)
    sort_day = stood.moved if group in BY_MOVE else stood.deadline
    return (group, sort_day or date.min, problem_id)  # no deadline sorts first, as in SQLite


def _group(stood: Stood, lines: Lines) -> int:
    deadline = stood.deadline
    unclaimed_red = stood.status == LISTED and stood.moved < lines.red
    if stood.finished:
        return FINISHED
    if deadline is not None and deadline < lines.today:
        return LATE
    if unclaimed_red:
        return UNCLAIMED
    if deadline is not None and deadline <= lines.soon:
        return DUE_SOON
    if lines.stalled(stood.status, stood.moved):
        return STALLED
    return UNDATED if deadline is None else LATER


def _unmoved(db: sqlite_utils.Database, cursor: Cursor, limit: int, lines: Lines) -> list[Key]:
    """Up to `limit` problems that have not moved since the ledger was opened, in order after
    the cursor, group by group along the indexes."""
    found: list[Key] = []
    for group in range(cursor.group, FINISHED + 1):
        wanted = limit - len(found)
        if group in BY_MOVE:
            statuses = (LISTED,) if group == UNCLAIMED else _OPEN_STATES
            rows = sorted(
                row for status in statuses for row in _read(db, cursor, group, wanted, lines, status)
            )
        else:
            rows = _read(db, cursor, group, wanted, lines)
        found += [(group, date.fromisoformat(d) if d else date.min, i) for d, i in rows[:wanted]]
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class _Query:
    """A group's read: along which index, by which day, with which rows."""

    column: str
    index: str
    clause: str
    days: tuple[date | None, date | None]  # the range of that day (from, before), checked apart

    def sql(self, after: str, order: str) -> str:
        return (
            f"select {self.column}, pr.id from problems pr indexed by {self.index} "
            f"where {self.clause} and {after} and not exists (select 1 from problem_moves m "
            f"where m.problem_id = pr.id and m.seq > :moves) order by {order} limit :limit"
        )

    def in_range(self, after: date | None = None) -> str:
        """Its range, or the part of it after the day `after`: one lower bound only (given two,
        SQLite seeks by either, and read from the start of the range a page deep in it)."""
        low, high = self.days
        below = f" and {self.column} < :high" if high else ""
        if after is not None and (low is None or after >= low):
            return f"{self.column} > :sort_day{below}"
        return (f"{self.column} >= :low" if low else "1") + below

    def holds(self, day: date) -> bool:
        low, high = self.days
        return (low is None or low <= day) and (high is None or day < high)


def _query(group: int, status: str | None, lines: Lines) -> _Query:
    if status is None:
        finished, places = _GROUPS[group]
        clause = f"pr.public = 1 and ({_FINISHED}) = {finished} and {places}"
        return _Query("pr.deadline", "problems_ledger_attention", clause, lines.deadline_range(group))
    clause = f"pr.public = 1 and pr.status = :status and {_NOT_LATE if group == UNCLAIMED else _FAR}"
    return _Query(_MOVED, "problems_ledger_attention_by_move", clause, lines.moved_range(group, status))


def _read(
    db: sqlite_utils.Database, cursor: Cursor, group: int, limit: int, lines: Lines, status: str | None = None
) -> list[tuple[str | None, int]]:
    """One group's rows after the cursor, (its day, its number), along its index: by deadline,
    or, for one status, by the day it last moved."""
    query = _query(group, status, lines)
    low, high = query.days
    params: dict[str, object] = {
        **lines.values(),
        "moves": cursor.moves,
        "limit": limit,
        "status": status,
        "low": low and low.isoformat(),
        "high": high and high.isoformat(),
    }
    by_day = f"{query.column}, pr.id"
    if group != cursor.group or not cursor.id:
        return db.execute(query.sql(query.in_range(), by_day), params).fetchall()
    # After the last row shown: the rest of its day, then the days after, each a seek of the
    # index (SQLite reads a row value (day, number) > (?, ?) on an indexed expression, and on
    # the deadline, from the start of the day: at 100,000 problems moved on one day, a page
    # deep in them read the thousands before it). The day's own range is checked here, not in
    # SQL: given both, SQLite read the range and sorted it.
    day = cursor.sort_day
    params.update(sort_day=day and day.isoformat(), id=cursor.id)
    rows = []
    if day is None or query.holds(day):
        same_day = f"{query.column} {'is null' if day is None else '= :sort_day'} and pr.id > :id"
        rows = db.execute(query.sql(same_day, "pr.id"), params).fetchall()
    if len(rows) < limit:
        later = f"{query.column} is not null and {query.in_range()}" if day is None else query.in_range(day)
        rows += db.execute(query.sql(later, by_day), {**params, "limit": limit - len(rows)}).fetchall()
    return rows


def _moved_since(db: sqlite_utils.Database, moves: int) -> dict[int, Stood]:
    """The problems that moved since move `moves`, as they stood then (the values before their
    first move since), public then and already listed; the rest are not in that ledger."""
    stood: dict[int, Stood] = {}
    first: set[int] = set()
    for problem_id, existed, finished, deadline, public, status, moved in db.execute(
        "select problem_id, existed, finished, deadline, public, status, moved from problem_moves "
        "where seq > ? order by seq",
        [moves],
    ):
        if problem_id in first:
            continue
        first.add(problem_id)
        if existed and public:
            stood[problem_id] = Stood(
                bool(finished),
                date.fromisoformat(deadline) if deadline else None,
                status or "",
                date.fromisoformat(moved) if moved else date.min,  # (a row from before m460)
            )
    return stood


def _last_move(db: sqlite_utils.Database) -> int:
    return db.execute("select coalesce(max(seq), 0) from problem_moves").fetchone()[0]
