"""Background passes let people in: the 09:00 reminder slot commits in slices and the event
loop runs between them, and pauses longer while people's updates are being handled; the 08:30
digests are read in the chart process, the office's digest built once per pass however many
office members receive it."""

from __future__ import annotations

import asyncio
import gc
import sys
from datetime import datetime, time, timedelta

import pytest
from test_sweeper_isolation import SHANGHAI
from test_sweeps_at_scale import DAY, app_for, seed

import bot
from documents import charts as chart_process
from jobs import slices, sweeper
from storage import digests
from storage.clock import clock


async def _sweep_at(app, hour: int, minute: int, second: int = 0) -> int:
    clock.freeze(datetime.combine(DAY, time(hour, minute, second), tzinfo=SHANGHAI))
    return await sweeper.sweep_app(app)


def _count(db, pattern: str) -> int:
    return db.execute("select count(*) from outbox where dedup_key like ?", [pattern]).fetchone()[0]


async def _watched(db, pattern: str, work) -> tuple[object, list[int]]:
    """Run `work` while a probe task counts, each time the loop lets it in, the rows that match:
    what the loop saw while the pass was going on."""
    seen: list[int] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            seen.append(_count(db, pattern))
            await asyncio.sleep(0)

    watching = asyncio.create_task(probe())
    try:
        result = await work
    finally:
        done.set()
        await watching
    return result, seen


def _reachable_office(db, extra: int) -> list[int]:
    """`extra` more office members besides 王芳; everyone reachable in a chat of their own."""
    department = db.execute("select id from departments where name = '组织人事科'").fetchone()[0]
    for n in range(extra):
        db.execute(
            "insert into people (roster_key, name, department_id, roles, active, reachable) "
            "values (?, ?, ?, 'office staff', 1, 1)",
            [f"office-{n}", f"办公室{n}", department],
        )
    db.execute("update people set chat_id = 900000 + id, telegram_user_id = 900000 + id, reachable = 1")
    db.conn.commit()
    return [r[0] for r in db.execute("select id from people where roles like '%office%'")]


async def test_the_reminder_slot_commits_in_slices_and_lets_the_loop_run_between(db, db_path, monkeypatch):
    seed(db, per_state=100)
    working = db.execute(
        "select count(*) from problems where status in ('dispatched', 'in_progress', 'returned')"
    ).fetchone()[0]
    _reachable_office(db, 0)
    app = app_for(db, db_path)
    await _sweep_at(app, 8, 59)
    monkeypatch.setattr(slices, "SLICE_SECONDS", 0.0)  # a slice per problem: every pause is seen
    _, seen = await _watched(db, "reminder:%", _sweep_at(app, 9, 0, 30))
    total = _count(db, "reminder:%")
    assert total >= working  # every working problem is due today: each is reminded
    between = sorted({n for n in seen if 0 < n < total})
    assert len(between) > working // 2  # the loop ran between the slices, each slice committed


async def test_the_office_digest_is_built_once_per_pass_for_every_office_member(db, db_path, monkeypatch):
    seed(db, per_state=5)
    # the working problems fell late yesterday: something new for the 08:30 digest
    db.execute(
        "update problems set deadline = ? where status in ('dispatched', 'in_progress', 'returned')",
        [(DAY - timedelta(days=1)).isoformat()],
    )
    office = _reachable_office(db, 3)
    built = []
    for_office = digests.for_office
    monkeypatch.setattr(digests, "for_office", lambda *a, **k: built.append(a) or for_office(*a, **k))

    async def here(work, *args):  # the chart process's work, in this process: what it builds is seen
        await asyncio.sleep(0)  # the loop runs meanwhile, as while it waits for the process
        return work(*args)

    monkeypatch.setattr(chart_process, "apart", here)
    app = app_for(db, db_path)
    await _sweep_at(app, 8, 29)
    _, seen = await _watched(db, "digest:%", _sweep_at(app, 8, 31))
    assert len(office) == 4 and len(built) == 1
    got = {
        r[0]
        for r in db.execute("select person_id from outbox where dedup_key like 'digest:%' and photo is null")
    }
    charts = {r[0] for r in db.execute("select person_id from outbox where dedup_key like 'digest:%:chart'")}
    assert set(office) <= got and set(office) <= charts
    texts = {
        r[0]
        for r in db.execute(
            "select text from outbox where dedup_key like 'digest:%' "
            "and photo is null and person_id in "
            f"({','.join('?' * len(office))})",
            office,
        )
    }
    assert len(texts) == 1  # the one office digest, to each of them
    assert any(0 < n < len(got) * 2 for n in seen)  # the loop ran while the digests were being made


