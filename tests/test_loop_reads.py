"""Reads that run on the event loop for every person who asks stay index reads: `/ledger`
counts the public problems (to say how many pages) on every ask."""

from __future__ import annotations

from storage import problems


def _plan_of_count(db, which: problems.Filter) -> tuple[int, str]:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        found = problems.count(db, which)
    finally:
        db.conn.set_trace_callback(None)
    [sql] = [s for s in statements if "count(*)" in s]
    return found, " / ".join(row[3] for row in db.execute(f"explain query plan {sql}"))


def test_counting_the_public_problems_reads_an_index_alone(db):
    for n in range(30):
        problems.create(db, f"问题{n}", None, public=n % 3 != 0)
    found, plan = _plan_of_count(db, problems.PUBLIC)
    assert found == 20
    assert "COVERING INDEX problems_public" in plan and "people" not in plan and "departments" not in plan


def test_a_count_by_department_name_still_reads_the_departments(db):
    problems.create(db, "问题", None)
    found, plan = _plan_of_count(db, problems.Filter(department="门诊部"))
    assert found == 0 and " d " in f" {plan} "
