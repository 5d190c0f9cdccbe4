"""The problem list (问题清单): 清单 → 接单 → 下单 → 送单 → 销号, as one state machine.

Every action checks the problem's state and the actor's role in the same transaction as the
change, and writes an audit row (who, what, from, to, when). An action that is not allowed
raises ProblemError and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlite_utils

from storage import audit, csv_files, departments
from storage.clock import clock, iso, parse_iso
from storage.csv_files import FileRejected
from storage.dates import working_days_before
from storage.people import HEAD, LEADER, OFFICE, Person, by_id

LISTED, CLAIMED, DISPATCHED, IN_PROGRESS = "listed", "claimed", "dispatched", "in_progress"
CLOSURE_REQUESTED, CLOSED, RETURNED = "closure_requested", "closed", "returned"
EXPLAINED, REOPENED = "explained", "reopened"
STATES = (LISTED, CLAIMED, DISPATCHED, IN_PROGRESS, CLOSURE_REQUESTED, CLOSED, RETURNED, EXPLAINED, REOPENED)
SUPERVISION = "supervision"  # 上级督办: an order of the supervising body (storage/orders.py)
SOURCES = ("opinion", "meeting", "self_check", "inspection", "evaluation", SUPERVISION)
KINDS = ("immediate", "deadline", "long_term")
HORIZONS = ("short", "medium", "long")
WORKING = (DISPATCHED, IN_PROGRESS, RETURNED)

# action: (states it may start from, who may do it, state it leads to)
#   office: the campaign office; leader: any leader; own_leader: the problem's leader;
#   own_head: a head of the problem's department; system: the bot itself (look-backs).
TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "claim": ((LISTED,), ("leader",), CLAIMED),
    "assign": ((LISTED,), ("office",), CLAIMED),
    "dispatch": ((CLAIMED, REOPENED), ("own_leader",), DISPATCHED),
    "report": (WORKING, ("own_head",), IN_PROGRESS),
    "request_closure": (WORKING, ("own_head",), CLOSURE_REQUESTED),
    "close": ((CLOSURE_REQUESTED,), ("office",), CLOSED),
    "return": ((CLOSURE_REQUESTED,), ("office",), RETURNED),
    "explain": ((CLAIMED, *WORKING, REOPENED), ("own_leader",), EXPLAINED),
    "revisit": ((EXPLAINED,), ("own_leader", "office", "system"), CLAIMED),
    "reopen": ((CLOSED,), ("office", "system"), REOPENED),
}


class ProblemError(Exception):
    """Refused; `reason` is a catalog key suffix and `detail` fills it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Problem:
    id: int
    title: str
    description: str
    category: str | None
    source: str
    kind: str
    horizon: str
    measures: str | None
    leader_id: int | None
    leader: str | None
    department_id: int | None
    department: str | None
    deadline: date | None
    status: str
    public: bool
    progress: int
    explanation: str | None
    review_on: date | None
    created_at: datetime
    last_progress_at: datetime | None
    closed_at: datetime | None


