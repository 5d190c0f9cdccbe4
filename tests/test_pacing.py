"""The pacer's timetable (pacing.py): sends keep to a fixed timetable, a late one is made up by
the next instead of pushing every later slot back, and whatever the lateness no sliding
second holds more than the limit. Time is a fake clock that sleeping moves on."""

from __future__ import annotations

import asyncio
import random

import pytest

import pacing


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sent: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def _timetable(time: FakeTime, per_second: float = 30, **options) -> pacing.Timetable:
    return pacing.Timetable(per_second, clock=time.clock, sleep=time.sleep, **options)


async def _send(time: FakeTime, timetable: pacing.Timetable, late: float = 0.0) -> None:
    await timetable.slot()
    time.sent.append(time.now)
    time.now += late  # the work after the send (a commit, a slow answer) before the next asks


def _most_in_a_second(times: list[float]) -> int:
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_on_time_sends_keep_the_timetable():
    time = FakeTime()
    timetable = _timetable(time)
    for _ in range(300):
        await _send(time, timetable)
    gaps = [b - a for a, b in zip(time.sent[30:], time.sent[31:], strict=False)]
    assert all(gap == pytest.approx(1 / (30 * pacing.MARGIN)) for gap in gaps)
    assert _most_in_a_second(time.sent) <= 30


async def test_a_late_send_does_not_push_the_later_slots_back():
    """Every send comes back 10 ms late (a commit and the event loop): with a bucket of one each
    10 ms was lost; on the timetable the rate stays 98.5% of the limit."""
    time = FakeTime()
    timetable = _timetable(time)
    for _ in range(3000):
        await _send(time, timetable, late=0.010)
    rate = (len(time.sent) - 1) / (time.sent[-1] - time.sent[0])
    assert rate == pytest.approx(30 * pacing.MARGIN, rel=0.002)


async def test_a_stall_is_made_up_to_the_catch_up_and_a_longer_one_starts_again():
    time = FakeTime()
    timetable = _timetable(time)
    gap = 1 / (30 * pacing.MARGIN)
    for n in range(200):
        await _send(time, timetable, late=0.08 if n == 50 else 0.0)  # one send held 80 ms
    assert time.sent[-1] - time.sent[0] == pytest.approx(199 * gap)  # made up: still on the timetable
    assert _most_in_a_second(time.sent) <= 30
    time.sent.clear()
    for n in range(200):
        await _send(time, timetable, late=2.0 if n == 50 else 0.0)  # held 2 s: not made up
    after = [t for t in time.sent if t > time.sent[50]]
    assert min(b - a for a, b in zip(after, after[1:], strict=False)) == pytest.approx(gap)  # no burst
    assert _most_in_a_second(time.sent) <= 30


async def test_any_lateness_never_puts_more_than_the_limit_in_a_second():
    rng = random.Random(7)
    for per_second in (30, 1000):
        time = FakeTime()
        timetable = _timetable(time, per_second, catch_up=1.0)  # a generous credit, to press the window
        for _ in range(5 * per_second):
            await _send(time, timetable, late=rng.choice((0.0, 0.0, 0.5 / per_second, 20 / per_second)))
        assert _most_in_a_second(time.sent) <= per_second


async def test_sends_side_by_side_get_slots_of_their_own():
    time = FakeTime()
    timetable = _timetable(time, 1000)
    await asyncio.gather(*(_send(time, timetable) for _ in range(3000)))
    assert len(set(time.sent)) > 2900  # (the catch-up's first few slots may share the start)
    assert _most_in_a_second(sorted(time.sent)) <= 1000
    span = max(time.sent) - min(time.sent)
    assert span == pytest.approx(3000 / (1000 * pacing.MARGIN), rel=0.01)


async def test_an_idle_timetable_banks_no_burst():
    time = FakeTime()
    timetable = _timetable(time)
    await _send(time, timetable)
    time.now += 3600  # an hour with nothing to send
    for _ in range(30):
        await _send(time, timetable)
    at_once = sum(1 for t in time.sent[1:] if t - time.sent[1] < 0.001)
    assert at_once <= pacing.CATCH_UP * 30 + 1
