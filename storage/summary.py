"""The figures of a period for the summary report (专题书面报告 / 综合分析报告): opinions by
category, problems found / closed / overdue / explained / reopened, each department, the
look-backs' satisfaction and the open items. Days are local days in the campaign's zone."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from storage import evaluations, opinions
from storage import hotspots as hotspot_groups
from storage import problems as problem_rules
from storage.clock import iso, parse_iso
from storage.lookbacks import COUNTED
from storage.problems import CLOSED, EXPLAINED, LISTED, Problem

NO_DEPARTMENT = "（未定科室）"  # listed or claimed, not yet dispatched to a department

# What each audited action did to the fields a report counts by (besides the status, which
# every action records as from/to).
_PROGRESS_OF = {"report": lambda d: d.get("percent", 0), "close": lambda d: 100, "reopen": lambda d: 0}
_DEADLINE_OF = {
    "dispatch": lambda d: d.get("deadline"),
    "extend": lambda d: d.get("deadline"),
    "reopen": lambda d: None,
}


@dataclass
class DepartmentRow:
    department: str
    total: int = 0
    closed: int = 0
    working: int = 0
    overdue: int = 0
    explained: int = 0

    @property
    def closed_share(self) -> float:
        return self.closed / self.total if self.total else 0.0


@dataclass
class Summary:
    start: date
    end: date
    opinions_by_category: dict[str, int]
    opinions_by_status: dict[str, int]
    found: int
    closed: int
    overdue: int
    explained: int
    reopened: int
    total: int
    departments: list[DepartmentRow]
    lookbacks: dict[str, int]  # held / reopened / too_few
    ballots: dict[str, int]  # satisfied / basic / unsatisfied / unknown
    open_items: list[Problem]
    evaluations: list[tuple[evaluations.Sheet, list[evaluations.SubjectResult]]] = field(default_factory=list)
    progress_days: list[date] = field(default_factory=list)
    progress_listed: list[int] = field(default_factory=list)
    progress_closed: list[int] = field(default_factory=list)
    extended: int = 0  # extensions approved in the period: offices are judged on them
    hotspots: list[hotspot_groups.Hotspot] = field(default_factory=list)
    hotspots_in_all: int = 0  # groups of the period with at least k opinions; the largest are named
    # of the opinions, those from the public box (群众): 0 when fewer than k (withheld), and by
    # category only the categories with at least k of them
    opinions_from_public: int = 0
    public_by_category: dict[str, int] = field(default_factory=dict)
    k: int = 5  # the anonymity set: a report names no opinion category with fewer opinions

    @property
    def satisfaction(self) -> float | None:
        """满意 + 基本满意 among the counted votes, or None without votes."""
        counted = sum(self.ballots.get(c, 0) for c in COUNTED)
        if not counted:
            return None
        return (self.ballots.get("satisfied", 0) + self.ballots.get("basic", 0)) / counted


def campaign_start(db: sqlite_utils.Database, zone: ZoneInfo, today: date) -> date:
    """The first day anything was listed or submitted: the default start of a report."""
    first_problem = db.execute("select min(created_at) from problems").fetchone()[0]
    first_opinion = db.execute("select min(submitted_on) from opinions where released = 1").fetchone()[0]
    days = [parse_iso(first_problem).astimezone(zone).date()] if first_problem else []
    days += [date.fromisoformat(first_opinion)] if first_opinion else []
    return min(days, default=today)


def _local_day(text: str | None, zone: ZoneInfo) -> date | None:
    return parse_iso(text).astimezone(zone).date() if text else None


def _in(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def _opinion_counts(db, start: date, end: date, moment: str) -> tuple[dict[str, int], dict[str, int]]:
    """Released opinions only: a count that moved before the batch would date each arrival.
    By category as received; by status as each stood at `moment` (the period's end), replayed
    from the office's audited actions on it and the problems it was listed under. Nothing new
    is stored for this: the trail records what the office did and when, never when an opinion
    arrived."""
    period = [start.isoformat(), end.isoformat()]
    by_category = {
        r[0]: r[1]
        for r in db.execute(
            "select category, count(*) from opinions where released = 1 and submitted_on between ? and ? "
            "group by category "
            "order by 2 desc, 1",
            period,
        )
    }
    now = {
        r[0]: r[1]
        for r in db.execute(
            f"select id, {opinions.STATUS_WITH_LIST} from opinions where released = 1 "
            "and submitted_on between ? and ?",
            period,
        )
    }
    events: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for subject, action, at in db.execute(
        "select subject, action, at from audit where subject like 'opinion:%' order by id"
    ):
        opinion_id = subject.removeprefix("opinion:")
        if opinion_id in now:
            events[opinion_id].append((at, action))
    listed: dict[str, list[str]] = defaultdict(list)  # opinion -> when each of its problems was listed
    for opinion_id, created_at in db.execute(
        "select po.opinion_id, p.created_at from problem_opinions po join problems p on p.id = po.problem_id"
    ):
        if opinion_id in now:
            listed[opinion_id].append(created_at)
    statuses = Counter(
        _opinion_as_of(state, events.get(opinion_id, []), listed.get(opinion_id, []), moment)
        for opinion_id, state in now.items()
    )
    by_status = dict(sorted(statuses.items(), key=lambda item: (-item[1], item[0])))
    return by_category, by_status


def _opinion_as_of(now: str, events: list[tuple[str, str]], listed: list[str], moment: str) -> str:
    """An opinion's status at `moment`. What nothing has changed since is taken as it is now
    (rows seeded without a trail keep their state); otherwise it is replayed from 新."""
    if all(at < moment for at, _ in events) and all(at < moment for at in listed):
        return now
    status = opinions.NEW
    replied = False
    for at, action in events:
        if at >= moment:
            break
        if action == "opinion.reply":
            replied = True
            status = opinions.REPLIED if status == opinions.NEW else status
        elif action == "opinion.back_to_office":
            status = opinions.REPLIED if replied else opinions.NEW
        elif action in _OPINION_MOVES:
            status = _OPINION_MOVES[action]
    if status in opinions.OPEN_STATUSES and any(at < moment for at in listed):
        return "on_list"
    return status


_OPINION_MOVES = {
    "opinion.duplicate": opinions.DUPLICATE,
    "opinion.to_leader": opinions.FORWARDED,
    "opinion.close": opinions.CLOSED,
}


def _reopened(db, start: date, end: date, zone: ZoneInfo, action: str = "problem.reopen") -> int:
    rows = db.execute("select at from audit where action = ?", [action]).fetchall()
    return sum(_in(_local_day(r[0], zone), start, end) for r in rows)


def _lookbacks(db, start: date, end: date) -> tuple[dict[str, int], dict[str, int]]:
    period = [start.isoformat(), end.isoformat()]
    results = {
        r[0]: r[1]
        for r in db.execute(
            "select result, count(*) from lookbacks where result is not null and closes_on between ? and ? "
            "group by result",
            period,
        )
    }
    # Counts of look-backs that published none (too few votes) are left out, as the bot does.
    ballots = {
        r[0]: r[1]
        for r in db.execute(
            "select b.choice, count(*) from lookback_ballots b join lookbacks l on l.id = b.lookback_id "
            "where l.result in ('held', 'reopened') and l.closes_on between ? and ? group by b.choice",
            period,
        )
    }
    return results, ballots


def _departments(found: list[Problem], end: date) -> list[DepartmentRow]:
    rows: dict[str, DepartmentRow] = defaultdict(lambda: DepartmentRow(""))
    for problem in found:
        name = problem.department or NO_DEPARTMENT
        row = rows[name]
        row.department = name
        row.total += 1
        row.closed += problem.status == CLOSED
        row.working += problem.status in problem_rules.WORKING
        row.overdue += _overdue(problem, end)
        row.explained += problem.status == EXPLAINED
    return sorted(rows.values(), key=lambda r: (-r.total, r.department))


def _overdue(problem: Problem, on: date) -> bool:
    late = problem.deadline is not None and problem.deadline < on
    return late and problem.status not in (CLOSED, EXPLAINED)


def _progress(found: list[Problem], start: date, end: date, zone: ZoneInfo) -> tuple[list, list, list]:
    created = Counter(p.created_at.astimezone(zone).date() for p in found)
    closed = Counter(p.closed_at.astimezone(zone).date() for p in found if p.closed_at and p.status == CLOSED)
    days, listed, done = [], [], []
    running_listed = sum(n for d, n in created.items() if d < start)
    running_closed = sum(n for d, n in closed.items() if d < start)
    day = start
    while day <= end:
        running_listed += created.get(day, 0)
        running_closed += closed.get(day, 0)
        days.append(day)
        listed.append(running_listed)
        done.append(running_closed)
        day += timedelta(days=1)
    return days, listed, done


def _evaluations(db, start: date, end: date, zone: ZoneInfo, min_ballots: int, rule: str) -> list:
    """Sheets that closed within the period, with their results."""
    return [
        (sheet, evaluations.results(db, sheet, min_ballots, rule))
        for sheet in evaluations.all_sheets(db)
        if sheet.concluded and _in(sheet.closes_at.astimezone(zone).date(), start, end)
    ]


def _events_by_problem(db, ids: set[int]) -> dict[int, list[tuple[str, str, dict]]]:
    events: dict[int, list] = defaultdict(list)
    for subject, action, detail, at in db.execute(
        "select subject, action, detail, at from audit where subject like 'problem:%' order by id"
    ):
        problem_id = int(subject.split(":")[1])
        if problem_id in ids:
            events[problem_id].append((at, action.removeprefix("problem."), json.loads(detail or "{}")))
    return events


def _replayed(problem: Problem, events: list[tuple[str, str, dict]], moment: str) -> Problem:
    """The problem as it stood at `moment`, from the audit trail. What nothing has changed
    since is taken as it is now (rows seeded without a trail keep their state)."""
    before = [e for e in events if e[0] < moment]
    after = [e for e in events if e[0] >= moment]
    if not after:
        return problem
    moves = [e for e in before if "to" in e[2]]
    later_moves = [e for e in after if "from" in e[2]]
    status = moves[-1][2]["to"] if moves else (later_moves[0][2]["from"] if later_moves else problem.status)
    progress = problem.progress
    if any(a in _PROGRESS_OF for _, a, _ in after):
        progress = next((_PROGRESS_OF[a](d) for _, a, d in reversed(before) if a in _PROGRESS_OF), 0)
    deadline = problem.deadline
    later_deadlines = [(a, d) for _, a, d in after if a in _DEADLINE_OF]
    if later_deadlines:
        set_before = [_DEADLINE_OF[a](d) for _, a, d in before if a in _DEADLINE_OF]
        text = set_before[-1] if set_before else later_deadlines[0][1].get("old_deadline")
        deadline = date.fromisoformat(text) if text else None
    closes = [at for at, a, _ in before if a == "close"]
    closed_at = (parse_iso(closes[-1]) if closes else problem.closed_at) if status == CLOSED else None
    return replace(problem, status=status, progress=progress, deadline=deadline, closed_at=closed_at)


def as_of(db: sqlite_utils.Database, found: list[Problem], moment: datetime) -> list[Problem]:
    """Each problem as it stood at `moment`: a report for a past period counts what was true at
    its end, not what is true today."""
    events = _events_by_problem(db, {p.id for p in found})
    stamp = iso(moment)
    return [_replayed(p, events.get(p.id, []), stamp) for p in found]


def _from_public(db, start: date, end: date, k: int) -> dict:
    """The 群众 opinions of the period, counted apart from staff's only from k on: a report
    goes upward, and a count of one or two beside the staff's could single a guest out."""
    by_category = dict(
        db.execute(
            "select category, count(*) from opinions where released = 1 and public = 1 "
            "and submitted_on between ? and ? group by category order by 2 desc, 1",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
    )
    total = sum(by_category.values())
    if total < k:
        return {"opinions_from_public": 0, "public_by_category": {}}
    shown = {c: n for c, n in by_category.items() if n >= k}
    if 0 < total - sum(shown.values()) < k:
        shown = {}  # the total less the categories shown would count the rest: under k
    return {"opinions_from_public": total, "public_by_category": shown}


def summarize(
    db: sqlite_utils.Database,
    start: date,
    end: date,
    zone: ZoneInfo,
    min_ballots: int = 5,
    rule: str = evaluations.DEFAULT_RULE,
) -> Summary:
    """The period [start, end], both days included, as it stood at the end of its last day.
    Problems listed after `end` are left out."""
    found = [
        p for p in problem_rules.each(db, by_deadline=True) if p.created_at.astimezone(zone).date() <= end
    ]
    moment = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    found = as_of(db, found, moment)
    by_category, by_status = _opinion_counts(db, start, end, iso(moment))
    results, ballots = _lookbacks(db, start, end)
    days, listed, closed = _progress(found, start, end, zone)
    return Summary(
        start=start,
        end=end,
        opinions_by_category=by_category,
        opinions_by_status=by_status,
        found=sum(_in(p.created_at.astimezone(zone).date(), start, end) for p in found),
        closed=sum(
            p.status == CLOSED
            and p.closed_at is not None
            and _in(p.closed_at.astimezone(zone).date(), start, end)
            for p in found
        ),
        overdue=sum(_overdue(p, end) for p in found),
        explained=sum(p.status == EXPLAINED for p in found),
        reopened=_reopened(db, start, end, zone),
        extended=_reopened(db, start, end, zone, "problem.extend"),
        total=len(found),
        departments=_departments(found, end),
        lookbacks=results,
        ballots=ballots,
        open_items=[p for p in found if p.status not in (CLOSED, EXPLAINED, LISTED)]
        + [p for p in found if p.status == LISTED],
        **_from_public(db, start, end, min_ballots),
        evaluations=_evaluations(db, start, end, zone, min_ballots, rule),
        progress_days=days,
        progress_listed=listed,
        progress_closed=closed,
        hotspots=hotspot_groups.for_report(db, start, end),
        hotspots_in_all=hotspot_groups.count_for_report(db, start, end),
        k=min_ballots,
    )
