"""Digests for leaders and the office: what a leader would otherwise have to ask for.

A leader's digest covers their own problems (by traffic light), what changed since their last
digest, what falls due in the next 7 days, new opinions about their departments and look-back
results. The office's covers the whole institution and adds opinion counts, overdue items by
department and who cannot be reached. A digest with nothing new is not sent.

Opinions are counted by the whole days since the last digest (they carry a date, never a
time), so each one is reported exactly once.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from storage import evaluations, people, self_checks
from storage import hotspots as hotspot_groups
from storage import problems as problem_rules
from storage.clock import iso, parse_iso
from storage.dates import is_working_day
from storage.opinions import STATUS_WITH_LIST
from storage.people import Person
from storage.problems import WORKING, Problem

DAILY, WEEKLY, OFF = "daily", "weekly", "off"
FREQUENCIES = (DAILY, WEEKLY, OFF)
DEFAULT_TIME = time(8, 30)
DUE_SOON_DAYS = 7
LIST_LIMIT = 8  # lines a section shows; the rest is counted ("另有 N 项")


@dataclass(frozen=True)
class DigestSetting:
    person_id: int
    frequency: str
    at: time
    last_digest_at: datetime | None


def setting(db: sqlite_utils.Database, person_id: int) -> DigestSetting:
    row = db.execute(
        "select frequency, at_time, last_digest_at from digest_settings where person_id = ?", [person_id]
    ).fetchone()
    if row is None:
        return DigestSetting(person_id, DAILY, DEFAULT_TIME, None)
    return DigestSetting(person_id, row[0], time.fromisoformat(row[1]), parse_iso(row[2]) if row[2] else None)


def choose(
    db: sqlite_utils.Database, person_id: int, *, frequency: str | None = None, at: time | None = None
) -> DigestSetting:
    current = setting(db, person_id)
    if frequency is not None and frequency not in FREQUENCIES:
        raise ValueError(frequency)
    with db.atomic():
        db.table("digest_settings").upsert(
            {
                "person_id": person_id,
                "frequency": frequency or current.frequency,
                "at_time": (at or current.at).strftime("%H:%M"),
                "last_digest_at": iso(current.last_digest_at) if current.last_digest_at else None,
            },
            pk="person_id",
        )
    return setting(db, person_id)


def record_digest(db: sqlite_utils.Database, person_id: int, moment: datetime) -> None:
    current = setting(db, person_id)
    with db.atomic():
        db.table("digest_settings").upsert(
            {
                "person_id": person_id,
                "frequency": current.frequency,
                "at_time": current.at.strftime("%H:%M"),
                "last_digest_at": iso(moment),
            },
            pk="person_id",
        )


def is_digest_day(frequency: str, day: date) -> bool:
    """Daily: every working day. Weekly: the first working day of the week (Monday, or the day
    after a holiday that took Monday)."""
    if frequency == OFF or not is_working_day(day):
        return False
    if frequency == DAILY:
        return True
    monday = day - timedelta(days=day.weekday())
    return not any(is_working_day(monday + timedelta(days=n)) for n in range(day.weekday()))


def slot_between(chosen: DigestSetting, after: datetime, until: datetime, zone: ZoneInfo) -> datetime | None:
    """The latest digest time in (after, until]; a bot that was down sends one digest, not one
    per missed day, and none on a rest day: back on Saturday, it left Friday's for Monday's,
    which covers both (leaders are not sent yesterday's news on their day off)."""
    day = until.astimezone(zone).date()
    if not is_working_day(day):
        return None
    while True:
        slot = datetime.combine(day, chosen.at, tzinfo=zone)
        if slot <= after:
            return None
        if slot <= until and is_digest_day(chosen.frequency, day):
            return slot
        day -= timedelta(days=1)


def any_due_between(db: sqlite_utils.Database, after: datetime, until: datetime, zone: ZoneInfo) -> bool:
    """Whether anyone's digest time, on any working day, falls in (after, until]: one small
    query, so that an ordinary minute does not read the roster to find the digests' readers
    (with 50 institutions, most of the sweeper's idle pass)."""
    chosen = {DEFAULT_TIME} | {
        time.fromisoformat(r[0])
        for r in db.execute("select distinct at_time from digest_settings where frequency != ?", [OFF])
    }
    return any(slot_between(DigestSetting(0, DAILY, at, None), after, until, zone) for at in chosen)


def default_since(chosen: DigestSetting, slot: datetime) -> datetime:
    """Where a first digest starts: one day (or one week) back."""
    return chosen.last_digest_at or slot - timedelta(days=7 if chosen.frequency == WEEKLY else 1)


# ---- what goes into a digest ------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    problem_id: int
    title: str
    action: str  # the audit action without "problem."
    at: datetime
    detail: dict


@dataclass(frozen=True)
class OpinionNote:
    category: str
    department: str | None
    text: str
    anonymous: bool


@dataclass(frozen=True)
class NewOpinions:
    """A digest's new opinions: the first few to show, and the counts of all of them."""

    shown: list[OpinionNote]
    anonymous: int
    by_category: dict[str, int]
    # of them, from the public box (群众); for a leader 0 when fewer than k (withheld: a small
    # count beside the staff's could single a guest out), the office sees its inbox's count
    public: int = 0

    @property
    def count(self) -> int:
        return sum(self.by_category.values())


@dataclass
class OfficeFigures:
    opinions_by_status: dict[str, int]
    overdue_by_department: dict[str, list[Problem]]
    unreachable: list[Person]
    not_joined: int
    overdue_self_checks: list = field(default_factory=list)
    evaluation_turnout: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Digest:
    today: date
    since: datetime
    by_light: dict[str, list[Problem]]
    changes: list[Change]
    due_soon: list[Problem]
    newly_late: list[Problem]
    opinions: NewOpinions
    office: OfficeFigures | None = None
    departments: dict[str, Counter] = field(default_factory=dict)
    hotspots: list[hotspot_groups.Hotspot] = field(default_factory=list)
    newly_waiting: list[Problem] = field(default_factory=list)  # turned amber waiting on 下单
    amber_days: int = 3  # Thresholds.amber_days: an amber one due later than this has stalled

    def stalled_days(self, problem: Problem) -> int | None:
        """Days since a department's amber problem last moved, when it is amber for that (no
        progress) rather than for its deadline; None otherwise. A leader read 期限 2026-12-25 under
        🟡 and could not tell why it was there."""
        if problem.status not in problem_rules.WORKING:
            return None
        if problem.deadline and problem.deadline <= self.today + timedelta(days=self.amber_days):
            return None
        return (self.today - (problem.last_progress_at or problem.created_at).date()).days

    @property
    def lookback_results(self) -> list[Change]:
        return [c for c in self.changes if c.action == "lookback_result"]

    def is_empty(self) -> bool:
        """Nothing new since the last digest: no change, no opinion, nothing newly late or due."""
        newly_due = [
            p
            for p in self.due_soon
            if p.deadline and p.deadline > self.since.date() + timedelta(days=DUE_SOON_DAYS)
        ]
        overdue_reports = self.office.overdue_self_checks if self.office else []
        return not (
            self.changes
            or self.opinions.count
            or self.newly_late
            or self.newly_waiting
            or newly_due
            or overdue_reports
        )


@dataclass(frozen=True)
class Thresholds:
    amber_days: int = 3
    stale_days: int = 14
    k: int = 5  # ANONYMITY_SET: the fewest 群众 opinions a leader's digest counts apart
    unclaimed: tuple[int, int] = problem_rules.UNCLAIMED_WORKING_DAYS  # 待接单: amber, red


NO_DEPARTMENT = "—"  # listed or claimed, not yet dispatched; named in words where shown


def _lights(found: list[Problem], today: date, thresholds: Thresholds) -> tuple[dict, dict]:
    by_light: dict[str, list[Problem]] = {name: [] for name in problem_rules.LIGHTS}
    departments: dict[str, Counter] = defaultdict(Counter)
    for problem in found:
        colour = problem_rules.light(
            problem, today, thresholds.amber_days, thresholds.stale_days, thresholds.unclaimed
        )
        by_light[colour].append(problem)
        departments[problem.department or NO_DEPARTMENT][colour] += 1
    return by_light, dict(sorted(departments.items()))


def _changes(db: sqlite_utils.Database, since: datetime, titles: dict[int, str]) -> list[Change]:
    """Changes after `since` to the problems in `titles`."""
    found = []
    for row in db.query(
        "select at, action, subject, detail from audit where at > ? and subject like "
        "'problem:%' order by at, id",
        [iso(since)],
    ):
        problem_id = int(row["subject"].split(":")[1])
        if problem_id in titles:
            found.append(
                Change(
                    problem_id,
                    titles[problem_id],
                    row["action"].removeprefix("problem."),
                    parse_iso(row["at"]),
                    json.loads(row["detail"]) if row["detail"] else {},
                )
            )
    return found


def _opinions(
    db: sqlite_utils.Database,
    since_day: date,
    today: date,
    leader_id: int | None,
    department_ids: set[int] | None,
) -> NewOpinions:
    """Released opinions of the whole days [since_day, today): about these departments, or
    sent to this leader (all of them when no departments are given). Counted from the indexes,
    and only the lines shown are read: a large hospital's leader can have hundreds in a day.
    Never the author."""
    found, params = _new_opinions(since_day, today, leader_id, department_ids)
    by_category = db.execute(
        f"select category, count(*), sum(anonymous), sum(public) from ({found}) "
        "group by category order by 2 desc, 1",
        params,
    ).fetchall()
    shown = (
        db.execute(
            "select o.category, d.name, o.text, o.anonymous from opinions o left join departments d "
            f"on d.id = o.department_id where o.id in (select id from ({found}) "
            "order by submitted_on, category limit ?) order by o.submitted_on, o.category",
            [*params, LIST_LIMIT],
        )
        if by_category
        else []
    )
    return NewOpinions(
        shown=[
            OpinionNote(category, department, text, bool(anonymous))
            for category, department, text, anonymous in shown
        ],
        anonymous=sum(row[2] for row in by_category),
        by_category={row[0]: row[1] for row in by_category},
        public=sum(row[3] for row in by_category),
    )


def _new_opinions(
    since_day: date, today: date, leader_id: int | None, department_ids: set[int] | None
) -> tuple[str, list]:
    """The query of the new opinions' (id, submitted_on, category, anonymous, public) and its
    parameters."""
    columns = "select o.id, o.submitted_on, o.category, o.anonymous, o.public from opinions o"
    days = [since_day.isoformat(), today.isoformat()]
    new = "o.submitted_on >= ? and o.submitted_on < ? and {released} = 1 and o.status != 'duplicate'"
    if department_ids is None:
        return f"{columns} where {new.format(released='o.released')}", days
    ids = sorted(department_ids)
    listed = ",".join("?" * len(ids))
    # Two halves instead of an OR, so that each is read from its index alone; "+" keeps SQLite
    # on the department-and-day index rather than the released-and-day one (a whole day).
    new = new.format(released="+o.released")
    elsewhere = f"(o.department_id is null or o.department_id not in ({listed}))"
    query = (
        f"{columns} where o.department_id in ({listed}) and {new} union all "
        f"{columns} where o.leader_id = ? and {elsewhere} and {new}"
    )
    return query, [*ids, *days, leader_id, *ids, *days]


DUE = (*WORKING, problem_rules.CLOSURE_REQUESTED)  # asked to close is not closed: still due


def _due_soon(found: list[Problem], today: date) -> list[Problem]:
    """Due from today to the 7th day after it, both included, nearest first."""
    until = today + timedelta(days=DUE_SOON_DAYS)
    soon = [p for p in found if p.status in DUE and p.deadline and today <= p.deadline <= until]
    return sorted(soon, key=lambda p: (p.deadline, p.id))


def _newly_late(found: list[Problem], since_day: date, today: date) -> list[Problem]:
    return [p for p in found if p.status in WORKING and p.deadline and since_day <= p.deadline < today]


def _newly_waiting(
    by_light: dict[str, list[Problem]], since_day: date, today: date, thresholds: Thresholds
) -> list[Problem]:
    """Claimed or reopened problems that turned amber since the last digest for waiting on their
    leader's 下单 (problems.still_before), and listed ones that turned amber or red for waiting
    on anyone's 接单: news, so that a digest with nothing else new still goes, rather than the
    leader or the office learning it only on tapping 📊 简报."""
    limits = (thresholds.amber_days, thresholds.stale_days, thresholds.unclaimed)
    found = [
        problem
        for colour in (problem_rules.RED, problem_rules.AMBER)
        for problem in by_light[colour]
        if problem.status == problem_rules.LISTED
        and problem_rules.light(problem, since_day, *limits) != colour
    ]
    stale_days = thresholds.stale_days
    for problem in by_light[problem_rules.AMBER]:
        if problem.status not in (problem_rules.CLAIMED, problem_rules.REOPENED):
            continue
        moved = (problem.last_progress_at or problem.created_at).date()
        waiting_now = moved < problem_rules.still_before(problem.status, today, stale_days)
        if waiting_now and moved >= problem_rules.still_before(problem.status, since_day, stale_days):
            found.append(problem)
    return found


def _since_day(since: datetime, zone: ZoneInfo) -> date:
    return since.astimezone(zone).date()


def for_leader(
    db: sqlite_utils.Database,
    leader: Person,
    since: datetime,
    today: date,
    zone: ZoneInfo,
    thresholds: Thresholds = Thresholds(),
) -> Digest:
    found = list(problem_rules.each(db, problem_rules.of_leader(leader.id), by_deadline=True))
    by_light, departments = _lights(found, today, thresholds)
    department_ids = {p.department_id for p in found if p.department_id} | {leader.department_id}
    since_day = _since_day(since, zone)
    opinions = _opinions(db, since_day, today, leader.id, department_ids)
    if opinions.public < thresholds.k:
        opinions = replace(opinions, public=0)  # withheld from leaders under k
    return Digest(
        today=today,
        since=since,
        by_light=by_light,
        departments=departments,
        changes=_changes(db, since, {p.id: p.title for p in found}),
        due_soon=_due_soon(found, today),
        newly_late=_newly_late(found, since_day, today),
        opinions=opinions,
        hotspots=hotspot_groups.for_leader_digest(db, sorted(department_ids), since_day),
        newly_waiting=_newly_waiting(by_light, since_day, today, thresholds),
        amber_days=thresholds.amber_days,
    )


def for_office(
    db: sqlite_utils.Database,
    since: datetime,
    today: date,
    zone: ZoneInfo,
    thresholds: Thresholds = Thresholds(),
) -> Digest:
    found = list(problem_rules.each(db, by_deadline=True))
    by_light, departments = _lights(found, today, thresholds)
    since_day = _since_day(since, zone)
    opinions = _opinions(db, since_day, today, None, None)
    overdue: dict[str, list[Problem]] = defaultdict(list)
    for problem in by_light[problem_rules.RED]:
        if problem.deadline and problem.deadline < today:  # not the red of nobody claiming it
            overdue[problem.department or NO_DEPARTMENT].append(problem)
    figures = OfficeFigures(
        opinions_by_status={
            r[0]: r[1]
            for r in db.execute(
                f"select {STATUS_WITH_LIST} as state, count(*) from opinions where released = 1 "
                "group by state order by 2 desc"
            )
        },
        overdue_by_department=dict(sorted(overdue.items())),
        unreachable=people.unreachable(db),
        not_joined=people.not_joined_count(db),
        overdue_self_checks=self_checks.overdue(db, today),
        evaluation_turnout=[
            (sheet.title, *evaluations.turnout(db, sheet)) for sheet in evaluations.open_sheets(db)
        ],
    )
    return Digest(
        today=today,
        since=since,
        by_light=by_light,
        departments=departments,
        changes=_changes(db, since, {p.id: p.title for p in found}),
        due_soon=_due_soon(found, today),
        newly_late=_newly_late(found, since_day, today),
        opinions=opinions,
        office=figures,
        hotspots=hotspot_groups.for_office_digest(db, since_day),
        newly_waiting=_newly_waiting(by_light, since_day, today, thresholds),
        amber_days=thresholds.amber_days,
    )
