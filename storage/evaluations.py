"""Democratic evaluation (民主评议): rating sheets, ballots kept apart from voters, results.

A ballot is stored as one row per subject and item (or one "abstain" row for a subject the
person skipped), with a random key and no voter: nothing ties the rows of one person together
or to them. Ballots reach the disk through the mixing pool (storage/anonymous_pool.py): only
with the voter rows of at least k raters, all rows shuffled; what is left when the sheet
closes is written without its raters. The voters list holds who rated and the day, never the
time, so that nobody rates twice and those who have not can be reminded.

The overall grade follows a rule that an office can change (EVALUATION_RULE), by default:
好 if 好 >= 50% and 一般 + 差 < 10%; else 较好 if 好 + 较好 >= 60%; else 差 if 差 >= 30%; else 一般.
It is worked out on the item 总体评价 when the sheet has one, otherwise on all items together.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from storage import anonymous_pool, audit, people, problems
from storage.clock import clock, iso, parse_iso
from storage.departments import current_names  # a name renamed since the form offered it
from storage.keys import Keys
from storage.people import Person
from storage.problems import ProblemError

DEFAULT_ITEMS = ("对党建工作重视程度", "党建工作成效", "问题查摆到位情况", "廉政勤政", "总体评价")
DEFAULT_GRADES = ("好", "较好", "一般", "差")
OVERALL_ITEM = "总体评价"
# what a rater's review calls each item, where a screen of subjects has no room for the whole
# name: the party-building pair keep 党建, so that the two are told apart
SHORT_ITEMS = {
    "对党建工作重视程度": "党建重视",
    "党建工作成效": "党建成效",
    "问题查摆到位情况": "问题查摆",
    "廉政勤政": "廉政勤政",
    "总体评价": "总体评价",
}
MAX_TITLE = 200  # characters: a sheet's title heads every screen a rater sees
ABSTAIN = "abstain"
DEFAULT_RULE = "好:好>=50,一般+差<10; 较好:好+较好>=60; 差:差>=30; 一般"
STAFF_GROUP, SLIP_GROUP = "staff", "slip"  # who a ballot came from: the roster, or a rating slip
SLIP_PREFIX = "slip_"  # the deep link's payload: t.me/<bot>?start=slip_<code>
SLIP_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
SLIP_LENGTH = 16  # 80 random bits: a slip cannot be guessed from another
MAX_SLIPS = 96  # at one time (eight A4 pages of 12)


class EvaluationError(Exception):
    """Refused; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Subject:
    position: int
    name: str
    person_id: int | None = None
    department_id: int | None = None
    problem_id: int | None = None


@dataclass(frozen=True)
class Sheet:
    id: int
    title: str
    items: tuple[str, ...]
    grades: tuple[str, ...]
    roles: frozenset[str]
    departments: frozenset[str]
    opens_at: datetime
    closes_at: datetime
    concluded: bool
    published: bool
    subjects: tuple[Subject, ...]

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at and not self.concluded

    def may_rate(self, person: Person) -> bool:
        return (
            person.active
            and (not self.roles or person.has_any(self.roles))
            and (not self.departments or person.department in self.departments)
        )

    def subjects_for(self, person: Person) -> list[Subject]:
        """Everyone rates every subject but themselves."""
        return [s for s in self.subjects if s.person_id != person.id]


# ---- the rule for the overall grade ------------------------------------------------------

Condition = tuple[tuple[str, ...], str, float]
RULE_PART = re.compile(r"^\s*([^:：]+?)\s*(?:[:：](.*))?$")
CONDITION = re.compile(r"^\s*([^<>=]+?)\s*(>=|<=|<|>)\s*(\d+(?:\.\d+)?)\s*%?\s*$")


def parse_rule(text: str) -> list[tuple[str, list[Condition]]]:
    """'好:好>=50,一般+差<10; 较好:好+较好>=60; 差:差>=30; 一般' → [(grade, conditions)…]; the
    last grade must have no condition (it is what is left)."""
    rule = []
    for part in (p for p in text.split(";") if p.strip()):
        match = RULE_PART.match(part)
        if not match:
            raise ValueError(part)
        grade, conditions = match[1], match[2]
        parsed = []
        for condition in (c for c in (conditions or "").split(",") if c.strip()):
            found = CONDITION.match(condition)
            if not found:
                raise ValueError(condition)
            parsed.append((tuple(g.strip() for g in found[1].split("+")), found[2], float(found[3])))
        rule.append((grade, parsed))
    if not rule or rule[-1][1]:
        raise ValueError("the last grade must have no condition")
    return rule


