"""Self-check reports (自查报告): the office asks a department or a person for one by a date;
the author writes the three parts (自查方式, 存在的问题及原因, 整改措施) or sends a document;
the reviewer approves it or returns it with a comment, and a returned report is redone.
Problems named in a report go onto the list linked back to it.

A self-check report is signed by its author: nothing here is anonymous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from storage import audit, problems
from storage.clock import clock, iso, parse_iso
from storage.people import HEAD, OFFICE, Person

REQUESTED, SUBMITTED, RETURNED, APPROVED = "requested", "submitted", "returned", "approved"
TO_WRITE = (REQUESTED, RETURNED)
PARTS = ("method", "findings", "measures")
# "1. …", "（一）…", "一、…", "- …" at the start of a line: one problem per numbered line.
NUMBERING = re.compile(
    r"^\s*(?:[0-9]+[.、．)）]|[（(][一二三四五六七八九十0-9]+[)）]|[一二三四五六七八九十]+、|[-•·*])\s*"
)


class SelfCheckError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SelfCheck:
    id: int
    department_id: int | None
    department: str | None
    person_id: int | None
    person: str | None
    reviewer_id: int | None
    due_on: date
    status: str
    author_id: int | None
    method: str | None
    findings: str | None
    measures: str | None
    document_name: str | None
    comment: str | None
    submitted_at: datetime | None

    @property
    def subject(self) -> str:
        return self.person or self.department or "—"


_SELECT = """
select s.*, d.name as department, p.name as person from self_checks s
left join departments d on d.id = s.department_id left join people p on p.id = s.person_id
"""


def _self_check(row: dict) -> SelfCheck:
    return SelfCheck(
        row["id"],
        row["department_id"],
        row["department"],
        row["person_id"],
        row["person"],
        row["reviewer_id"],
        date.fromisoformat(row["due_on"]),
        row["status"],
        row["author_id"],
        row["method"],
        row["findings"],
        row["measures"],
        row["document_name"],
        row["comment"],
        parse_iso(row["submitted_at"]) if row["submitted_at"] else None,
    )


def get(db: sqlite_utils.Database, self_check_id: int) -> SelfCheck | None:
    rows = list(db.query(f"{_SELECT} where s.id = ?", [self_check_id]))
    return _self_check(rows[0]) if rows else None


def listing(db: sqlite_utils.Database, where: str = "1", params: list | None = None) -> list[SelfCheck]:
    return [
        _self_check(r) for r in db.query(f"{_SELECT} where {where} order by s.due_on, s.id", params or [])
    ]


def _existing(db: sqlite_utils.Database, self_check_id: int) -> SelfCheck:
    """A report this transaction has just changed."""
    found = get(db, self_check_id)
    assert found is not None
    return found


def to_write(db: sqlite_utils.Database) -> list[SelfCheck]:
    """Asked for or returned: still to be written (or written again)."""
    return listing(db, "s.status in (?, ?)", list(TO_WRITE))


def document(db: sqlite_utils.Database, self_check_id: int) -> tuple[bytes, str] | None:
    row = db.execute(
        "select document, document_name from self_checks where id = ?", [self_check_id]
    ).fetchone()
    return (row[0], row[1]) if row and row[0] else None


def default_reviewer(
    db: sqlite_utils.Database, department_id: int | None, person: Person | None, office_reviews: bool
) -> int | None:
    """A department's report goes to its leader (the leader with most problems there), a
    person's to a head of their department; the office when there is none, or when the
    office reviews everything (SELF_CHECK_REVIEWER=office)."""
    found = None
    if not office_reviews and person is None and department_id:
        found = db.execute(
            "select leader_id from problems where department_id = ? and leader_id is not null "
            "group by leader_id order by count(*) desc, leader_id limit 1",
            [department_id],
        ).fetchone()
    elif not office_reviews and person is not None:
        found = db.execute(
            "select id from people where department_id = ? and active = 1 and id != ? and "
            "(' ' || roles || ' ') like ? order by id limit 1",
            [person.department_id, person.id, f"% {HEAD} %"],
        ).fetchone()
    if found:
        return found[0]
    office = db.execute(
        "select id from people where active = 1 and (' ' || roles || ' ') like ? order by id limit 1",
        [f"% {OFFICE} %"],
    ).fetchone()
    return office[0] if office else None


def twin(
    db: sqlite_utils.Database, due_on: date, department_id: int | None, person_id: int | None
) -> SelfCheck | None:
    """The report not yet approved that the same department or person owes by the same date."""
    found = listing(
        db,
        "s.due_on = ? and s.status != ? and s.department_id is ? and s.person_id is ?",
        [due_on.isoformat(), APPROVED, department_id, person_id],
    )
    return found[0] if found else None


def request(
    db: sqlite_utils.Database,
    due_on: date,
    actor: Person,
    *,
    department_id: int | None = None,
    person: Person | None = None,
    reviewer_id: int | None = None,
) -> int:
    if (department_id is None) == (person is None):
        raise SelfCheckError("who")
    if due_on < clock.now().date():
        raise SelfCheckError("past")
    if twin(db, due_on, department_id, person.id if person else None) is not None:
        raise SelfCheckError("twin")  # the same request sent twice: its authors would be asked twice
    with db.atomic():
        self_check_id = db.execute(
            "insert into self_checks (department_id, person_id, reviewer_id, requested_by, due_on, "
            "created_at) values (?, ?, ?, ?, ?, ?)",
            [
                department_id,
                person.id if person else None,
                reviewer_id,
                actor.id,
                due_on.isoformat(),
                iso(clock.now()),
            ],
        ).lastrowid
        audit.record(
            db, "self_check.request", f"self_check:{self_check_id}", actor.id, due_on=due_on.isoformat()
        )
    assert self_check_id is not None
    return self_check_id


def is_author(report: SelfCheck, person: Person) -> bool:
    """The person asked, or for a department one of its heads."""
    if report.person_id is not None:
        return person.id == report.person_id
    return person.department_id == report.department_id and HEAD in person.roles


def may_review(report: SelfCheck, person: Person) -> bool:
    return person.id == report.reviewer_id or OFFICE in person.roles


def submit(
    db: sqlite_utils.Database,
    self_check_id: int,
    author: Person,
    *,
    method: str = "",
    findings: str = "",
    measures: str = "",
    document: bytes | None = None,
    document_name: str | None = None,
) -> SelfCheck:
    """The three parts, or a document instead. Only while it is asked for or returned."""
    parts = [method.strip(), findings.strip(), measures.strip()]
    if document is None and not all(parts):
        raise SelfCheckError("incomplete")
    with db.atomic():
        report = get(db, self_check_id)
        if report is None or not is_author(report, author):
            raise SelfCheckError("not_yours")
        if report.status not in TO_WRITE:
            raise SelfCheckError("wrong_state")
        db.execute(
            "update self_checks set status = ?, author_id = ?, method = ?, findings = ?, measures = ?, "
            "document = ?, document_name = ?, submitted_at = ? where id = ? and status in (?, ?)",
            [
                SUBMITTED,
                author.id,
                *parts,
                document,
                document_name,
                iso(clock.now()),
                self_check_id,
                *TO_WRITE,
            ],
        )
        audit.record(db, "self_check.submit", f"self_check:{self_check_id}", author.id)
    return _existing(db, self_check_id)


def review(
    db: sqlite_utils.Database, self_check_id: int, reviewer: Person, approve: bool, comment: str = ""
) -> SelfCheck:
    if not approve and not comment.strip():
        raise SelfCheckError("comment")
    with db.atomic():
        report = get(db, self_check_id)
        if report is None or not may_review(report, reviewer):
            raise SelfCheckError("not_yours")
        if report.status != SUBMITTED:
            raise SelfCheckError("wrong_state")
        db.execute(
            "update self_checks set status = ?, comment = ?, reviewed_at = ? where id = ?",
            [APPROVED if approve else RETURNED, comment.strip() or None, iso(clock.now()), self_check_id],
        )
        audit.record(
            db,
            "self_check.approve" if approve else "self_check.return",
            f"self_check:{self_check_id}",
            reviewer.id,
            comment=comment.strip(),
        )
    return _existing(db, self_check_id)


def overdue(db: sqlite_utils.Database, today: date) -> list[SelfCheck]:
    """Asked for or returned, past the date: still to be written."""
    return listing(db, "s.status in (?, ?) and s.due_on < ?", [*TO_WRITE, today.isoformat()])


def named_problems(report: SelfCheck) -> list[str]:
    """The problems a report names: one per numbered line of 存在的问题及原因 (or per line)."""
    lines = [line.strip() for line in (report.findings or "").splitlines() if line.strip()]
    return [NUMBERING.sub("", line).strip() for line in lines if NUMBERING.sub("", line).strip()]


def list_problems(db: sqlite_utils.Database, self_check_id: int, actor: Person) -> list[int]:
    """Every problem the report names goes onto the list, linked back to the report, once; only
    by whoever may review it (its reviewer, or the office), and only once it is approved: a
    report sent back, or not yet read, is not a finding."""
    with db.atomic():
        report = get(db, self_check_id)
        if report is None or not may_review(report, actor):
            raise SelfCheckError("not_yours")
        if report.status != APPROVED:
            raise SelfCheckError("wrong_state")
        if db.execute(
            "select 1 from self_check_problems where self_check_id = ?", [self_check_id]
        ).fetchone():
            raise SelfCheckError("already_listed")
        names = named_problems(report)
        if not names:
            raise SelfCheckError("no_problems")
        ids = []
        for name in names:
            problem_id = problems.create(
                db,
                name[:200],
                actor.id,
                description=f"来自自查报告 #{report.id}（{report.subject}）",
                source="self_check",
            )
            db.execute("insert into self_check_problems values (?, ?)", [self_check_id, problem_id])
            if report.department_id:
                db.execute(
                    "update problems set department_id = ? where id = ?", [report.department_id, problem_id]
                )
            ids.append(problem_id)
    return ids


def report_of_problem(db: sqlite_utils.Database, problem_id: int) -> int | None:
    row = db.execute(
        "select self_check_id from self_check_problems where problem_id = ?", [problem_id]
    ).fetchone()
    return row[0] if row else None
