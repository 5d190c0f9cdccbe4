"""督导's roll-up: one institution's campaign in figures, read from its own database, for the
supervising body to see side by side: problems by status and colour, the closure rate, what is
overdue and for how long, extensions, look-back satisfaction, evaluation turnout, self-checks,
and opinions by category.

Nothing here names a person, and counts that could single someone out are withheld below k
(ANONYMITY_SET): satisfaction only from k counted votes, an opinion category only from k
opinions, and the public's (群众) opinions of a category only from k of them. Every figure is
one aggregate query (the roll-up reads 50 institutions in a second)."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from storage import problems
from storage.db import file_of, reader

OPEN_SELF_CHECK = ("requested", "returned")


@dataclass
class Figures:
    institution: str
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_light: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    longest_overdue_days: int = 0
    longest_overdue_title: str = ""
    extensions: int = 0
    satisfied: int = 0  # 满意 + 基本满意, counted only when `counted` >= k
    counted: int = 0  # 0 when fewer than k votes were counted (withheld)
    turnout: list[tuple[str, int, int]] = field(default_factory=list)  # (sheet, voted, eligible)
    self_checks: dict[str, int] = field(default_factory=dict)
    self_checks_late: int = 0
    opinions: dict[str, int] = field(default_factory=dict)  # category -> count, only where >= k
    opinions_public: dict[str, int] = field(default_factory=dict)  # of them 群众's, only where >= k
    k: int = 5  # the threshold these figures were read with
    overdue_list: list[dict] = field(default_factory=list)  # the ledger's overdue lines, oldest first

    @property
    def closed(self) -> int:
        return self.by_status.get(problems.CLOSED, 0)

    @property
    def closure_rate(self) -> float | None:
        """Closed among all listed (explained ones are not closed: they are not solved)."""
        return self.closed / self.total if self.total else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.counted if self.counted else None


def _by_status_and_light(
    db: sqlite_utils.Database,
    figures: Figures,
    today: date,
    amber: int,
    stale: int,
    unclaimed: tuple[int, int] = problems.UNCLAIMED_WORKING_DAYS,
) -> None:
    """Counts by status and by storage.problems.light, in SQL, in one pass over the
    problems_rollup index (m260: every column read here is in it, so no row of the table is
    read, and the index is already in status order: nothing to sort). (An ISO moment is
    before a day exactly when its first ten characters are.)

    A closed problem's light is done and an explained one's explained; an open one is red past
    its deadline or when it has not moved since problems.red_before (listed and claimed by
    nobody), amber within `amber` days of its deadline or when it has not moved since
    problems.still_before (its status's rule: stalled, listed or claimed and waiting,
    reopened), else green. `overdue` counts only the red past their deadline. Lights are added
    in the order (status, light) sorts in, with none of count 0, as the one grouped query
    before this gave them."""
    stalled_before = " ".join(f"when :s{n} then :b{n}" for n in range(len(OPEN_STATES)))
    # waiting too long to be red though no deadline passed ('' : no such rule, nothing is before it)
    waiting = "coalesce(last_progress_at, created_at) < case status when :listed then :red else '' end"
    query = f"""
        select status, count(*),
            sum(deadline < :today),
            sum((deadline is null or deadline >= :today) and {waiting}),
            sum(deadline >= :today and deadline <= :amber and not {waiting}),
            sum((deadline is null or deadline > :amber) and not {waiting}
                and coalesce(last_progress_at, created_at) < case status {stalled_before} end)
        from problems group by status"""
    values = {
        "today": today.isoformat(),
        "amber": (today + timedelta(days=amber)).isoformat(),
        "listed": problems.LISTED,
        "red": (problems.red_before(problems.LISTED, today, unclaimed) or today).isoformat(),
    }
    for n, status in enumerate(OPEN_STATES):
        values[f"s{n}"] = status
        values[f"b{n}"] = problems.still_before(status, today, stale, unclaimed).isoformat()
    overdue = 0
    for status, count, late, unclaimed_red, near, still in db.execute(query, values).fetchall():
        if status == problems.CLOSED:
            lights = {problems.DONE: count}
        elif status == problems.EXPLAINED:
            lights = {problems.EXPLAINED: count}
        else:
            red = (late or 0) + (unclaimed_red or 0)
            overdue += late or 0
            amber_count = (near or 0) + (still or 0)
            lights = {
                problems.AMBER: amber_count,
                problems.GREEN: count - red - amber_count,
                problems.RED: red,
            }
        figures.by_status[status] = figures.by_status.get(status, 0) + count
        for light in sorted(lights):
            if lights[light]:
                figures.by_light[light] = figures.by_light.get(light, 0) + lights[light]
    figures.total = sum(figures.by_status.values())
    figures.overdue = overdue


OPEN_STATES = tuple(s for s in problems.STATES if s not in (problems.CLOSED, problems.EXPLAINED))
OVERDUE_SHOWN = 50  # the workbook's overdue lines per institution (the count is of all)


def _overdue(db: sqlite_utils.Database, figures: Figures, today: date) -> None:
    """Overdue: open, past its deadline (red for that): counted with the lights. The oldest
    are read status by status along the roll-up index (m260: status, then deadline), at most a
    page of each, and the page kept is the oldest of those, by deadline and then number. (A
    problem without a deadline is never overdue.)"""
    if not figures.overdue:  # counted with the lights (_by_status_and_light)
        return
    rows = []
    for status in OPEN_STATES:
        rows += db.execute(
            "select pr.id, pr.title, pr.deadline, pr.status, d.name, l.name from problems pr "
            "indexed by problems_rollup "
            "left join departments d on d.id = pr.department_id left join people l on l.id = pr.leader_id "
            f"where pr.status = ? and pr.deadline < ? order by pr.deadline, pr.id limit {OVERDUE_SHOWN}",
            [status, today.isoformat()],
        ).fetchall()
    rows = sorted(rows, key=lambda r: (r[2], r[0]))[:OVERDUE_SHOWN]
    figures.overdue_list = [
        {
            "id": r[0],
            "title": r[1],
            "deadline": r[2],
            "status": r[3],
            "department": r[4],
            "leader": r[5],
            "days": (today - date.fromisoformat(r[2])).days,
        }
        for r in rows
    ]
    if figures.overdue_list:
        figures.longest_overdue_days = figures.overdue_list[0]["days"]
        figures.longest_overdue_title = figures.overdue_list[0]["title"]


def _satisfaction(db: sqlite_utils.Database, figures: Figures, k: int) -> None:
    """The ballots of decided look-backs only (held or reopened: k counted votes each, their
    counts published anyway), as the summary report counts them: a look-back still open, or
    closed with too few votes, would move the figures by its own ballots, and whoever reads
    them on two days reads a result withheld everywhere else. Counted along the ballots' index
    in one pass, without grouping (nothing to sort)."""
    satisfied, basic, unsatisfied = db.execute(
        "select coalesce(sum(choice = 'satisfied'), 0), coalesce(sum(choice = 'basic'), 0), "
        "coalesce(sum(choice = 'unsatisfied'), 0) from lookback_ballots "
        "where lookback_id in (select id from lookbacks where result in ('held', 'reopened'))"
    ).fetchone()
    counted = satisfied + basic + unsatisfied
    if counted >= k:
        figures.counted = counted
        figures.satisfied = satisfied + basic


def _turnout(db: sqlite_utils.Database, figures: Figures) -> None:
    """The open sheets and the last one concluded: who rated of who may."""
    from storage import evaluations

    sheets = evaluations.open_sheets(db)
    last = db.execute(
        "select id from evaluation_sheets where concluded = 1 order by id desc limit 1"
    ).fetchone()
    if last:
        concluded = evaluations.get(db, last[0])
        if concluded is not None:
            sheets.append(concluded)
    for sheet in sheets:
        voted, eligible = evaluations.turnout(db, sheet)
        figures.turnout.append((sheet.title, voted, eligible))


def figures(
    db: sqlite_utils.Database,
    institution: str,
    today: date,
    k: int = 5,
    amber: int = 3,
    stale: int = 14,
    unclaimed: tuple[int, int] = problems.UNCLAIMED_WORKING_DAYS,
) -> Figures:
    found = Figures(institution, k=k)
    _by_status_and_light(db, found, today, amber, stale, unclaimed)
    _overdue(db, found, today)
    found.extensions = db.execute(
        "select count(*) from problem_extensions where decision = 'approved'"
    ).fetchone()[0]
    _satisfaction(db, found, k)
    _turnout(db, found)
    found.self_checks = dict(
        db.execute("select status, count(*) from self_checks group by status").fetchall()
    )
    found.self_checks_late = db.execute(
        "select count(*) from self_checks where status in (?, ?) and due_on < ?",
        [*OPEN_SELF_CHECK, today.isoformat()],
    ).fetchone()[0]
    found.opinions = dict(
        db.execute(
            "select category, count(*) from opinions where released = 1 group by category "
            "having count(*) >= ? order by count(*) desc, category",
            [k],
        ).fetchall()
    )
    found.opinions_public = dict(
        db.execute(
            "select category, count(*) from opinions where released = 1 and public = 1 group by category "
            "having count(*) >= ? order by count(*) desc, category",
            [k],
        ).fetchall()
    )
    return found


def ranked(all_figures: list[Figures]) -> list[Figures]:
    """Best first: the higher closure rate, then fewer overdue, then the shorter longest delay;
    an institution with nothing listed yet comes last (nothing to judge it by)."""
    return sorted(
        all_figures,
        key=lambda f: (
            f.closure_rate is None,
            -(f.closure_rate or 0),
            f.overdue,
            f.longest_overdue_days,
            f.institution,
        ),
    )


class Cache:
    """One institution's figures as last read, kept while its database is unchanged: the body's
    roll-up (the 09:00 digest, /rollup, the workbook, the report) then reads only the
    institutions where something was committed since.

    "Unchanged" is SQLite's data_version, asked on a connection of the cache's own that does
    nothing else: it changes whenever any other connection, in this process or another (the
    command line), commits to the file. It is asked before the figures are read, so a commit
    during the read only makes the next roll-up read again. The figures also depend on the
    day and the settings: they are part of the key. The Figures given back are shared between
    callers: read them, never change them. An in-memory database is read every time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # two roll-ups at once (the digest, a /rollup) take turns
        self._watcher: sqlite3.Connection | None = None
        self._state: tuple | None = None
        self._figures: Figures | None = None
        self.reads = 0  # how many times the database was read (what the tests count)

    def figures(
        self,
        db: sqlite_utils.Database,
        institution: str,
        today: date,
        k: int = 5,
        amber: int = 3,
        stale: int = 14,
        unclaimed: tuple[int, int] = problems.UNCLAIMED_WORKING_DAYS,
    ) -> Figures:
        with self._lock:
            version = self._version(db)
            state = (institution, today, k, amber, stale, unclaimed, version)
            if version is not None and self._state == state and self._figures is not None:
                return self._figures
            with reader(db) as reading:
                found = figures(reading, institution, today, k, amber, stale, unclaimed)
            self.reads += 1
            self._state, self._figures = state, found
            return found

    def _version(self, db: sqlite_utils.Database) -> int | None:
        if self._watcher is None:
            path = file_of(db)
            if path is None:
                return None
            self._watcher = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        # read to the end, so that no read transaction stays open to hold back checkpoints
        return self._watcher.execute("pragma data_version").fetchall()[0][0]

    def close(self) -> None:
        with self._lock:
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None
            self._state = self._figures = None