def _holds(condition: Condition, shares: dict[str, float]) -> bool:
    grades, op, percent = condition
    share = 100 * sum(shares.get(g, 0.0) for g in grades)
    return {">=": share >= percent, "<=": share <= percent, ">": share > percent, "<": share < percent}[op]


def overall_grade(shares: dict[str, float], rule: list[tuple[str, list[Condition]]]) -> str:
    return next(grade for grade, conditions in rule if all(_holds(c, shares) for c in conditions))


# ---- sheets --------------------------------------------------------------------------------


def create(
    db: sqlite_utils.Database,
    title: str,
    subjects: list[Subject],
    closes_at: datetime,
    *,
    items: tuple[str, ...] = DEFAULT_ITEMS,
    grades: tuple[str, ...] = DEFAULT_GRADES,
    roles: frozenset[str] = frozenset(),
    departments: frozenset[str] = frozenset(),
    created_by: int | None = None,
) -> int:
    now = clock.now()
    if not title.strip() or not subjects or not items or len(grades) < 2:
        raise EvaluationError("incomplete")
    if closes_at <= now:
        raise EvaluationError("past_close")
    with db.atomic():
        sheet_id = db.execute(
            "insert into evaluation_sheets (title, items, grades, roles, departments, opens_at, closes_at, "
            "created_by) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                title.strip(),
                json.dumps(list(items), ensure_ascii=False),
                json.dumps(list(grades), ensure_ascii=False),
                " ".join(sorted(roles)),
                json.dumps(sorted(current_names(db, departments)), ensure_ascii=False),
                iso(now),
                iso(closes_at),
                created_by,
            ],
        ).lastrowid
        assert sheet_id is not None  # an insert's row id (as in self_checks.request)
        for position, subject in enumerate(subjects):
            db.execute(
                "insert into evaluation_subjects (sheet_id, position, name, person_id, department_id) "
                "values (?, ?, ?, ?, ?)",
                [sheet_id, position, subject.name, subject.person_id, subject.department_id],
            )
        audit.record(db, "evaluation.create", f"evaluation:{sheet_id}", created_by, title=title)
    return sheet_id


def _sheet(db: sqlite_utils.Database, row: dict) -> Sheet:
    subjects = tuple(
        Subject(r["position"], r["name"], r["person_id"], r["department_id"], r["problem_id"])
        for r in db.query(
            "select * from evaluation_subjects where sheet_id = ? order by position", [row["id"]]
        )
    )
    return Sheet(
        row["id"],
        row["title"],
        tuple(json.loads(row["items"])),
        tuple(json.loads(row["grades"])),
        frozenset(row["roles"].split()),
        frozenset(json.loads(row["departments"])),
        parse_iso(row["opens_at"]),
        parse_iso(row["closes_at"]),
        bool(row["concluded"]),
        bool(row["published"]),
        subjects,
    )


def get(db: sqlite_utils.Database, sheet_id: int) -> Sheet | None:
    rows = list(db.query("select * from evaluation_sheets where id = ?", [sheet_id]))
    return _sheet(db, rows[0]) if rows else None


def all_sheets(db: sqlite_utils.Database) -> list[Sheet]:
    return [_sheet(db, r) for r in db.query("select * from evaluation_sheets order by id desc")]


def open_sheets(db: sqlite_utils.Database) -> list[Sheet]:
    return [
        _sheet(db, r) for r in db.query("select * from evaluation_sheets where concluded = 0 order by id")
    ]


def eligible(db: sqlite_utils.Database, sheet: Sheet) -> list[Person]:
    """Who may rate the sheet (and has someone to rate: not only themselves)."""
    return [p for p in people.everyone(db) if sheet.may_rate(p) and sheet.subjects_for(p)]


def turnout(db: sqlite_utils.Database, sheet: Sheet) -> tuple[int, int]:
    return voter_count(db, sheet.id), len(eligible(db, sheet))


def on_voters_list(db: sqlite_utils.Database, sheet_id: int, person_id: int) -> bool:
    """Rated and written with a batch: what the file says, and all that a notice written to the
    file may follow. One whose ballot waits in the mixing pool is reminded like one who has not
    rated, or the outbox would name who waits, and so whose ballot the close writes alone."""
    return (
        db.execute(
            "select 1 from evaluation_voters where sheet_id = ? and person_id = ?", [sheet_id, person_id]
        ).fetchone()
        is not None
    )


