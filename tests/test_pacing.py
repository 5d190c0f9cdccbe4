"""The pacer's timetable (pacing.py): sends keep to a fixed timetable, a late one is made up by
the next instead of pushing every later slot back, and whatever the lateness and however
unevenly requests travel, no second at Telegram holds more than the limit. Telegram counts a
send when it arrives: some moment between its leaving and its answer, so the checks here take
the worst such moments. Time is a fake clock that sleeping moves on."""

from __future__ import annotations

import asyncio
import bisect
import random

import pytest

import bot
import pacing


class FakeTime:
    def __init__(self, overshoot: float = 0.0, seed: int = 0, yields: bool = False) -> None:
        self.now = 1000.0
        self.left: list[float] = []  # when each send left
        self.answered: list[float] = []  # when its answer came back
        self.overshoot, self.random, self.yields = overshoot, random.Random(seed), yields

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # an event loop wakes a little late (busy with other work), never early
        self.now += max(seconds, 0.0) + self.random.uniform(0.0, self.overshoot)
        if self.yields:  # others may run meanwhile (one clock for all: only while one sleeps)
            await asyncio.sleep(0)


def _timetable(time: FakeTime, per_second: float = 30, **options) -> pacing.Timetable:
    return pacing.Timetable(per_second, clock=time.clock, sleep=time.sleep, **options)


async def _send(time: FakeTime, timetable: pacing.Timetable, late: float = 0.0, trip: float = 0.0) -> None:
    """One send: its slot, `trip` seconds until its answer, then `late` seconds of work (a
    commit) before the next asks for its slot."""
    await timetable.slot()
    time.left.append(time.now)
    time.now += trip
    timetable.answered()
    time.answered.append(time.now)
    time.now += late


def _most_arriving_in_a_second(left: list[float], answered: list[float]) -> int:
    """The most sends any second at Telegram can hold, each arriving at whatever moment between
    its leaving and its answer is worst; as the fake Bot API counts, two arrivals a whole
    second apart are in different seconds. The second [t, t + 1) holds every send answered at
    t or later that left before t + 1; the worst t is at an answer or a second before a leaving."""
    left, answered = sorted(left), sorted(answered)
    starts = answered + [at - 1.0 + 1e-9 for at in left]
    return max(
        bisect.bisect_left(left, start + 1.0 - 1e-9) - bisect.bisect_left(answered, start) for start in starts
    )


def _rate(time: FakeTime) -> float:
    return (len(time.left) - 1) / (time.left[-1] - time.left[0])


async def test_on_time_sends_keep_the_timetable():
    time = FakeTime()
    timetable = _timetable(time)
    for _ in range(300):
        await _send(time, timetable, trip=0.002)
    gaps = [b - a for a, b in zip(time.left[30:], time.left[31:], strict=False)]
    assert all(gap == pytest.approx(1 / (30 * pacing.MARGIN)) for gap in gaps)
    assert _most_arriving_in_a_second(time.left, time.answered) <= 30


async def test_a_late_send_does_not_push_the_later_slots_back():
    """Every send comes back 10 ms late (a commit and the event loop): with a bucket of one each
    10 ms was lost; on the timetable the rate stays at the margin (99% of the limit)."""
    time = FakeTime()
    timetable = _timetable(time)
    for _ in range(3000):
        await _send(time, timetable, late=0.010, trip=0.002)
    assert _rate(time) == pytest.approx(30 * pacing.MARGIN, rel=0.0005)


async def test_late_wake_ups_are_not_added_up_second_after_second():
    """The event loop wakes each sleep up to 3 ms late. When the window was as long as the
    limit's slots, it held every on-time send back to a second after the send 30 before it,
    so each late wake-up was passed on to the send a second later and added up (the rate fell
    to about 98.35% of the limit with a margin of 98.5%); now it costs nothing."""
    time = FakeTime(overshoot=0.003, seed=1)
    timetable = _timetable(time)
    for _ in range(6000):
        await _send(time, timetable, late=0.005, trip=0.002)
    assert _rate(time) == pytest.approx(30 * pacing.MARGIN, rel=0.0005)
    assert _most_arriving_in_a_second(time.left, time.answered) <= 30


async def test_uneven_ways_to_telegram_never_put_more_than_the_limit_in_a_second():
    """Requests take 0-40 ms each, at random: counted from when each left, with a guard of
    15 ms, a second at Telegram could hold 31 (and the bot meet a 429 that holds every send
    for a second). Counted until its answer, none can, wherever on its way each was counted;
    the rate gives up only what the slow answers take past the margin."""
    rng = random.Random(5)
    time = FakeTime(overshoot=0.001, seed=5)
    timetable = _timetable(time)
    for _ in range(3000):
        await _send(time, timetable, trip=rng.uniform(0.0, 0.040))
    assert _most_arriving_in_a_second(time.left, time.answered) <= 30
    assert _rate(time) >= 30 / (1 + 0.040)