async def test_a_pause_lasts_while_people_are_being_answered(monkeypatch):
    """A reply takes many turns of the loop; with the pass taking a slice in each of them,
    people's replies took 7 to 10 times as long during the 09:00 pass at full size. While
    anyone's update is being handled the pass waits for them to be answered."""
    asked: list[float] = []
    waiting = [0]
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        waiting[0] = max(0, waiting[0] - 1)  # one person answered per look
        await real_sleep(0)

    monkeypatch.setattr(slices.asyncio, "sleep", sleep)
    work = slices.Slices(busy=lambda: waiting[0] > 0)
    await work.pause()
    assert asked == [0]  # nobody waiting: one turn of the loop, then the pass goes straight on
    asked.clear()
    waiting[0] = 4
    await work.pause()
    assert asked == [0] + [slices.PEEK_SECONDS] * 3  # until the last of them was answered
    assert waiting[0] == 0


async def test_while_people_are_around_a_pause_lasts_as_long_as_its_slice(monkeypatch):
    """The turns of the loop before an update counts as being handled (read from Telegram's
    answer, queued) waited for a slice each: with people around, the pass takes half the loop."""
    asked: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(slices.asyncio, "sleep", sleep)
    around = [False]
    work = slices.Slices(around=lambda: around[0])
    work.started -= 0.005  # a slice of 5 ms just ended
    await work.pause()
    assert asked == [0]  # nobody around: one turn of the loop
    around[0] = True
    work.started -= 0.005
    await work.pause()
    assert asked[1] >= 0.005  # as long as the slice


def test_people_are_around_for_a_second_after_their_last_update(monkeypatch):
    processor = bot.PerPersonOrder()
    around = slices.people_around(type("App", (), {"update_processor": processor})())
    assert not around()  # nobody came yet
    processor.last_seen = slices.time.monotonic()  # as do_process_update notes
    assert around()
    processor.last_seen -= slices.AROUND_SECONDS + 0.01
    assert not around()
    assert not slices.people_around(object())()  # an application without one (tests' stand-ins)


async def test_handling_a_persons_update_notes_that_people_are_around():
    from telegram import Chat, Message, Update, User

    processor = bot.PerPersonOrder()
    around = slices.people_around(type("App", (), {"update_processor": processor})())
    person = User(7, "A", is_bot=False)
    message = Message(1, datetime(2026, 11, 23), Chat(7, "private"), from_user=person, text="/ledger")
    seen_inside: list[bool] = []

    async def handle() -> None:
        seen_inside.append(around() and processor.in_flight == 1)

    await processor.do_process_update(Update(1, message=message), handle())
    assert seen_inside == [True] and around() and processor.in_flight == 0


async def test_a_pass_still_gets_a_slice_when_people_never_stop(monkeypatch):
    monkeypatch.setattr(slices, "PAUSE_LIMIT", 0.02)
    work = slices.Slices(busy=lambda: True)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await work.pause()
    assert 0.02 <= loop.time() - start < 0.5  # PAUSE_LIMIT, then the next slice


def test_the_update_processor_counts_the_people_being_answered():
    import bot

    processor = bot.PerPersonOrder()
    waiting = slices.people_waiting(type("App", (), {"update_processor": processor})())
    assert not waiting()
    processor._waiting[42] += 1  # as do_process_update does while a person's update is handled
    assert waiting() and processor.in_flight == 1
    assert not slices.people_waiting(object())()  # an application without one (tests' stand-ins)


def test_a_slice_ends_after_its_seconds():
    work = slices.Slices(seconds=0.005)
    work.started -= 0.003  # 3 ms into the slice
    assert not work.over()
    work.started -= 0.003
    assert work.over()  # past 5 ms: commit and let people in


def test_what_the_start_built_is_left_out_of_the_collectors_full_passes():
    """bot.serve settles the heap once started: a full pass of the garbage collector walks every
    object, in C, holding the event loop (194 ms at full size before, 11 ms after)."""
    frozen = gc.get_freeze_count()
    try:
        bot.settle_heap()
        assert gc.get_freeze_count() > frozen
        assert gc.get_count()[2] == 0  # collected first: nothing left over is kept for good
    finally:
        gc.unfreeze()


def test_the_running_bot_switches_threads_often():
    """bot.serve shortens the interpreter's switch interval: a worker thread running Python (the
    hot-spot index rebuilt after a restart) otherwise kept the lock 5 ms each time the loop gave
    it up for a system call (bench/hotspots_rebuild.py: ten round trips 20-31 ms against 5.7)."""
    before = sys.getswitchinterval()
    try:
        bot.shorten_thread_switches()
        assert sys.getswitchinterval() == pytest.approx(bot.SWITCH_SECONDS) and bot.SWITCH_SECONDS <= 0.0005
    finally:
        sys.setswitchinterval(before)