def has_rated(db: sqlite_utils.Database, sheet_id: int, person_id: int) -> bool:
    """Rated: on the voters list, or waiting in the mixing pool (then not reminded either)."""
    return anonymous_pool.pool_for(db).has_rated(sheet_id, person_id) or (
        db.execute(
            "select 1 from evaluation_voters where sheet_id = ? and person_id = ?", [sheet_id, person_id]
        ).fetchone()
        is not None
    )


def voter_count(db: sqlite_utils.Database, sheet_id: int) -> int:
    return db.execute("select count(*) from evaluation_voters where sheet_id = ?", [sheet_id]).fetchone()[0]


def submit(
    db: sqlite_utils.Database,
    sheet_id: int,
    person: Person,
    ratings: dict[int, dict[int, int] | None],
    today: date,
) -> None:
    """One person's whole ballot: for each subject the grade index per item, or None (does not
    know them: abstains). All or nothing; a second submission is refused. The ballot waits in
    the mixing pool for its batch."""
    sheet = get(db, sheet_id)
    if sheet is None or not sheet.is_open(clock.now()):
        raise EvaluationError("closed")
    if not sheet.may_rate(person):
        raise EvaluationError("not_invited")
    _check_complete(sheet, {s.position for s in sheet.subjects_for(person)}, ratings)
    if has_rated(db, sheet_id, person.id):
        raise EvaluationError("already")
    anonymous_pool.pool_for(db).add_rating(sheet_id, person.id, _rows(sheet, ratings), today.isoformat())


def _check_complete(sheet: Sheet, expected: set[int], ratings: dict[int, dict[int, int] | None]) -> None:
    if set(ratings) != expected or any(
        r is not None
        and (
            set(r) != set(range(len(sheet.items))) or not all(0 <= g < len(sheet.grades) for g in r.values())
        )
        for r in ratings.values()
    ):
        raise EvaluationError("incomplete")


def _rows(sheet: Sheet, ratings: dict[int, dict[int, int] | None]) -> list[tuple]:
    rows = []
    for subject, grades in ratings.items():
        graded = [(None, ABSTAIN)] if grades is None else [(i, sheet.grades[g]) for i, g in grades.items()]
        rows += [(subject, item, grade) for item, grade in graded]
    return rows


def conclude(db: sqlite_utils.Database, sheet_id: int) -> bool:
    """Close the sheet; ballots still waiting for a batch are written first, without their
    raters."""
    anonymous_pool.pool_for(db).write_sheet(sheet_id, with_voters=False)
    with db.atomic():
        return (
            db.execute(
                "update evaluation_sheets set concluded = 1 where id = ? and concluded = 0", [sheet_id]
            ).rowcount
            == 1
        )


def publish(db: sqlite_utils.Database, sheet_id: int, actor_id: int) -> None:
    with db.atomic():
        db.execute("update evaluation_sheets set published = 1 where id = ?", [sheet_id])
        audit.record(db, "evaluation.publish", f"evaluation:{sheet_id}", actor_id)


# ---- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectResult:
    subject: Subject
    ballots: int
    abstained: int
    shares: tuple[dict[str, float], ...]  # per item: grade -> share of that item's ballots
    overall: str | None  # None when there are too few ballots to show anything
    flagged: bool


def results(
    db: sqlite_utils.Database,
    sheet: Sheet,
    min_ballots: int,
    rule_text: str = DEFAULT_RULE,
    group: str = STAFF_GROUP,
) -> list[SubjectResult]:
    """Each subject's result among one group's ballots (staff by default; the rating slips'
    are counted on their own, under the same k)."""
    rule = parse_rule(rule_text)
    counts: dict[tuple[int, int | None], dict[str, int]] = {}
    for row in db.query(
        "select subject, item, grade, count(*) as n from evaluation_ballots where sheet_id = ? "
        "and grp = ? group by subject, item, grade",
        [sheet.id, group],
    ):
        counts.setdefault((row["subject"], row["item"]), {})[row["grade"]] = row["n"]
    found = []
    for subject in sheet.subjects:
        ballots = sum(counts.get((subject.position, 0), {}).values())
        abstained = counts.get((subject.position, None), {}).get(ABSTAIN, 0)
        if ballots < min_ballots:
            found.append(SubjectResult(subject, ballots, abstained, (), None, False))
            continue
        shares = tuple(
            {g: counts.get((subject.position, i), {}).get(g, 0) / ballots for g in sheet.grades}
            for i in range(len(sheet.items))
        )
        basis = _overall_shares(sheet, shares)
        overall = overall_grade(basis, rule)
        found.append(
            SubjectResult(subject, ballots, abstained, shares, overall, overall in sheet.grades[-2:])
        )
    return found


