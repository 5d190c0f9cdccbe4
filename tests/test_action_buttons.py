"""The buttons under a problem are derived from TRANSITIONS and the person's roles, never
restated: whatever the rules allow this person now is offered, and nothing else."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from handlers.problems.actions import ACTION_BUTTONS, action_buttons
from storage import problems
from storage.people import HEAD, LEADER, OFFICE, Person

STAFF = "staff"


def person(person_id: int, *roles: str, department_id: int = 1) -> Person:
    return Person(
        person_id,
        f"p{person_id}",
        department_id,
        "门诊部",
        frozenset((STAFF, *roles)),
        None,
        None,
        None,
        True,
        True,
    )


LEADER_1, OTHER_LEADER, HEAD_1, OTHER_HEAD, OFFICE_1, STAFF_1 = (
    person(1, LEADER),
    person(2, LEADER),
    person(3, HEAD),
    person(4, HEAD, department_id=2),
    person(5, OFFICE),
    person(6),
)


def problem(status: str) -> problems.Problem:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return problems.Problem(
        7,
        "挂号排队时间长",
        "",
        None,
        "meeting",
        "deadline",
        "short",
        "增设窗口",
        1,
        "p1",
        1,
        "门诊部",
        date(2026, 12, 31),
        status,
        True,
        0,
        None,
        None,
        now,
        None,
        None,
    )


def offered(found, who: Person) -> set[str]:
    markup = action_buttons("zh-CN", found, who, tuple(ACTION_BUTTONS))
    data = {b.callback_data for row in (markup.inline_keyboard if markup else ()) for b in row}
    return {action for action, (_, pattern) in ACTION_BUTTONS.items() if pattern.data(7) in data}


@pytest.mark.parametrize("status", problems.STATES)
@pytest.mark.parametrize("who", [LEADER_1, OTHER_LEADER, HEAD_1, OTHER_HEAD, OFFICE_1, STAFF_1])
def test_each_person_is_offered_exactly_what_the_transitions_allow(status, who):
    found = problem(status)
    expected = set()
    for action, (starts, rules, _) in problems.TRANSITIONS.items():
        if action not in ACTION_BUTTONS or status not in starts:
            continue
        if any(
            {
                "office": OFFICE in who.roles,
                "leader": LEADER in who.roles,
                "own_leader": LEADER in who.roles and who.id == found.leader_id,
                "own_head": HEAD in who.roles and who.department_id == found.department_id,
                "system": False,
            }[rule]
            for rule in rules
        ):
            expected.add(action)
    assert offered(found, who) == expected


def test_a_new_rule_in_transitions_changes_the_buttons_without_touching_a_handler(monkeypatch):
    """Were dispatch allowed again after a return, the leader would be offered it at once."""
    starts, rules, target = problems.TRANSITIONS["dispatch"]
    monkeypatch.setitem(problems.TRANSITIONS, "dispatch", ((*starts, problems.RETURNED), rules, target))
    assert "dispatch" in offered(problem(problems.RETURNED), LEADER_1)
    assert "dispatch" not in offered(problem(problems.RETURNED), OTHER_LEADER)
    assert offered(dataclasses.replace(problem(problems.CLAIMED)), LEADER_1) == {"dispatch", "explain"}
