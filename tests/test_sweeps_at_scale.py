"""The sweeper at scale: no silent cap. With 2,500 problems in every state, every reminder the
working ones call for and every look-back the closed ones are due for is queued (a listing
that stopped at 1,000 once left the rest unreminded)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

import config
from jobs import sweeper
from services import KEY, Services, Shared
from storage import problems, roster
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
PER_STATE = 2_500
DAY = date(2026, 12, 9)  # a Wednesday, a working day
ROSTER = """姓名,科室,角色
李娜,院办,班子成员
王芳,组织人事科,活动办
刘洋,门诊部,科室负责人
张伟,门诊部,职工
"""


def app_for(db, db_path):
    settings = config.load(env={"TELEGRAM_BOT_TOKEN": "1:x", "DATABASE_PATH": str(db_path)})
    return SimpleNamespace(bot_data={KEY: Services(db, settings, Shared(None))})


def seed(db, per_state: int = PER_STATE) -> dict[str, int]:
    """`per_state` problems in each state; working ones due on DAY, closed ones 40 days ago."""
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    leader = db.execute("select id from people where name = '李娜'").fetchone()[0]
    department = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    closed_at = datetime.combine(DAY - timedelta(days=40), time(3), tzinfo=UTC).isoformat()
    created = datetime.combine(DAY - timedelta(days=60), time(3), tzinfo=UTC).isoformat()
    rows = []
    for state in problems.STATES:
        for n in range(per_state):
            rows.append(
                (
                    f"{state} {n}",
                    "meeting",
                    state,
                    leader,
                    department,
                    DAY.isoformat(),
                    "措施",
                    closed_at if state == problems.CLOSED else None,
                    created,
                )
            )
    db.conn.executemany(
        "insert into problems (title, source, status, leader_id, department_id, deadline, measures, "
        "closed_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.conn.commit()
    return {"leader": leader, "department": department}


def outbox_keys(db, prefix: str) -> list[str]:
    return [r[0] for r in db.execute("select dedup_key from outbox where dedup_key like ?", [f"{prefix}%"])]


@pytest.mark.slow
async def test_every_due_reminder_and_look_back_is_queued_at_2500_per_state(db, db_path):
    seed(db)
    app = app_for(db, db_path)
    clock.freeze(datetime.combine(DAY, time(8, 59), tzinfo=SHANGHAI))
    await sweeper.sweep_app(app)
    clock.freeze(datetime.combine(DAY, time(9, 0, 30), tzinfo=SHANGHAI))
    ticks = 0

    async def others() -> None:  # what the bot does meanwhile: answer people
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    meanwhile = asyncio.create_task(others())
    await sweeper.sweep_app(app)
    meanwhile.cancel()
    # the event loop was handed back between batches of problems, not held for the whole pass
    assert ticks >= 3 * PER_STATE // problems.CHUNK

    reminded = {int(key.split(":")[1]) for key in outbox_keys(db, "reminder:")}
    working = {
        r[0]
        for r in db.execute(
            f"select id from problems where status in ({','.join('?' * len(problems.WORKING))})",
            list(problems.WORKING),
        )
    }
    assert len(working) == 3 * PER_STATE
    assert reminded == working  # due today: the head and the leader, for every one of them
    assert len(outbox_keys(db, "reminder:")) == 2 * len(working)

    closed = {r[0] for r in db.execute("select id from problems where status = 'closed'")}
    opened = {r[0] for r in db.execute("select problem_id from lookbacks where round = '30d'")}
    assert opened == closed and len(closed) == PER_STATE
    asked = {int(key.split(":")[1]) for key in outbox_keys(db, "lookback-vote:")}
    assert len(asked) == PER_STATE  # every look-back asked the department to vote


def test_pages_for_people_have_a_limit_and_go_on_after_the_last(db):
    seed(db, per_state=30)
    seen, after = [], None
    while True:
        page = problems.page(db, problems.PUBLIC, 25, after)
        assert len(page.problems) <= 25
        seen += [p.id for p in page.problems]
        if page.after is None:
            break
        after = problems.After.parse(page.after.token())
    everything = [p.id for p in problems.each(db, problems.PUBLIC, by_deadline=True)]
    assert seen == everything
    assert len(seen) == 30 * len(problems.STATES) == problems.count(db, problems.PUBLIC)