def _overall_shares(sheet: Sheet, shares: tuple[dict[str, float], ...]) -> dict[str, float]:
    if OVERALL_ITEM in sheet.items:
        return shares[sheet.items.index(OVERALL_ITEM)]
    return {g: sum(item[g] for item in shares) / len(shares) for g in sheet.grades}


def flag_to_problem(
    db: sqlite_utils.Database, sheet: Sheet, position: int, overall: str, actor: Person
) -> int:
    """约谈、限期整改: the flagged subject becomes a problem on the list, once."""
    subject = next((s for s in sheet.subjects if s.position == position), None)
    if subject is None:
        raise ProblemError("not_found")
    if subject.problem_id:
        raise ProblemError("already_flagged", str(subject.problem_id))
    with db.atomic():
        problem_id = problems.create(
            db,
            f"民主评议“{sheet.title}”：{subject.name} 总体评价“{overall}”，约谈、限期整改",
            actor.id,
            description=f"来自民主评议 #{sheet.id}：{sheet.title}",
            source="evaluation",
            public=False,  # confidential: off the public ledger, out of staff's /history
        )
        db.execute(
            "update evaluation_subjects set problem_id = ? where sheet_id = ? and position = ?",
            [problem_id, sheet.id, position],
        )
    return problem_id


# ---- who sees the results: the office and the leaders it names ------------------------------

STANDING = 0  # the viewers named for every sheet


def named_viewers(db: sqlite_utils.Database, scope: int) -> set[int]:
    """The people named for this sheet alone (or, with STANDING, for every sheet)."""
    return {r[0] for r in db.execute("select person_id from evaluation_viewers where sheet_id = ?", [scope])}


def toggle_viewer(db: sqlite_utils.Database, scope: int, person_id: int, actor_id: int) -> bool:
    """Name this person to see the results of the sheet (or of every sheet), or take them off
    again; True when they are named now."""
    with db.atomic():
        removed = db.execute(
            "delete from evaluation_viewers where sheet_id = ? and person_id = ?", [scope, person_id]
        ).rowcount
        if not removed:
            db.execute("insert into evaluation_viewers values (?, ?)", [scope, person_id])
        audit.record(
            db,
            "evaluation.viewer_removed" if removed else "evaluation.viewer_named",
            f"evaluation:{scope}",
            actor_id,
            person=person_id,
        )
    return not removed


def viewers(db: sqlite_utils.Database, sheet: Sheet) -> set[int]:
    return named_viewers(db, sheet.id) | named_viewers(db, STANDING)


def judged(db: sqlite_utils.Database, sheet: Sheet, person: Person) -> set[int]:
    """The subjects this person is judged in: themselves, and their department when they head
    it. They never see those results, nor the problems flagged from them."""
    return {
        s.position
        for s in sheet.subjects
        if s.person_id == person.id
        or (
            s.department_id is not None
            and s.department_id == person.department_id
            and people.HEAD in person.roles
        )
    }


def may_view(db: sqlite_utils.Database, sheet: Sheet, person: Person) -> bool:
    return sheet.concluded and person.active and person.id in viewers(db, sheet)


def viewed_by(db: sqlite_utils.Database, person: Person) -> list[Sheet]:
    """The closed sheets whose results this person was named to see, newest first."""
    return [s for s in all_sheets(db) if may_view(db, s, person)]


def flagged_from(db: sqlite_utils.Database, problem_id: int) -> tuple[Sheet, Subject] | None:
    row = db.execute(
        "select sheet_id, position from evaluation_subjects where problem_id = ?", [problem_id]
    ).fetchone()
    sheet = get(db, row[0]) if row else None
    if sheet is None:
        return None
    return sheet, next(s for s in sheet.subjects if s.position == row[1])


def may_see_problem(db: sqlite_utils.Database, problem_id: int, person: Person) -> bool:
    """A confidential problem flagged from a sheet: seen by the leaders named for the sheet,
    never by the person (or the head of the department) it judges."""
    found = flagged_from(db, problem_id)
    if found is None:
        return False
    sheet, subject = found
    return may_view(db, sheet, person) and subject.position not in judged(db, sheet, person)


