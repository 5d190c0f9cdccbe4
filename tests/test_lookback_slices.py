"""The day's look-backs in committed slices: opening a day's rounds walks every closed problem
and asks whole departments, which once held the event loop close to a second in one
transaction. Now people are answered between slices, no transaction stays open across a
pause, and a pass cut short at any pause asks the rest the next time without asking anyone
twice."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, time

from test_sweeps_at_scale import DAY, ROSTER, SHANGHAI, app_for, outbox_keys, seed

import services
from jobs import lookbacks as lookback_job
from jobs.slices import Slices
from storage import roster
from storage.clock import clock

STAFF = 120  # more than two chunks of voters per look-back
CLOSED = 30


def seed_with_staff(db) -> set[int]:
    seed(db, per_state=CLOSED)
    extra = "".join(f"职工{n},门诊部,职工\n" for n in range(STAFF))
    roster.apply(db, roster.parse((ROSTER + extra).encode()), None)
    return {r[0] for r in db.execute("select id from problems where status = 'closed'")}


async def run_beside_others(app, slices: Slices, stop_after: int | None = None) -> tuple[int, list[bool]]:
    """Run the day's look-backs while another task stands for people's updates: it counts its
    turns and notes whether a transaction was open when it got one. With `stop_after`, the pass
    is cancelled at its pause after that many turns (a bot stopped mid-pass)."""
    seen: list[bool] = []

    async def others() -> None:
        while True:
            seen.append(services.of(app).db.conn.in_transaction)
            await asyncio.sleep(0)

    meanwhile = asyncio.create_task(others())
    work = asyncio.create_task(lookback_job.run_in_slices(app, DAY, slices))
    if stop_after is not None:
        while len(seen) < stop_after and not work.done():
            await asyncio.sleep(0)
        work.cancel()
    try:
        await work
    except asyncio.CancelledError:
        pass
    if meanwhile.done():  # it never ends by itself: it failed, and saw nothing
        meanwhile.result()
    meanwhile.cancel()
    return slices.pauses, seen


def asked(db) -> list[str]:
    return outbox_keys(db, "lookback-vote:")


async def test_the_days_look_backs_let_people_in_between_slices_and_hold_no_transaction_open(db, db_path):
    closed = seed_with_staff(db)
    app = app_for(db, db_path)
    clock.freeze(datetime.combine(DAY, time(9, 0, 30), tzinfo=SHANGHAI))
    pauses, seen = await run_beside_others(app, Slices(seconds=0))  # every step a slice of its own
    opened = {r[0] for r in db.execute("select problem_id from lookbacks where round = '30d'")}
    assert opened == closed
    voters = db.execute(
        "select count(*) from people where department_id = (select id from departments where name = '门诊部')"
    ).fetchone()[0]
    assert voters > STAFF
    assert len(asked(db)) == len(closed) * voters  # every look-back asked its whole department
    # opening each round, reading its voters (a department: 1,000 people at full size), and
    # each chunk of each look-back's voters, was followed by a pause
    assert pauses >= len(closed) * (2 + math.ceil(voters / lookback_job.ASK_CHUNK))
    assert len(seen) >= pauses and not any(seen)


async def test_a_pass_cut_short_asks_the_rest_next_time_and_nobody_twice(db, db_path):
    closed = seed_with_staff(db)
    app = app_for(db, db_path)
    clock.freeze(datetime.combine(DAY, time(9, 0, 30), tzinfo=SHANGHAI))
    await run_beside_others(app, Slices(seconds=0), stop_after=len(closed) + 7)  # in the middle of asking
    first = asked(db)
    opened = db.execute("select count(*) from lookbacks").fetchone()[0]
    assert opened == len(closed) and 0 < len(first) < len(closed) * STAFF
    assert not db.conn.in_transaction
    await run_beside_others(app, Slices())  # the window again, on the next pass
    again = asked(db)
    assert len(again) == len(set(again)) and set(first) <= set(again)
    voters = db.execute(
        "select count(*) from people where department_id = (select id from departments where name = '门诊部')"
    ).fetchone()[0]
    assert len(again) == len(closed) * voters
    assert db.execute("select count(*) from lookbacks").fetchone()[0] == len(closed)


async def test_the_days_look_backs_read_each_department_once(db, db_path, monkeypatch):
    """A day's look-backs ask the same few departments (at full size 222 look-backs, each
    reading a department of 1,000 people on the loop): each is read once per pass."""
    from jobs import notices

    closed = seed_with_staff(db)
    app = app_for(db, db_path)
    clock.freeze(datetime.combine(DAY, time(9, 0, 30), tzinfo=SHANGHAI))
    read = []
    department = notices.department
    monkeypatch.setattr(notices, "department", lambda target, d: read.append(d) or department(target, d))
    await run_beside_others(app, Slices())
    assert len(asked(db)) > len(closed) > 1 and len(read) == len(set(read)) == 1
