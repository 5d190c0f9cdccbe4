"""督办: the supervising body's orders to its institutions, kept in the body's database.

An order becomes a problem in the institution's own database (source 上级督办, its title
marked 【督办】) that goes through claim → dispatch → progress like any other; when the office
would close it, the supervisor is asked instead, and only their confirmation closes it (or
their refusal returns it to the department). Orders escalate by the steps of 五书制, each step
recorded: 通知 (the order itself) → 提醒 (the deadline is near) → 告诫 (it has passed) →
约谈 (a week past it, a talk with the institution's leaders), automatically or by the
supervisor's hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from storage import audit, problems
from storage.clock import clock, iso

NOTICE, REMINDER, WARNING, TALK = 1, 2, 3, 4  # 通知 提醒 告诫 约谈
STEPS = (NOTICE, REMINDER, WARNING, TALK)
STEP_NAMES = {NOTICE: "notice", REMINDER: "reminder", WARNING: "warning", TALK: "talk"}
OPEN, CONFIRMING, CONFIRMED = "open", "confirming", "confirmed"
MARK = "【督办】"
REMIND_BEFORE = 3  # days before the deadline: 提醒
TALK_AFTER = 7  # days past the deadline: 约谈 (告诫 the day after it)
MAX_TITLE = 200


@dataclass(frozen=True)
class Order:
    id: int
    institution_id: int
    problem_id: int | None
    title: str
    details: str
    deadline: date
    issued_by: int | None
    step: int
    status: str


class OrderError(Exception):
    """Refused; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _order(row: dict) -> Order:
    return Order(
        row["id"],
        row["institution_id"],
        row["problem_id"],
        row["title"],
        row["details"],
        date.fromisoformat(row["deadline"]),
        row["issued_by"],
        row["step"],
        row["status"],
    )


def get(db: sqlite_utils.Database, order_id: int) -> Order | None:
    rows = list(db.query("select * from supervision_orders where id = ?", [order_id]))
    return _order(rows[0]) if rows else None


def of_problem(db: sqlite_utils.Database, institution_id: int, problem_id: int) -> Order | None:
    rows = list(
        db.query(
            "select * from supervision_orders where institution_id = ? and problem_id = ?",
            [institution_id, problem_id],
        )
    )
    return _order(rows[0]) if rows else None


def open_orders(db: sqlite_utils.Database, institution_id: int | None = None) -> list[Order]:
    where, params = "status != 'confirmed'", []
    if institution_id is not None:
        where, params = where + " and institution_id = ?", [institution_id]
    query = f"select * from supervision_orders where {where} order by deadline, id"
    return [_order(r) for r in db.query(query, params)]


MAX_COMMENT = 1000  # a sent-back closure's reason, as a returned report's (refused whole beyond it)


def open_twin(
    db: sqlite_utils.Database, institution_id: int, title: str, problem_id: int | None = None
) -> Order | None:
    """The open order to this institution with the same words (or on the same problem)."""
    title = " ".join(title.split())
    for order in open_orders(db, institution_id):
        if order.title == title or (problem_id is not None and order.problem_id == problem_id):
            return order
    return None


def check(
    body_db: sqlite_utils.Database,
    unit_db: sqlite_utils.Database,
    institution_id: int,
    title: str,
    problem_id: int | None = None,
) -> str:
    """The order's title as it would be issued, or the OrderError `issue` would raise: the
    preview before 确认下达 refuses what 确认 would."""
    title = " ".join(title.split())
    if not title:
        raise OrderError("no_title")
    if len(title) > MAX_TITLE:  # refused, never cut: the supervisor shortens it
        raise OrderError("too_long")
    if open_twin(body_db, institution_id, title, problem_id) is not None:
        raise OrderError("twin")  # the same order sent twice (no answer seen yet, typed again)
    if problem_id is not None:
        existing = problems.get(unit_db, problem_id)
        if existing is None:
            raise OrderError("no_problem")
        if existing.status in (problems.CLOSED, problems.EXPLAINED):
            raise OrderError("problem_done")
    return title


def brought_forward(problem: problems.Problem, deadline: date) -> date | None:
    """The problem's own deadline when the order's is earlier: the order brings it forward to
    the bureau's date (reminders, the light and 申请延期 then count to the date the 告诫 and 约谈
    follow). None when the problem is due sooner, or has no deadline yet (下单 sets it, bounded
    by the order's)."""
    return problem.deadline if problem.deadline and problem.deadline > deadline else None


