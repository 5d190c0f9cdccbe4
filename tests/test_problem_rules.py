"""The problem state machine against a real SQLite file: every state × action × role."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import dump

from storage import people, problems, roster
from storage.dates import add_working_days
from storage.problems import ProblemError

ROSTER = """姓名,科室,角色
职工甲,门诊部,职工
主任甲,门诊部,科室负责人
主任乙,住院部,科室负责人
领导甲,院办,班子成员
领导乙,院办,班子成员
办公室,组织人事科,活动办
"""
PERSONAS = {
    "staff": "职工甲",
    "own_head": "主任甲",
    "other_head": "主任乙",
    "own_leader": "领导甲",
    "other_leader": "领导乙",
    "office": "办公室",
    "system": None,
}

# Written out from DOMAIN.md and the issue, independently of storage.problems.TRANSITIONS.
W = ("dispatched", "in_progress", "returned")
EXPECTED = {
    "claim": (("listed",), {"own_leader", "other_leader"}, "claimed"),
    "assign": (("listed",), {"office"}, "claimed"),
    "dispatch": (("claimed", "reopened"), {"own_leader"}, "dispatched"),
    "report": (W, {"own_head"}, "in_progress"),
    "request_closure": (W, {"own_head"}, "closure_requested"),
    "close": (("closure_requested",), {"office"}, "closed"),
    "return": (("closure_requested",), {"office"}, "returned"),
    "explain": (("claimed", *W, "reopened"), {"own_leader"}, "explained"),
    "revisit": (("explained",), {"own_leader", "office", "system"}, "claimed"),
    "reopen": (("closed",), {"office", "system"}, "reopened"),
}
TABLES = ("problems", "problem_reports", "problem_report_photos", "audit")
TODAY = date(2026, 11, 23)


@pytest.fixture
def cast(db):
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    by_name = {p.name: p for p in people.everyone(db)}
    return {role: by_name[name] if name else None for role, name in PERSONAS.items()}


def _fields(action: str, cast, db) -> dict:
    outpatient = cast["own_head"].department_id
    return {
        "claim": lambda actor: {"actor_id": actor.id if actor else 0},
        "assign": lambda actor: {"leader_id": cast["own_leader"].id},
        "dispatch": lambda actor: {
            "measures": "增设窗口",
            "department_id": outpatient,
            "deadline": date(2026, 12, 31),
            "today": TODAY,
        },
        "report": lambda actor: {"text": "已完成一半", "percent": 50, "actor_id": actor.id if actor else 0},
        "explain": lambda actor: {"reason": "经费未到位", "review_on": date(2027, 3, 1)},
    }.get(action, lambda actor: {})


def _problem_in(db, state: str, cast) -> int:
    problem_id = problems.create(db, "挂号排队时间长", None)
    db.execute(
        "update problems set status = ?, leader_id = ?, department_id = ? where id = ?",
        [state, cast["own_leader"].id, cast["own_head"].department_id, problem_id],
    )
    if state == "listed":
        db.execute("update problems set leader_id = null where id = ?", [problem_id])
    db.conn.commit()
    return problem_id


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("state", problems.STATES)
def test_every_state_action_and_role(db, cast, state, action):
    starts, allowed_roles, target = EXPECTED[action]
    for role, actor in cast.items():
        problem_id = _problem_in(db, state, cast)
        before = dump(db, *TABLES)
        fields = _fields(action, cast, db)(actor)
        if state in starts and role in allowed_roles:
            after = problems.act(db, problem_id, action, actor, **fields)
            assert after.status == target, (state, action, role)
            [row] = [r for r in problems.history(db, problem_id) if r["action"] == f"problem.{action}"]
            assert row["actor_id"] == (actor.id if actor else None)
            assert f'"from": "{state}"' in row["detail"] and f'"to": "{target}"' in row["detail"]
        else:
            with pytest.raises(ProblemError):
                problems.act(db, problem_id, action, actor, **fields)
            assert dump(db, *TABLES) == before, (state, action, role)


@pytest.mark.parametrize("missing", ["measures", "department_id", "deadline"])
def test_dispatch_refuses_any_missing_field(db, cast, missing):
    problem_id = _problem_in(db, "claimed", cast)
    fields = _fields("dispatch", cast, db)(cast["own_leader"])
    fields[missing] = None
    with pytest.raises(ProblemError) as refused:
        problems.act(db, problem_id, "dispatch", cast["own_leader"], **fields)
    assert refused.value.reason == "missing_fields"
    assert missing.removesuffix("_id") in refused.value.detail
    assert problems.get(db, problem_id).status == "claimed"


def test_dispatch_refuses_a_past_deadline(db, cast):
    problem_id = _problem_in(db, "claimed", cast)
    fields = _fields("dispatch", cast, db)(cast["own_leader"]) | {"deadline": date(2026, 1, 1)}
    with pytest.raises(ProblemError, match="past_deadline"):
        problems.act(db, problem_id, "dispatch", cast["own_leader"], **fields)


def test_the_first_claim_wins_and_the_second_learns_who(db, cast):
    problem_id = problems.create(db, "车棚漏雨", None)
    problems.claim(db, problem_id, cast["own_leader"])
    with pytest.raises(ProblemError) as refused:
        problems.claim(db, problem_id, cast["other_leader"])
    assert (refused.value.reason, refused.value.detail) == ("claimed_by", "领导甲")
    assert problems.get(db, problem_id).leader == "领导甲"


def test_working_days_skip_national_day_and_count_make_up_days():
    # From Tue 2026-09-29: Wed 30 is one; Oct 1-7 is the holiday; Thu 8, Fri 9, and Saturday
    # 10 October is a make-up working day.
    assert add_working_days(date(2026, 9, 29), 1) == date(2026, 9, 30)
    assert add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)
    assert add_working_days(date(2026, 9, 29), 4) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)


def test_traffic_lights(db, cast):
    problem_id = _problem_in(db, "dispatched", cast)
    db.execute(
        "update problems set deadline = ?, last_progress_at = ? where id = ?",
        ["2026-11-30", "2026-11-20T00:00:00+00:00", problem_id],
    )
    db.conn.commit()
    problem = problems.get(db, problem_id)
    assert problems.light(problem, date(2026, 11, 23)) == "green"
    assert problems.light(problem, date(2026, 11, 27)) == "amber"  # due within 3 days
    assert problems.light(problem, date(2026, 12, 1)) == "red"
    db.execute("update problems set deadline = '2027-06-30' where id = ?", [problem_id])
    db.conn.commit()
    assert problems.light(problems.get(db, problem_id), date(2026, 12, 5)) == "amber"  # 15 days quiet


def test_findings_import_is_all_or_nothing(db):
    good = (
        "问题,具体表现,问题来源,整改类型\n"
        "食堂菜品单一,品种少,民主生活会,限期整改\n"
        "门卫夜巡不到位,,督查,立行立改\n"
    )
    ids = problems.import_findings(db, problems.parse_findings(good.encode("gbk")), None)
    assert [problems.get(db, i).source for i in ids] == ["meeting", "inspection"]
    bad = good + "监控死角,,民主生活会,马上改\n"
    with pytest.raises(problems.FileRejected) as refused:
        problems.parse_findings(bad.encode())
    assert refused.value.line == 4 and refused.value.detail == "马上改"
    assert problems.count(db) == 2