# The columns in the order of Problem's fields, so that a row becomes a Problem without a dict
# per row: a leader's digest reads hundreds of them, the office's every one.
_SELECT = """
select pr.id, pr.title, pr.description, pr.category, pr.source, pr.kind, pr.horizon, pr.measures,
       pr.leader_id, l.name, pr.department_id, d.name, pr.deadline, pr.status, pr.public,
       pr.progress, pr.explanation, pr.review_on, pr.created_at, pr.last_progress_at, pr.closed_at
from problems pr
left join people l on l.id = pr.leader_id
left join departments d on d.id = pr.department_id
"""


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _moment(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


def _problem(row: tuple) -> Problem:
    (
        id_,
        title,
        description,
        category,
        source,
        kind,
        horizon,
        measures,
        leader_id,
        leader,
        department_id,
        department,
        deadline,
        status,
        public,
        progress,
        explanation,
        review_on,
        created_at,
        last_progress_at,
        closed_at,
    ) = row
    return Problem(
        id_,
        title,
        description,
        category,
        source,
        kind,
        horizon,
        measures,
        leader_id,
        leader,
        department_id,
        department,
        _day(deadline),
        status,
        bool(public),
        progress,
        explanation,
        _day(review_on),
        parse_iso(created_at),
        _moment(last_progress_at),
        _moment(closed_at),
    )


def get(db: sqlite_utils.Database, problem_id: int) -> Problem | None:
    row = db.execute(f"{_SELECT} where pr.id = ?", [problem_id]).fetchone()
    return _problem(row) if row else None


# ---- reading the list: pages for people, every row for jobs --------------------------------
#
# A page for people has an explicit limit and continues after the last problem it showed
# (keyset paging: the next page costs the same however deep it is). A job reads every row
# through an iterator that fetches in chunks, so no cap hides the 1,001st problem from a sweep.

CHUNK = 500
# The people's order: by deadline (those without one last), then by number; the expression is
# the one indexed by m025, so that a page deep in the list starts from the index.
NO_DEADLINE = "9999-12-31"
FIRST_UNDATED = "0000-01-01"  # Filter.undated_first: no deadline sorts before every date
_KEY = f"coalesce(pr.deadline, '{NO_DEADLINE}')"
# (key, id) > (?, ?), spelt so that SQLite seeks the index to the key instead of scanning to it.
_PAGE_ORDER = f"{_KEY}, pr.id"
_PAGE_AFTER = f"{_KEY} >= ? and ({_KEY} > ? or pr.id > ?)"


@dataclass(frozen=True)
class After:
    """Where a page of people's order ended: the last problem's deadline and number."""

    deadline: date | None
    id: int

    def params(self, undated: str = NO_DEADLINE) -> list:
        key = self.deadline.isoformat() if self.deadline else undated
        return [key, key, self.id]

    def token(self) -> str:
        """Short enough for a button's data: 2026-12-31.123 or -.123."""
        return f"{self.deadline.isoformat() if self.deadline else '-'}.{self.id}"

    @classmethod
    def parse(cls, token: str) -> After | None:
        day, _, number = token.partition(".")
        try:
            return cls(None if day == "-" else date.fromisoformat(day), int(number))
        except ValueError:
            return None


@dataclass(frozen=True)
class Page:
    problems: list[Problem]
    after: After | None  # where the next page starts; None when this is the last


@dataclass(frozen=True)
class Filter:
    """Which problems a listing or an export covers; every field narrows it."""

    department: str | None = None
    leader: str | None = None
    leader_id: int | None = None
    department_id: int | None = None
    statuses: tuple[str, ...] = ()
    not_statuses: tuple[str, ...] = ()
    since: date | None = None
    public: bool | None = None
    source: str | None = None
    # a page for people lists those with no deadline first, not last: a leader's own problems
    # with none wait for their 下单 (claimed, reopened), and came after every green one
    undated_first: bool = False

    def sql(self, status_index: bool = True) -> tuple[str, list]:
        """The where clause and its parameters. Without `status_index`, the status is tested
        on the rows read rather than looked up in its index (see _by_deadline)."""
        clauses, params = ["1"], []
        for column, value in (
            ("d.name", self.department),
            ("l.name", self.leader),
            ("pr.leader_id", self.leader_id),
            ("pr.department_id", self.department_id),
            ("pr.source", self.source),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        for values, negate in ((self.statuses, ""), (self.not_statuses, "not ")):
            if values:
                status = "pr.status" if status_index else "+pr.status"  # "+": not from the index
                clauses.append(f"{status} {negate}in ({','.join('?' * len(values))})")
                params.extend(values)
        if self.since is not None:
            clauses.append("pr.created_at >= ?")
            params.append(self.since.isoformat())
        if self.public is not None:
            clauses.append("pr.public = ?")
            params.append(int(self.public))
        return " and ".join(clauses), params

    def names(self) -> bool:
        """Does it filter by a leader's or a department's name (and so read those tables)?"""
        return self.department is not None or self.leader is not None


EVERYTHING = Filter()
UNCLAIMED = Filter(statuses=(LISTED,))
AWAITING_CLOSURE = Filter(statuses=(CLOSURE_REQUESTED,))
PUBLIC = Filter(public=True)
WORKING_FILTER = Filter(statuses=WORKING)
CLOSED_FILTER = Filter(statuses=(CLOSED,))


def of_leader(leader_id: int, *, open_only: bool = False, undated_first: bool = False) -> Filter:
    return Filter(
        leader_id=leader_id, not_statuses=(CLOSED,) if open_only else (), undated_first=undated_first
    )


def department_tasks(department_id: int) -> Filter:
    """What a department's heads work on: dispatched, in progress, returned, asking to close."""
    return Filter(department_id=department_id, statuses=(*WORKING, CLOSURE_REQUESTED))


def page(db: sqlite_utils.Database, which: Filter, limit: int, after: After | None = None) -> Page:
    """One page for people, in deadline order, after `after` (those with no deadline last, or
    first with `which.undated_first`)."""
    where, params = which.sql()
    undated, order, past = NO_DEADLINE, _PAGE_ORDER, _PAGE_AFTER
    if which.undated_first:
        undated = FIRST_UNDATED
        key = f"coalesce(pr.deadline, '{FIRST_UNDATED}')"
        order, past = f"{key}, pr.id", f"{key} >= ? and ({key} > ? or pr.id > ?)"
    if after is not None:
        where, params = f"{where} and {past}", [*params, *after.params(undated)]
    rows = db.execute(f"{_SELECT} where {where} order by {order} limit ?", [*params, limit + 1]).fetchall()
    found = [_problem(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(found, After(found[-1].deadline, found[-1].id) if more else None)


BadRow = Callable[[str, object, Exception], None]


def each(
    db: sqlite_utils.Database,
    which: Filter = EVERYTHING,
    *,
    by_deadline: bool = False,
    bad_row: BadRow | None = None,
) -> Iterator[Problem]:
    """Every problem the filter covers, with no cap: for jobs, exports and reports. Read in
    chunks, each a short query, so no read stays open while the caller writes. A row that cannot
    be read goes to `bad_row(table, id, error)` and is skipped; without one, it raises."""
    rows = _by_deadline(db, which) if by_deadline else _by_number(db, which)
    for row in rows:
        try:
            problem = _problem(row)
        except (ValueError, TypeError) as error:
            if bad_row is None:
                raise
            bad_row("problems", row[0], error)
            continue
        yield problem


def _by_deadline(db: sqlite_utils.Database, which: Filter) -> Iterator[tuple]:
    """Chunks in people's order, each after the last: the index of m025 serves the order. The
    status is tested on the rows that index gives: from the status index, SQLite found every
    remaining working problem and sorted them for each chunk (the 09:00 reminders, read in
    deadline order so that a bundle leads with the longest overdue, would have sorted 37,500
    problems 75 times at full size)."""
    where, params = which.sql(status_index=False)
    after: list | None = None
    while True:
        clause, values = (
            (where, params) if after is None else (f"({where}) and {_PAGE_AFTER}", [*params, *after])
        )
        rows = db.execute(
            f"{_SELECT} where {clause} order by {_PAGE_ORDER} limit ?", [*values, CHUNK]
        ).fetchall()
        yield from rows
        if len(rows) < CHUNK:
            return
        after = After(_day(rows[-1][12]), rows[-1][0]).params()


def _by_number(db: sqlite_utils.Database, which: Filter) -> Iterator[tuple]:
    """Chunks by ranges of numbers (CHUNK numbers each), up to the highest number at the time,
    so that problems added meanwhile are read too. Not `id > ? order by id limit ?`: when the
    filter names several statuses, SQLite then found and sorted every remaining match for each
    chunk (the 09:00 reminders at full size: 37,500 working problems, 75 chunks of up to 150 ms
    on the event loop, 5.7 s in all); a range costs the same wherever it lies."""
    where, params = which.sql()
    low = 0
    while low < (db.execute("select coalesce(max(id), 0) from problems").fetchone()[0]):
        yield from db.execute(
            f"{_SELECT} where ({where}) and pr.id > ? and pr.id <= ? order by pr.id",
            [*params, low, low + CHUNK],
        ).fetchall()
        low += CHUNK


def count(db: sqlite_utils.Database, which: Filter = EVERYTHING) -> int:
    if which == Filter(public=which.public) and which.public is not None:  # /ledger's, on every ask
        row = db.execute("select count from problem_counts where public = ?", [int(which.public)]).fetchone()
        return row[0] if row else 0  # kept by triggers (m281): one row, not 100,000 index entries
    where, params = which.sql()
    joins = (
        "left join people l on l.id = pr.leader_id left join departments d on d.id = pr.department_id"
        if which.names()
        else ""
    )  # without them, an index alone counts (m210 for /ledger)
    return db.execute(f"select count(*) from problems pr {joins} where {where}", params).fetchone()[0]


def count_overdue(db: sqlite_utils.Database, which: Filter, today: date) -> int:
    """How many of the filter's problems are red: past their deadline, neither closed nor
    explained (light()'s rule), for the line under a page of cards."""
    where, params = which.sql()
    joins = (
        "left join people l on l.id = pr.leader_id left join departments d on d.id = pr.department_id"
        if which.names()
        else ""
    )
    return db.execute(
        f"select count(*) from problems pr {joins} where ({where}) and pr.status not in (?, ?) "
        "and pr.deadline < ?",
        [*params, CLOSED, EXPLAINED, today.isoformat()],
    ).fetchone()[0]


def create(
    db: sqlite_utils.Database,
    title: str,
    actor_id: int | None,
    *,
    description: str = "",
    category: str | None = None,
    source: str = "meeting",
    kind: str = "deadline",
    horizon: str = "short",
    opinion_ids: tuple[str, ...] = (),
    public: bool = True,
) -> int:
    if not title.strip() or source not in SOURCES or kind not in KINDS or horizon not in HORIZONS:
        raise ProblemError("invalid")
    with db.atomic():
        problem_id = _insert(db, title.strip(), description, category, source, kind, horizon, public)
        for opinion_id in opinion_ids:
            db.execute("insert into problem_opinions values (?, ?)", [problem_id, opinion_id])
            # listed is handled: off the inbox (opinions._PENDING) whether or not the office opened
            # it first (a 🔥 group is listed whole), until its holder writes again
            db.execute("update opinions set unread = 0 where id = ?", [opinion_id])
        audit.record(
            db,
            "problem.create",
            f"problem:{problem_id}",
            actor_id,
            to=LISTED,
            source=source,
            opinions=list(opinion_ids),
        )
    return problem_id


def _insert(db, title, description, category, source, kind, horizon, public) -> int:
    return db.execute(
        "insert into problems (title, description, category, source, kind, horizon, public, "
        "created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [title, description, category, source, kind, horizon, int(public), iso(clock.now())],
    ).lastrowid


def suggested_title(text: str, length: int = 40) -> str:
    """A first draft of a problem's title from an opinion's text, for the office to edit."""
    text = " ".join(text.split())
    # A sentence's closing mark would clash with what follows a title ("…等叫号。：还有 7 天").
    return text.rstrip("。.！!；;，, ") if len(text) <= length else text[:length] + "…"


def from_opinion(
    db: sqlite_utils.Database,
    opinion_id: str,
    actor_id: int,
    *,
    title: str | None = None,
    kind: str = "deadline",
    horizon: str = "short",
    department_id: int | None = None,
) -> int:
    """The opinion becomes a listed problem, linked both ways, with the title, kind and horizon
    the office chose (and the department it is about, when they named one)."""
    row = db.execute("select category, text, status from opinions where id = ?", [opinion_id]).fetchone()
    if row is None:
        raise ProblemError("not_found")
    existing = problem_of_opinion(db, opinion_id)
    if existing:
        raise ProblemError("already_listed", str(existing))
    category, text, status = row
    if status in ("closed", "duplicate"):  # answered or folded into another: nothing to list
        raise ProblemError("opinion_finished")
    with db.atomic():
        problem_id = create(
            db,
            title or suggested_title(text),
            actor_id,
            description=text,
            category=category,
            source="opinion",
            kind=kind,
            horizon=horizon,
            opinion_ids=(opinion_id,),
        )
        department_id = departments.current_id(db, department_id)  # picked before a merge
        if department_id is not None:  # who it is about; dispatch still names who fixes it
            db.execute("update problems set department_id = ? where id = ?", [department_id, problem_id])
    return problem_id


def problem_of_opinion(db: sqlite_utils.Database, opinion_id: str) -> int | None:
    row = db.execute("select problem_id from problem_opinions where opinion_id = ?", [opinion_id]).fetchone()
    return row[0] if row else None


def opinions_of(db: sqlite_utils.Database, problem_id: int) -> list[str]:
    return [
        r[0] for r in db.execute("select opinion_id from problem_opinions where problem_id = ?", [problem_id])
    ]


def signed_opinions(db: sqlite_utils.Database, problem_id: int) -> list[tuple[str, int]]:
    """(opinion, author) of the signed opinions behind the problem: their authors put their
    names to them and hear of its life. An anonymous opinion has no author to find here."""
    return [
        (row[0], row[1])
        for row in db.execute(
            "select o.id, o.author_id from problem_opinions po join opinions o on o.id = po.opinion_id "
            "where po.problem_id = ? and o.anonymous = 0 and o.author_id is not null order by o.id",
            [problem_id],
        )
    ]


def _may(rule: str, actor: Person | None, problem: Problem) -> bool:
    if rule == "system":
        return actor is None
    if actor is None:
        return False
    return {
        "office": OFFICE in actor.roles,
        "leader": LEADER in actor.roles,
        "own_leader": LEADER in actor.roles and actor.id == problem.leader_id,
        "own_head": HEAD in actor.roles and actor.department_id == problem.department_id,
    }[rule]


def _supervisor_decides(problem: Problem, action: str, actor: Person | None) -> bool:
    """A 督办 problem is closed, or returned, on its supervisor's word, which the body's
    handler carries here as the system's (storage/orders.py): the supervisor is not a person
    of this institution's database."""
    return problem.source == SUPERVISION and action in ("close", "return") and actor is None


def check(problem: Problem, action: str, actor: Person | None) -> str:
    """The state the action leads to, or ProblemError saying why not."""
    starts, rules, target = TRANSITIONS[action]
    if not (any(_may(rule, actor, problem) for rule in rules) or _supervisor_decides(problem, action, actor)):
        raise ProblemError("not_allowed")
    if action == "claim" and not problem.public:  # a confidential problem goes to whom the office picks
        raise ProblemError("not_allowed")
    if action == "close" and problem.source == SUPERVISION and actor is not None:
        raise ProblemError("supervisor_confirms")  # the office asks; the supervisor closes
    if problem.status not in starts:
        if action == "claim" and problem.status == CLAIMED:
            raise ProblemError("claimed_by", problem.leader or "")
        raise ProblemError("wrong_state", problem.status)
    return target


def allowed(problem: Problem, actor: Person | None) -> tuple[str, ...]:
    """The actions this person may take on this problem now, by TRANSITIONS and their roles:
    what the buttons under a problem offer, so that they never restate the rules."""
    found = []
    for action in TRANSITIONS:
        try:
            check(problem, action, actor)
        except ProblemError:
            continue
        found.append(action)
    return tuple(found)


def act(db: sqlite_utils.Database, problem_id: int, action: str, actor: Person | None, **fields) -> Problem:
    """Do one action on one problem, in one transaction, or refuse and change nothing."""
    if action not in TRANSITIONS:
        raise ProblemError("not_allowed")
    with db.atomic():
        problem = get(db, problem_id)
        if problem is None:
            raise ProblemError("not_found")
        target = check(problem, action, actor)
        changes = FIELD_RULES.get(action, _no_fields)(db, problem, fields)
        changes["status"] = target
        assignments = ", ".join(f"{column} = ?" for column in changes)
        updated = db.execute(
            f"update problems set {assignments} where id = ? and status = ?",
            [*changes.values(), problem_id, problem.status],
        ).rowcount
        if updated != 1:  # someone else changed it between our read and our write
            raise ProblemError("wrong_state", problem.status)
        detail = {k: v for k, v in fields.items() if k not in ("photos", "actor_id", "today")}
        if "deadline" in changes and problem.deadline:  # so a past period's report can undo it
            detail["old_deadline"] = problem.deadline
        audit.record(
            db,
            f"problem.{action}",
            f"problem:{problem_id}",
            actor.id if actor else None,
            **{"from": problem.status, "to": target},
            **_jsonable(detail),
        )
        return _existing(db, problem_id)


def _existing(db: sqlite_utils.Database, problem_id: int) -> Problem:
    """A problem this transaction has just read or changed."""
    found = get(db, problem_id)
    assert found is not None
    return found


def _jsonable(fields: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


def _no_fields(db, problem: Problem, fields: dict) -> dict:
    return {}


def _claim(db, problem: Problem, fields: dict) -> dict:
    return {"leader_id": fields["actor_id"], **_waits_on_leader_from_now()}


def _waits_on_leader_from_now() -> dict:
    """A problem that comes to a leader to be dispatched (claimed, assigned, revisited) has
    moved today: light()'s count of working days waiting on them starts now."""
    return {"last_progress_at": iso(clock.now())}


def _assign(db, problem: Problem, fields: dict) -> dict:
    leader = by_id(db, fields.get("leader_id") or 0)
    if leader is None or LEADER not in leader.roles or not leader.active:
        raise ProblemError("not_a_leader")
    return {"leader_id": leader.id, **_waits_on_leader_from_now()}


def _dispatch(db, problem: Problem, fields: dict) -> dict:
    """五落实: item, measures, leader, department, deadline; none may be missing."""
    measures = (fields.get("measures") or "").strip()
    # a department picked before the office merged it away is the one it became
    department_id = departments.current_id(db, fields.get("department_id"))
    deadline: date | None = fields.get("deadline")
    missing = [
        name
        for name, value in (
            ("item", problem.title),
            ("measures", measures),
            ("leader", problem.leader_id),
            ("department", department_id),
            ("deadline", deadline),
        )
        if not value
    ]
    if missing:
        raise ProblemError("missing_fields", ",".join(missing))
    if not db.execute("select 1 from departments where id = ?", [department_id]).fetchone():
        raise ProblemError("missing_fields", "department")
    assert deadline is not None  # "missing" above
    if deadline < fields.get("today", deadline):
        raise ProblemError("past_deadline", deadline.isoformat())
    return {
        "measures": measures,
        "department_id": department_id,
        "deadline": deadline.isoformat(),
        "last_progress_at": iso(clock.now()),
    }


def _report(db, problem: Problem, fields: dict) -> dict:
    text = (fields.get("text") or "").strip()
    percent = fields.get("percent")
    if not text or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ProblemError("bad_report")
    now = iso(clock.now())
    report_id = db.execute(
        "insert into problem_reports (problem_id, author_id, text, percent, at) values (?, ?, ?, ?, ?)",
        [problem.id, fields["actor_id"], text, percent, now],
    ).lastrowid
    for position, jpeg in enumerate(fields.get("photos") or ()):
        db.execute(
            "insert into problem_report_photos (report_id, position, jpeg) values (?, ?, ?)",
            [report_id, position, jpeg],
        )
    return {"progress": percent, "last_progress_at": now}


def _explain(db, problem: Problem, fields: dict) -> dict:
    reason = (fields.get("reason") or "").strip()
    review_on: date | None = fields.get("review_on")
    if not reason or review_on is None:
        raise ProblemError("missing_fields", "reason" if not reason else "review_on")
    return {"explanation": reason, "review_on": review_on.isoformat()}


def _close(db, problem: Problem, fields: dict) -> dict:
    return {"closed_at": iso(clock.now()), "progress": 100}


def _reopen(db, problem: Problem, fields: dict) -> dict:
    """Back to its leader, who sets new measures and a new deadline: the old deadline has
    passed and the old progress described the fix that did not hold, so neither stays (both
    remain in the audit trail)."""
    return {"closed_at": None, "progress": 0, "deadline": None, "last_progress_at": iso(clock.now())}


FIELD_RULES = {
    "claim": _claim,
    "assign": _assign,
    "dispatch": _dispatch,
    "report": _report,
    "explain": _explain,
    "close": _close,
    "reopen": _reopen,
    "revisit": lambda db, problem, fields: _waits_on_leader_from_now(),
}


def claim(db: sqlite_utils.Database, problem_id: int, leader: Person) -> Problem:
    """The first claim wins, exactly once; the others learn who has it."""
    return act(db, problem_id, "claim", leader, actor_id=leader.id)


def history(db: sqlite_utils.Database, problem_id: int) -> list[dict]:
    return audit.trail(db, f"problem:{problem_id}")


def reports(db: sqlite_utils.Database, problem_id: int) -> list[dict]:
    return list(
        db.query(
            "select r.*, p.name as author from problem_reports r join people p "
            "on p.id = r.author_id where r.problem_id = ? order by r.id",
            [problem_id],
        )
    )


@dataclass(frozen=True)
class Report:
    id: int
    author: str
    text: str
    percent: int
    at: datetime


def latest_report(db: sqlite_utils.Database, problem_id: int) -> Report | None:
    """The newest progress report: what whoever closes or follows the problem reads first."""
    row = db.execute(
        "select r.id, p.name, r.text, r.percent, r.at from problem_reports r join people p "
        "on p.id = r.author_id where r.problem_id = ? order by r.id desc limit 1",
        [problem_id],
    ).fetchone()
    return Report(row[0], row[1], row[2], row[3], parse_iso(row[4])) if row else None


@dataclass(frozen=True)
class ClosureAsked:
    author: str
    reason: str  # why short of 100% (empty at 100%, where none is asked)
    at: datetime


def closure_asked(db: sqlite_utils.Database, problem_id: int) -> ClosureAsked | None:
    """The latest 申请销号 of the problem, from its audit trail: who asked, when and why (the
    reason is kept nowhere else), for whoever signs 销号."""
    row = db.execute(
        "select coalesce(p.name, ''), a.detail, a.at from audit a left join people p on p.id = a.actor_id "
        "where a.subject = ? and a.action = 'problem.request_closure' order by a.id desc limit 1",
        [f"problem:{problem_id}"],
    ).fetchone()
    if row is None:
        return None
    detail = json.loads(row[1]) if row[1] else {}
    return ClosureAsked(row[0], str(detail.get("reason") or ""), parse_iso(row[2]))


def latest_reports(db: sqlite_utils.Database, problem_ids: list[int]) -> dict[int, Report]:
    """The newest progress report of each of these problems, in one query (an export reads them
    a chunk of problems at a time, not one query per row)."""
    if not problem_ids:
        return {}
    listed = ",".join("?" * len(problem_ids))
    rows = db.execute(
        "select r.problem_id, r.id, p.name, r.text, r.percent, r.at from problem_reports r join people p "
        "on p.id = r.author_id where r.id in (select max(id) from problem_reports "
        f"where problem_id in ({listed}) group by problem_id)",
        list(problem_ids),
    )
    return {row[0]: Report(row[1], row[2], row[3], row[4], parse_iso(row[5])) for row in rows}


def report_photos(db: sqlite_utils.Database, report_id: int) -> list[tuple[int, bytes, str | None]]:
    return [
        (r["position"], r["jpeg"], r["file_id"])
        for r in db.query(
            "select * from problem_report_photos where report_id = ? order by position", [report_id]
        )
    ]


# ---- the traffic light -----------------------------------------------------------------

RED, AMBER, GREEN, DONE = "red", "amber", "green", "done"
LIGHTS = (RED, AMBER, GREEN, DONE, EXPLAINED)  # an explained problem is not done: its own colour


CLAIMED_WAIT_WORKING_DAYS = 2  # 接单 and no 下单 after this many working days: amber
# Listed (待接单) and claimed by nobody after this many working days: amber, then red. Nobody
# taking a problem is what the office must see first (it can /assign a leader); the defaults
# (UNCLAIMED_AMBER_WORKING_DAYS, UNCLAIMED_RED_WORKING_DAYS) give a claim the two working days
# a 下单 gets, and call a working week without one a failure, as an overdue deadline is.
UNCLAIMED_WORKING_DAYS = (2, 5)


def still_before(
    status: str, today: date, stale_days: int = 14, unclaimed: tuple[int, int] = UNCLAIMED_WORKING_DAYS
) -> date:
    """An open problem in `status` that has not moved since before this day is amber (the one
    rule for "stalled", read by light() and by the roll-up's SQL):
    - reopened (回头看 found the fix did not hold): at once, until its leader dispatches it
      again (new measures, new deadline): it waits on them, not on a department;
    - claimed (接单) and not dispatched (下单): after CLAIMED_WAIT_WORKING_DAYS working days
      (China's calendar: a holiday does not count), or stale_days, whichever comes first;
    - listed (待接单) and claimed by nobody: after unclaimed[0] working days (red_before: red
      after unclaimed[1]), or stale_days, whichever comes first;
    - any other: no progress for stale_days.
    "Moved" is last_progress_at: claimed, assigned, dispatched, reported, reopened; for a
    listed problem, when it was listed (created_at)."""
    if status == REOPENED:
        return today + timedelta(days=1)
    stale = today - timedelta(days=stale_days)
    if status == CLAIMED:
        return max(stale, working_days_before(today, CLAIMED_WAIT_WORKING_DAYS) + timedelta(days=1))
    if status == LISTED:
        return max(stale, working_days_before(today, unclaimed[0]) + timedelta(days=1))
    return stale


def red_before(status: str, today: date, unclaimed: tuple[int, int] = UNCLAIMED_WORKING_DAYS) -> date | None:
    """A problem in `status` that has not moved since before this day is red though no deadline
    has passed: a listed one nobody claimed in unclaimed[1] working days. None: no such rule."""
    if status == LISTED:
        return working_days_before(today, unclaimed[1]) + timedelta(days=1)
    return None


def light(
    problem: Problem,
    today: date,
    amber_days: int = 3,
    stale_days: int = 14,
    unclaimed: tuple[int, int] = UNCLAIMED_WORKING_DAYS,
) -> str:
    """Red: overdue, or listed and claimed by nobody for unclaimed[1] working days. Amber: due
    within amber_days, or stalled (still_before: no progress for stale_days; listed and not
    claimed for unclaimed[0] working days; claimed and not dispatched for 2 working days;
    reopened). Green: on track. Closed problems are done; explained ones are out of the race
    but not solved, and say so."""
    if problem.status == CLOSED:
        return DONE
    if problem.status == EXPLAINED:
        return EXPLAINED
    if problem.deadline and problem.deadline < today:
        return RED
    last = (problem.last_progress_at or problem.created_at).date()
    red = red_before(problem.status, today, unclaimed)
    if red is not None and last < red:
        return RED
    if problem.deadline and problem.deadline <= today + timedelta(days=amber_days):
        return AMBER
    if last < still_before(problem.status, today, stale_days, unclaimed):
        return AMBER
    return GREEN


CHASED = (CLAIMED, REOPENED, *WORKING)  # waiting on a leader's 下单 or a department's work


def may_chase(problem: Problem, today: date) -> bool:
    """Overdue and waiting on someone the office can remind (催办): its leader, to dispatch,
    or its department, to work. Not one that waits on the office itself (申请销号)."""
    return problem.status in CHASED and problem.deadline is not None and problem.deadline < today


def leader_may_chase(problem: Problem, person_id: int, today: date) -> bool:
    """The problem's own leader (分管领导) may chase its department (催办) when it is overdue
    and the work is the department's; while it waits for their own 下单 there is nobody else
    to chase."""
    return problem.leader_id == person_id and problem.status in WORKING and may_chase(problem, today)


def record_chase(db: sqlite_utils.Database, problem_id: int, actor_id: int, told: int) -> None:
    with db.atomic():
        audit.record(db, "problem.chase", f"problem:{problem_id}", actor_id, told=told)


# ---- findings from a meeting, as CSV -----------------------------------------------------

FINDING_WORDS = {
    "title": {"title", "问题", "问题描述", "问题清单", "查摆问题", "問題"},
    "description": {"description", "说明", "具体表现", "描述", "說明"},
    "category": {"category", "类别", "问题类别", "類別"},
    "source": {"source", "来源", "问题来源", "來源"},
    "kind": {"kind", "整改类型", "类型", "類型"},
    # 近中远期 is the horizon; 完成时限 (or 期限) is a date: the column the office reads as a
    # deadline never means something else.
    "horizon": {"horizon", "近中远期", "时限类型", "近中遠期"},
    "deadline": {"deadline", "完成时限", "整改时限", "完成期限", "整改期限", "期限", "完成時限", "整改時限"},
}
SOURCE_WORDS = {
    "opinion": {"意见", "征求意见", "opinion"},
    "meeting": {"民主生活会", "组织生活会", "会议", "meeting", ""},
    "self_check": {"自查", "自查报告", "self_check"},
    "inspection": {"检查", "督查", "巡察", "inspection"},
}
KIND_WORDS = {
    "immediate": {"立行立改", "immediate"},
    "deadline": {"限期整改", "deadline", ""},
    "long_term": {"长期坚持", "long_term"},
}
HORIZON_WORDS = {"short": {"近期", "short", ""}, "medium": {"中期", "medium"}, "long": {"远期", "long"}}


def _word(cell: str, words: dict[str, set[str]], reason: str, line: int) -> str:
    for value, spellings in words.items():
        if cell in spellings:
            return value
    raise FileRejected(reason, line=line, detail=cell)


def _deadline(cell: str, today: date, line: int) -> date | None:
    from storage import phrasings

    if not cell:
        return None
    found = phrasings.parse_date(cell, today)
    if found is None:
        raise FileRejected("deadline", line=line, detail=cell)
    return found


def parse_findings(raw: bytes, today: date | None = None) -> list[dict]:
    """A meeting's findings from a CSV or .xlsx; 完成时限 may be a date cell or typed (月底前)."""
    today = today or clock.now().date()
    findings = []
    for line, cells in csv_files.rows(raw, FINDING_WORDS, ("title",)):
        if not cells["title"]:
            raise FileRejected("no_title", line=line)
        findings.append(
            {
                "deadline": _deadline(cells.get("deadline", ""), today, line),
                "title": cells["title"],
                "description": cells.get("description", ""),
                "category": cells.get("category") or None,
                "source": _word(cells.get("source", ""), SOURCE_WORDS, "source", line),
                "kind": _word(cells.get("kind", ""), KIND_WORDS, "kind", line),
                "horizon": _word(cells.get("horizon", ""), HORIZON_WORDS, "horizon", line),
            }
        )
    if not findings:
        raise FileRejected("empty")
    return findings


def open_namesakes(db: sqlite_utils.Database, titles: list[str]) -> dict[str, int]:
    """title -> the open problem already listed under it (spaces aside): a findings file sent
    twice, or a finding the office listed by hand, shows before it is listed again."""
    wanted = {" ".join(t.split()) for t in titles}
    found: dict[str, int] = {}
    for row in db.query(
        "select id, title from problems where status not in (?, ?) order by id", [CLOSED, EXPLAINED]
    ):
        key = " ".join(row["title"].split())
        if key in wanted:
            found.setdefault(key, row["id"])
    return found


def import_findings(db: sqlite_utils.Database, findings: list[dict], actor_id: int | None) -> list[int]:
    """All findings in one transaction: all are listed, or none."""
    with db.atomic():
        ids = []
        for finding in [dict(f) for f in findings]:
            deadline = finding.pop("deadline", None)
            ids.append(create(db, finding.pop("title"), actor_id, **finding))
            if deadline:  # the date the meeting set; 下单 confirms or changes it
                db.execute("update problems set deadline = ? where id = ?", [deadline.isoformat(), ids[-1]])
        return ids


# ---- milestones of long-term problems ------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    position: int
    title: str
    due: date
    done: bool


def milestones(db: sqlite_utils.Database, problem_id: int) -> list[Milestone]:
    return [
        Milestone(r["position"], r["title"], date.fromisoformat(r["due"]), bool(r["done_at"]))
        for r in db.query(
            "select * from problem_milestones where problem_id = ? order by due, position", [problem_id]
        )
    ]


def milestone_problem(db: sqlite_utils.Database, problem_id: int, actor: Person) -> Problem:
    """The problem, if `actor` may set its milestones now (its leader, or the office); else
    ProblemError saying why not. Checked before anything else the person typed is read."""
    problem = get(db, problem_id)
    if problem is None:
        raise ProblemError("not_found")
    if not (_may("own_leader", actor, problem) or _may("office", actor, problem)):
        raise ProblemError("not_allowed")
    if problem.status in (CLOSED, EXPLAINED):
        raise ProblemError("wrong_state", problem.status)
    return problem


def add_milestone(db: sqlite_utils.Database, problem_id: int, actor: Person, due: date, title: str) -> int:
    """The problem's leader (or the office) sets a milestone; returns its number."""
    with db.atomic():
        problem = milestone_problem(db, problem_id, actor)
        if not title.strip():
            raise ProblemError("wrong_state", problem.status)
        position = db.execute(
            "select coalesce(max(position), 0) + 1 from problem_milestones where problem_id = ?", [problem_id]
        ).fetchone()[0]
        db.execute(
            "insert into problem_milestones (problem_id, position, title, due) values (?, ?, ?, ?)",
            [problem_id, position, title.strip()[:200], due.isoformat()],
        )
        audit.record(
            db,
            "problem.milestone",
            f"problem:{problem_id}",
            actor.id,
            text=title.strip()[:200],
            due=due.isoformat(),
        )
    return position


def complete_milestone(db: sqlite_utils.Database, problem_id: int, position: int, actor: Person) -> None:
    """The department's head or the leader marks a milestone reached."""
    with db.atomic():
        problem = get(db, problem_id)
        if problem is None:
            raise ProblemError("not_found")
        if not (_may("own_head", actor, problem) or _may("own_leader", actor, problem)):
            raise ProblemError("not_allowed")
        done = db.execute(
            "update problem_milestones set done_at = ? where problem_id = ? and position = ? "
            "and done_at is null",
            [iso(clock.now()), problem_id, position],
        ).rowcount
        if not done:
            raise ProblemError("no_milestone", str(position))
        audit.record(db, "problem.milestone_done", f"problem:{problem_id}", actor.id, text=str(position))
