"""申请延期 (extensions): a department head or the problem's leader asks for a later deadline
with a reason; the problem's leader decides a head's request, the office a leader's. An approved
extension moves the deadline (reminders follow, since they are worked out from it) and is
counted in the ledger and the report. Every step writes an audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlite_utils

from storage import audit
from storage import problems as problem_rules
from storage.clock import clock, iso
from storage.people import HEAD, LEADER, OFFICE, Person
from storage.problems import WORKING, ProblemError

APPROVED, REFUSED = "approved", "refused"
REASON_LIMIT = 500


@dataclass(frozen=True)
class Extension:
    id: int
    problem_id: int
    requester_id: int
    reason: str
    old_deadline: date | None
    new_deadline: date
    decider_role: str  # "leader" or "office"
    decision: str | None


def _extension(row) -> Extension:
    return Extension(
        row["id"],
        row["problem_id"],
        row["requester_id"],
        row["reason"],
        date.fromisoformat(row["old_deadline"]) if row["old_deadline"] else None,
        date.fromisoformat(row["new_deadline"]),
        row["decider_role"],
        row["decision"],
    )


def _written(db: sqlite_utils.Database, extension_id: int) -> Extension:
    found = get(db, extension_id)
    assert found is not None, "read back within the transaction that wrote it"
    return found


def get(db: sqlite_utils.Database, extension_id: int) -> Extension | None:
    rows = list(db.query("select * from problem_extensions where id = ?", [extension_id]))
    return _extension(rows[0]) if rows else None


def pending(db: sqlite_utils.Database, problem_id: int) -> Extension | None:
    rows = list(
        db.query("select * from problem_extensions where problem_id = ? and decision is null", [problem_id])
    )
    return _extension(rows[0]) if rows else None


def approved_count(db: sqlite_utils.Database, problem_id: int) -> int:
    return db.execute(
        "select count(*) from problem_extensions where problem_id = ? and decision = ?",
        [problem_id, APPROVED],
    ).fetchone()[0]


def approved_counts(db: sqlite_utils.Database) -> dict[int, int]:
    """Approved extensions per problem, for the whole ledger at once."""
    return dict(
        db.execute(
            "select problem_id, count(*) from problem_extensions where decision = ? group by problem_id",
            [APPROVED],
        ).fetchall()
    )


def decider_role(problem: problem_rules.Problem, asker: Person) -> str:
    """Who decides: the leader decides for a head, the office for the leader."""
    return "office" if asker.id == problem.leader_id else "leader"


def may_ask(problem: problem_rules.Problem, asker: Person) -> bool:
    own_leader = LEADER in asker.roles and asker.id == problem.leader_id
    own_head = HEAD in asker.roles and asker.department_id == problem.department_id
    return (own_leader or own_head) and problem.status in WORKING and problem.deadline is not None


def ask(
    db: sqlite_utils.Database, problem_id: int, asker: Person, reason: str, new_deadline: date, today: date
) -> Extension:
    reason = reason.strip()[:REASON_LIMIT]
    with db.atomic():
        problem = problem_rules.get(db, problem_id)
        if problem is None:
            raise ProblemError("not_found")
        if not may_ask(problem, asker) or problem.deadline is None:
            raise ProblemError("not_allowed" if problem.status in WORKING else "wrong_state", problem.status)
        if pending(db, problem_id):
            raise ProblemError("extension_pending")
        if not reason:
            raise ProblemError("missing_fields", "reason")
        if new_deadline <= problem.deadline or new_deadline < today:
            raise ProblemError("extension_not_later", problem.deadline.isoformat())
        role = decider_role(problem, asker)
        extension_id = db.execute(
            "insert into problem_extensions (problem_id, requester_id, reason, old_deadline, new_deadline, "
            "asked_at, decider_role) values (?, ?, ?, ?, ?, ?, ?)",
            [
                problem_id,
                asker.id,
                reason,
                problem.deadline.isoformat(),
                new_deadline.isoformat(),
                iso(clock.now()),
                role,
            ],
        ).lastrowid
        assert extension_id is not None  # an insert's row
        audit.record(
            db,
            "problem.extension_ask",
            f"problem:{problem_id}",
            asker.id,
            reason=reason,
            new_deadline=new_deadline.isoformat(),
            old_deadline=problem.deadline.isoformat(),
        )
    return _written(db, extension_id)


def may_decide(db: sqlite_utils.Database, extension: Extension, decider: Person) -> bool:
    if extension.decider_role == "office":
        return OFFICE in decider.roles
    problem = problem_rules.get(db, extension.problem_id)
    return problem is not None and LEADER in decider.roles and decider.id == problem.leader_id


def decide(db: sqlite_utils.Database, extension_id: int, decider: Person, approve: bool) -> Extension:
    """Approve (the deadline moves) or refuse; once only, by whoever decides this request."""
    with db.atomic():
        extension = get(db, extension_id)
        if extension is None:
            raise ProblemError("not_found")
        if not may_decide(db, extension, decider):
            raise ProblemError("not_allowed")
        if extension.decision is not None:
            raise ProblemError("extension_decided")
        decision = APPROVED if approve else REFUSED
        db.execute(
            "update problem_extensions set decision = ?, decider_id = ?, decided_at = ? where id = ?",
            [decision, decider.id, iso(clock.now()), extension_id],
        )
        subject = f"problem:{extension.problem_id}"
        if approve:
            db.execute(
                "update problems set deadline = ? where id = ?",
                [extension.new_deadline.isoformat(), extension.problem_id],
            )
            audit.record(
                db,
                "problem.extend",
                subject,
                decider.id,
                deadline=extension.new_deadline.isoformat(),
                old_deadline=extension.old_deadline.isoformat() if extension.old_deadline else None,
            )
        else:
            audit.record(
                db, "problem.extension_refuse", subject, decider.id, text=extension.new_deadline.isoformat()
            )
    return _written(db, extension_id)