async def test_a_slow_answer_holds_back_only_the_sends_a_second_later_and_less_each_second():
    """One answer takes 60 ms: the sends that went just after it (catching up) wait for it a
    second later, and so on, each second by what the margin leaves (10 ms, less the 2 ms the
    others take) less, until the timetable is kept again; nothing is lost on the way."""
    time = FakeTime()
    timetable = _timetable(time)
    for n in range(300):
        await _send(time, timetable, trip=0.060 if n == 30 else 0.002)
    gap = 1 / (30 * pacing.MARGIN)
    behind = [at - (time.left[0] + n * gap) for n, at in enumerate(time.left)]
    held = [n for n in range(1, 300) if behind[n] > 1e-6]
    assert held[0] == 31 and all(n % 30 in (0, 1) for n in held)  # the slow one's, then a second on
    seconds_on = sorted({n // 30 for n in held if n >= 60})  # the sends that waited for the window
    echoes = [max(behind[n] for n in held if n // 30 == cycle) for cycle in seconds_on]
    assert all(b < a - 0.005 for a, b in zip(echoes, echoes[1:], strict=False))  # less each second
    assert max(held) < 270  # and gone
    assert time.left[-1] - time.left[0] == pytest.approx(299 * gap)  # made up
    assert _most_arriving_in_a_second(time.left, time.answered) <= 30


async def test_a_stall_is_made_up_to_the_catch_up_and_a_longer_one_starts_again():
    time = FakeTime()
    timetable = _timetable(time)
    gap = 1 / (30 * pacing.MARGIN)
    for n in range(200):
        await _send(time, timetable, late=0.08 if n == 50 else 0.0)  # one send held 80 ms
    assert time.left[-1] - time.left[0] == pytest.approx(199 * gap)  # made up: still on the timetable
    assert _most_arriving_in_a_second(time.left, time.answered) <= 30
    time.left.clear()
    for n in range(200):
        await _send(time, timetable, late=2.0 if n == 50 else 0.0)  # held 2 s: not made up
    after = [t for t in time.left if t > time.left[50]]
    assert min(b - a for a, b in zip(after, after[1:], strict=False)) == pytest.approx(gap)  # no burst
    assert _most_arriving_in_a_second(time.left, time.answered) <= 30


async def test_any_lateness_never_puts_more_than_the_limit_in_a_second():
    rng = random.Random(7)
    for per_second in (30, 1000):
        time = FakeTime()
        timetable = _timetable(time, per_second, catch_up=1.0)  # a generous credit, to press the window
        for _ in range(5 * per_second):
            late = rng.choice((0.0, 0.0, 0.5 / per_second, 20 / per_second))
            await _send(time, timetable, late=late, trip=rng.uniform(0.0, 3 / per_second))
        assert _most_arriving_in_a_second(time.left, time.answered) <= per_second


async def test_sends_side_by_side_get_slots_of_their_own():
    time = FakeTime()
    timetable = _timetable(time, 1000)
    await asyncio.gather(*(_send(time, timetable) for _ in range(3000)))
    assert len(set(time.left)) > 2900  # (the catch-up's first few slots may share the start)
    assert _most_arriving_in_a_second(time.left, time.answered) <= 1000
    span = max(time.left) - min(time.left)
    assert span == pytest.approx(3000 / (1000 * pacing.MARGIN), rel=0.01)


async def test_sends_in_flight_count_until_their_answers_are_back():
    """With the limit's worth of sends still on their way, the next waits: any of them may
    arrive at Telegram at the same moment as it."""
    time = FakeTime(yields=True)
    timetable = _timetable(time, 5, catch_up=10.0)
    for _ in range(5):
        await timetable.slot()
    before = time.now
    waiting = asyncio.ensure_future(timetable.slot())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiting.done()
    timetable.answered()
    await waiting
    assert time.now - before >= 1.0  # a second after the first answer
    assert timetable.in_flight == 5


async def test_an_idle_timetable_banks_no_burst():
    time = FakeTime()
    timetable = _timetable(time)
    await _send(time, timetable)
    time.now += 3600  # an hour with nothing to send
    for _ in range(30):
        await _send(time, timetable)
    at_once = sum(1 for t in time.left[1:] if t - time.left[1] < 0.001)
    assert at_once <= pacing.CATCH_UP * 30 + 1


async def test_a_failed_send_is_answered_too():
    """The pacer counts a send that failed on its way (a timeout, a 5xx, a 429) as answered
    when it failed: otherwise it would stay in flight for good, and after 30 such the timetable
    would never give a slot again."""
    time = FakeTime()
    timetable = _timetable(time)

    async def failing():
        raise TimeoutError

    for _ in range(40):
        with pytest.raises(TimeoutError):
            await bot._on_timetable(timetable, failing)()
    assert timetable.in_flight == 0 and len(timetable.answers) <= 30