def barred_from(db: sqlite_utils.Database, problem_id: int) -> set[int]:
    """Who may never hold a problem flagged from a sheet: the person it judges and the heads of
    the department it judges."""
    found = flagged_from(db, problem_id)
    if found is None:
        return set()
    sheet, subject = found
    return {p.id for p in people.everyone(db) if subject.position in judged(db, sheet, p)}


# ---- rating slips (评议票): service users' representatives and 监督员 --------------------------


def issue_slips(
    db: sqlite_utils.Database, sheet_id: int, count: int, keys: Keys, actor_id: int | None = None
) -> list[str]:
    """`count` new one-time slips for an open sheet; returns their codes, which are kept
    nowhere else (the printed page is the only copy): the database holds keyed hashes."""
    sheet = get(db, sheet_id)
    if sheet is None or not sheet.is_open(clock.now()):
        raise EvaluationError("closed")
    if not 1 <= count <= MAX_SLIPS:
        raise EvaluationError("slip_count")
    codes = ["".join(secrets.choice(SLIP_ALPHABET) for _ in range(SLIP_LENGTH)) for _ in range(count)]
    with db.atomic():
        db.conn.executemany(
            "insert into evaluation_slips (slip_hash, sheet_id) values (?, ?)",
            [(keys.slip_hash(code), sheet_id) for code in codes],
        )
        audit.record(db, "evaluation.slips", f"evaluation:{sheet_id}", actor_id, count=count)
    return codes


def slip_code(payload: str) -> str | None:
    """The slip's code in a deep link's payload (`slip_<code>`), or None."""
    if not payload.startswith(SLIP_PREFIX):
        return None
    code = payload[len(SLIP_PREFIX) :]
    return code if len(code) == SLIP_LENGTH and code.isascii() and code.isalnum() else None


def holds_slip(db: sqlite_utils.Database, code: str, keys: Keys) -> bool:
    """Whether this database issued the slip (used or not): in a deployment of several
    institutions (督导), which one a slip's link leads to. One indexed lookup."""
    return (
        db.execute("select 1 from evaluation_slips where slip_hash = ?", [keys.slip_hash(code)]).fetchone()
        is not None
    )


def slip_sheet(db: sqlite_utils.Database, code: str, keys: Keys) -> Sheet:
    """The open sheet a slip votes on; EvaluationError("slip_unknown" / "slip_used" / "closed")."""
    slip_hash = keys.slip_hash(code)
    row = db.execute(
        "select sheet_id, used from evaluation_slips where slip_hash = ?", [slip_hash]
    ).fetchone()
    if row is None:
        raise EvaluationError("slip_unknown")
    sheet = get(db, row[0])
    if sheet is None or not sheet.is_open(clock.now()):
        raise EvaluationError("closed")
    if row[1] or anonymous_pool.pool_for(db).has_rated(sheet.id, slip_hash):
        raise EvaluationError("slip_used")
    return sheet


def submit_slip(
    db: sqlite_utils.Database, code: str, keys: Keys, ratings: dict[int, dict[int, int] | None], today: date
) -> None:
    """A slip's whole ballot, on every subject; counted in the slips' group. Like a person's,
    it waits in the mixing pool, and the slip is marked used with its batch (until then the
    pool itself refuses a second ballot)."""
    sheet = slip_sheet(db, code, keys)
    _check_complete(sheet, {s.position for s in sheet.subjects}, ratings)
    anonymous_pool.pool_for(db).add_rating(
        sheet.id, keys.slip_hash(code), _rows(sheet, ratings), today.isoformat(), group=SLIP_GROUP
    )


def slip_turnout(db: sqlite_utils.Database, sheet_id: int) -> tuple[int, int]:
    """(ballots cast with slips, slips issued). Counted from the ballots (each has one row per
    subject, graded or abstaining), not from the slips marked used: the last ones before the
    sheet closes are written without marking their slips, which would pair them."""
    cast = db.execute(
        "select count(*) from evaluation_ballots where sheet_id = ? and grp = ? "
        "and (item = 0 or item is null) "
        "and subject = (select min(position) from evaluation_subjects where sheet_id = ?)",
        [sheet_id, SLIP_GROUP, sheet_id],
    ).fetchone()[0]
    issued = db.execute("select count(*) from evaluation_slips where sheet_id = ?", [sheet_id]).fetchone()[0]
    return cast, issued
