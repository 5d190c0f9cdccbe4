"""Numbers people type are bounded: a huge count of working days is refused before any loop runs,
ids beyond SQLite's integer range are "not found", and role and object are checked before a
deadline is even read."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from conftest import join

from storage import problems
from storage.dates import parse_deadline
from texts import say

TODAY = date(2026, 11, 30)
HUGE = "9" * 25


@pytest.mark.parametrize(
    "text",
    [
        "1000000个工作日",
        "99999999个工作日",
        "1000000 working days",
        "99999999天",
        "9" * 5000 + "天",
        "99999周",
        "999999999 weeks",
    ],
)
def test_a_runaway_count_is_not_a_deadline(text):
    assert parse_deadline(text, TODAY) is None


def test_sane_counts_still_work():
    assert parse_deadline("10个工作日", TODAY) > TODAY
    assert parse_deadline("2周", TODAY) == date(2026, 12, 14)
    assert parse_deadline("500个工作日", TODAY).year == 2028


async def test_huge_numbers_in_commands_are_answered_politely(running_bot, client, invited, db, caplog):
    caplog.set_level(logging.ERROR)
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    problem_id = problems.create(db, "职工食堂膳食单一", None)
    cases = [
        (office, f"/history {HUGE}", say("zh-CN", "history.usage")),
        (office, f"/assign {HUGE}", say("zh-CN", "assign.usage")),
        (office, f"/lookback {HUGE}", say("zh-CN", "lookback.usage")),
        (office, f"/meeting_cancel {HUGE}", say("zh-CN", "calendar.no_event")),
        (office, f"/milestone {HUGE} 下周五 调研", say("zh-CN", "milestone.usage")),
        (leader, f"/milestone 1 done {HUGE}", say("zh-CN", "milestone.usage")),
        (office, "/milestone 99999 下周五 调研", say("zh-CN", "problem.error.not_found")),
        # not the leader's problem: refused before the deadline is read
        (leader, f"/milestone {problem_id} 1000000个工作日 调研", say("zh-CN", "problem.error.not_allowed")),
        (
            office,
            f"/milestone {problem_id} 1000000个工作日 调研",
            say("zh-CN", "dispatch.bad_deadline", text="1000000个工作日"),
        ),
        (staff, f"/history {'9' * 5000}", say("zh-CN", "history.usage")),
        (staff, "/history ²", say("zh-CN", "history.usage")),
    ]
    for person, command, expected in cases:
        replies = await person.send(command)
        assert replies[-1].text == expected, (command[:60], replies[-1].text)
    assert [r.getMessage() for r in caplog.records] == []


def test_a_closing_time_out_of_range_is_a_polite_error():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from handlers.campaign.evaluation import SheetInputError, closing_time

    now = datetime(2026, 11, 30, 2, tzinfo=UTC)
    with pytest.raises(SheetInputError):
        closing_time("下周五 25:99", ZoneInfo("Asia/Shanghai"), now)
    assert closing_time("下周五 16:00", ZoneInfo("Asia/Shanghai"), now).hour == 16
