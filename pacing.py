"""Telegram's overall limits, kept by a timetable: the n-th message of a run goes at the n-th
slot, one slot every 1/rate seconds (a margin below the limit), whatever time the previous one
actually went. A send that comes late (a commit, a slow reply, the event loop busy elsewhere)
does not push the later slots back; the next one goes at once until the timetable is caught
up. A bucket of one, which this replaces, kept no such credit: each late wake-up was lost for
good (3.3 % of the rate at 10,000 people, bench/README.md).

Two bounds keep the catching up within Telegram's limits: no more than `limit` messages inside
any sliding second, and a timetable more than CATCH_UP seconds behind starts again from now (an
idle bot banks no burst; a stall that long is not made up).

The sliding second is counted as Telegram must count it, whatever the way there: Telegram (and
the fake Bot API) counts a send when it arrives, which is some time after it left and before
its answer came back. So a send counts in the window from its slot until a second after its
answer: two sends `limit` apart then arrive at least a second apart, however unevenly the
requests travel. Counted from when each left, with a guard of 15 ms, a send that took 15 ms
longer on its way than the one 30 before it met a 429, which holds every send for a second
(bench/README.md). The window costs the rate only while answers take longer than the margin
leaves (10 ms at 30/s): the send a second later then waits for it. Sends side by side (paid
broadcasts) count while on their way, so at a round trip of R seconds at most limit / (1 + R)
go in a second: 952 of 1,000 at 50 ms.

Paid broadcasts (Bot API `allow_paid_broadcast`: up to 1,000 messages a second for 0.1 Star a
message) have a timetable of their own, at their own rate.

Answers to the person whose update is being handled do not wait for a slot (`answering`,
`Timetable.note`): they are counted in the window, and the timetable's sends give way to them
(README, "Answers go first")."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import math
import time
from collections.abc import Awaitable, Callable, Iterator

MARGIN = 0.99  # of the limit: 30 slots take 1.0101 s, so a round trip under 10 ms never waits
CATCH_UP = 0.5  # seconds of slots a late timetable may send at once to catch up
FREE_PER_SECOND = 30  # Telegram: "not more than 30 messages per second or so" to many chats
PAID_PER_SECOND = 1000  # with allow_paid_broadcast
WINDOW = 1.0  # Telegram's second
ROUNDING = 1e-6  # the fake Bot API lets two sends exactly a second apart through
ROUND_TRIPS_KEPT = 64  # the latest sends' round trips, for what a broadcast will take


class Timetable:
    """Slots for sends at `per_second` x MARGIN, never more than `per_second` arriving in any
    second. Each `slot()` is followed by one `answered()` when its answer (or failure) is back."""

    def __init__(
        self,
        per_second: float,
        *,
        margin: float = MARGIN,
        catch_up: float = CATCH_UP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.gap = 1.0 / (per_second * margin)
        self.limit = max(1, math.floor(per_second))
        self.catch_up = max(catch_up, self.gap)
        self.clock, self.sleep = clock, sleep
        self.next_slot = -math.inf
        self.in_flight = 0  # sends whose answer is not back: each may arrive at any moment
        self.answers: collections.deque[float] = collections.deque()  # when each was answered
        self.round_trips: collections.deque[float] = collections.deque(maxlen=ROUND_TRIPS_KEPT)

    async def slot(self) -> None:
        """Wait for this send's slot. The slot is taken before any await, so sends made side by
        side get slots of their own."""
        now = self.clock()
        at = self.next_slot if self.next_slot >= now - self.catch_up else now
        self.next_slot = at + self.gap
        if at > now:
            await self.sleep(at - now)
        while True:  # the sliding window, checked and taken with no await in between
            now = self.clock()
            while self.answers and self.answers[0] <= now - WINDOW + ROUNDING:
                self.answers.popleft()
            if self.in_flight + len(self.answers) < self.limit:
                self.in_flight += 1
                return
            # Answers come back in the order of the clock: the oldest leaves the window first;
            # with every counted send still in flight, look again a slot later.
            await self.sleep(self.answers[0] + WINDOW - now if self.answers else self.gap)

    def answered(self) -> None:
        """The send's answer is back (or it failed): Telegram counted it by now if at all."""
        self.in_flight -= 1
        self.answers.append(self.clock())

    def took(self, seconds: float) -> None:
        """A send's round trip, from leaving to its answer."""
        self.round_trips.append(seconds)

    def round_trip(self) -> float:
        """The median of the latest sends' round trips (0 before any)."""
        ordered = sorted(self.round_trips)
        return ordered[len(ordered) // 2] if ordered else 0.0

    def rate(self, in_flight: int) -> float:
        """Sends a second this timetable keeps with `in_flight` sends at once at the latest
        round trip: its own rate, or less when counting each send until its answer (at most
        limit / (1 + R)) or waiting for each answer (in_flight / R) holds it back."""
        trip = self.round_trip()
        rate = 1.0 / self.gap
        if trip > 0:
            rate = min(rate, self.limit / (WINDOW + trip), in_flight / trip)
        return rate

    def note(self) -> None:
        """A send that goes at once, outside the timetable (an answer to someone who just
        wrote): it takes no slot, so it never waits, and it counts in the window like any send
        (until a second after its answer, `answered`), so the timetable's sends (the outbox's)
        give way to it."""
        self.in_flight += 1


# The chat whose update is being handled in this task (bot.PerPersonOrder sets it; tasks the
# handler starts inherit it). A call bound for that chat is an answer to someone who just
# wrote, not a bulk notification.
_answering: contextvars.ContextVar[int | None] = contextvars.ContextVar("answering", default=None)


@contextlib.contextmanager
def answering(chat_id: int | None) -> Iterator[None]:
    token = _answering.set(chat_id)
    try:
        yield
    finally:
        _answering.reset(token)


def is_answer(chat_id: object) -> bool:
    """Whether a call bound for `chat_id` answers the person whose update is being handled."""
    current = _answering.get()
    return current is not None and chat_id is not None and str(chat_id) == str(current)