def issue(
    body_db: sqlite_utils.Database,
    unit_db: sqlite_utils.Database,
    institution_id: int,
    title: str,
    deadline: date,
    supervisor_id: int | None,
    *,
    details: str = "",
    problem_id: int | None = None,
    public: bool = True,
) -> Order:
    """An order to an institution: a new problem there, or (problem_id) one of its problems put
    under supervision. Two databases, two transactions: the institution's problem first, so an
    order never points at nothing (a failure between leaves a listed problem without its order,
    which the office sees and can close)."""
    title = check(body_db, unit_db, institution_id, title, problem_id)
    if problem_id is None:
        problem_id = problems.create(  # public: False for what must stay confidential (述职评议)
            unit_db, MARK + title, None, description=details, source=problems.SUPERVISION, public=public
        )
    else:
        existing = problems.get(unit_db, problem_id)
        assert existing is not None  # check() found it
        moved_from = brought_forward(existing, deadline)
        kept = deadline if moved_from else existing.deadline
        moved = {"deadline": str(deadline), "old_deadline": str(moved_from)} if moved_from else {}
        with unit_db.atomic():  # the problem is now the supervisor's to close
            unit_db.execute(
                "update problems set source = ?, title = ?, deadline = ? where id = ?",
                [
                    problems.SUPERVISION,
                    existing.title if existing.title.startswith(MARK) else MARK + existing.title,
                    kept.isoformat() if kept else None,
                    problem_id,
                ],
            )
            audit.record(
                unit_db,
                "problem.supervised",
                f"problem:{problem_id}",
                None,
                **moved,
            )
    now = iso(clock.now())
    with body_db.atomic():
        order_id = body_db.execute(
            "insert into supervision_orders (institution_id, problem_id, title, details, deadline, "
            "issued_by, issued_at) values (?, ?, ?, ?, ?, ?, ?)",
            [institution_id, problem_id, title, details, deadline.isoformat(), supervisor_id, now],
        ).lastrowid
        assert order_id is not None
        _record_step(body_db, order_id, NOTICE, supervisor_id)
        audit.record(body_db, "order.issue", f"order:{order_id}", supervisor_id, institution=institution_id)
    found = get(body_db, order_id)
    assert found is not None
    return found


def _record_step(db: sqlite_utils.Database, order_id: int, step: int, by: int | None, note: str = "") -> None:
    db.execute(
        "insert or ignore into supervision_steps values (?, ?, ?, ?, ?)",
        [order_id, step, iso(clock.now()), by, note],
    )


def escalate(db: sqlite_utils.Database, order_id: int, by: int | None, to: int | None = None) -> Order:
    """The next step of 五书制 (or `to`, never back down): recorded, with who took it (None:
    the sweeper, by the calendar)."""
    with db.atomic():
        order = get(db, order_id)
        if order is None:
            raise OrderError("not_found")
        if order.status == CONFIRMED:
            raise OrderError("done")
        target = to if to is not None else order.step + 1
        if to is not None and order.step >= target:  # taken already (a double tap, the calendar)
            raise OrderError("already_at")
        if target > TALK or target <= order.step:
            raise OrderError("last_step")
        db.execute("update supervision_orders set step = ? where id = ?", [target, order_id])
        _record_step(db, order_id, target, by)
        audit.record(db, "order.escalate", f"order:{order_id}", by, step=target)
    found = get(db, order_id)
    assert found is not None
    return found


def due_step(order: Order, today: date) -> int:
    """The step the calendar calls for: 提醒 from REMIND_BEFORE days before the deadline, 告诫
    from the day after it, 约谈 from TALK_AFTER days after it."""
    if today > order.deadline + timedelta(days=TALK_AFTER - 1):
        return TALK
    if today > order.deadline:
        return WARNING
    if today >= order.deadline - timedelta(days=REMIND_BEFORE):
        return REMINDER
    return NOTICE


def escalations_due(db: sqlite_utils.Database, today: date) -> list[tuple[Order, int]]:
    """(order, the step it should be at) for every open order behind the calendar. An order
    waiting for the supervisor's confirmation is not chased."""
    return [
        (o, due_step(o, today)) for o in open_orders(db) if o.status == OPEN and due_step(o, today) > o.step
    ]


def ask_confirmation(db: sqlite_utils.Database, order_id: int) -> bool:
    """The institution's office would close the problem: the supervisor decides. False when it
    was asked already (a double tap)."""
    with db.atomic():
        changed = db.execute(
            "update supervision_orders set status = ? where id = ? and status = ?",
            [CONFIRMING, order_id, OPEN],
        ).rowcount
        if changed:
            audit.record(db, "order.ask_confirmation", f"order:{order_id}", None)
    return bool(changed)


def decide(db: sqlite_utils.Database, order_id: int, supervisor_id: int, confirmed: bool) -> bool:
    """The supervisor's word on a closure: confirmed (the order is done) or not (open again).
    False when it was not waiting for one (decided already)."""
    with db.atomic():
        changed = db.execute(
            "update supervision_orders set status = ?, confirmed_at = ? where id = ? and status = ?",
            [CONFIRMED if confirmed else OPEN, iso(clock.now()) if confirmed else None, order_id, CONFIRMING],
        ).rowcount
        if changed:
            audit.record(
                db, "order.confirm" if confirmed else "order.send_back", f"order:{order_id}", supervisor_id
            )
    return bool(changed)


def steps(db: sqlite_utils.Database, order_id: int) -> list[tuple[int, str]]:
    """(step, when) of every step taken, in order."""
    return [
        (r[0], r[1])
        for r in db.execute(
            "select step, at from supervision_steps where order_id = ? order by at, step", [order_id]
        )
    ]


@dataclass
class OrderFigures:
    open: int = 0
    confirming: int = 0
    confirmed: int = 0
    overdue: int = 0
    by_step: dict[int, int] = field(default_factory=dict)  # open orders by their step


def figures_by_institution(db: sqlite_utils.Database, today: date) -> dict[int, OrderFigures]:
    found: dict[int, OrderFigures] = {}
    for row in db.execute(
        "select institution_id, status, step, deadline < ? from supervision_orders", [today.isoformat()]
    ):
        figures = found.setdefault(row[0], OrderFigures(by_step={}))
        if row[1] == CONFIRMED:
            figures.confirmed += 1
            continue
        if row[1] == CONFIRMING:
            figures.confirming += 1
        else:
            figures.open += 1
        figures.overdue += bool(row[3])
        figures.by_step[row[2]] = figures.by_step.get(row[2], 0) + 1
    return found
