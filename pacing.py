"""Telegram's overall limits, kept by a timetable: the n-th message of a run goes at the n-th
slot, one slot every 1/rate seconds (a margin below the limit), whatever time the previous one
actually went. A send that comes late (a commit, a slow reply, the event loop busy elsewhere)
does not push the later slots back; the next one goes at once until the timetable is caught
up. A bucket of one, which this replaces, kept no such credit: each late wake-up was lost for
good (3.3 % of the rate at 10,000 people, bench/README.md).

Two bounds keep the catching up within Telegram's limits: no more than `limit` messages inside
any sliding window a little longer than a second (Telegram, and the fake Bot API, count in a
second), and a timetable more than CATCH_UP seconds behind starts again from now (an idle bot
banks no burst; a stall that long is not made up).

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

MARGIN = 0.985  # of the limit: clear of the edge when a request's way to Telegram varies
CATCH_UP = 0.1  # seconds of slots a late timetable may send at once to catch up
FREE_PER_SECOND = 30  # Telegram: "not more than 30 messages per second or so" to many chats
PAID_PER_SECOND = 1000  # with allow_paid_broadcast


class Timetable:
    """Slots for sends at `per_second` x MARGIN, never more than `per_second` in any window."""

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
        # As long as `limit` slots of the timetable (1.015 s at a margin of 1.5 %): sends on time
        # are never held back, and what the margin leaves (15 ms) guards against the way to
        # Telegram taking longer for one request than for the next. With half that guard, 12 of
        # 10,000 sends met a 429 on a busy machine, each costing a second of sending.
        self.window = max(1.0, self.limit * self.gap)
        self.catch_up = max(catch_up, self.gap)
        self.clock, self.sleep = clock, sleep
        self.next_slot = -math.inf
        self.recent: collections.deque[float] = collections.deque()

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
            while self.recent and self.recent[0] <= now - self.window + 1e-6:  # (rounding)
                self.recent.popleft()
            if len(self.recent) < self.limit:
                self.recent.append(now)
                return
            await self.sleep(self.recent[0] + self.window - now)

    def note(self) -> None:
        """A send that went at once, outside the timetable (an answer to someone who just
        wrote): it counts in the sliding window, so the sends on the timetable (the outbox's)
        give way to it, and takes no slot of the timetable, so it never waits."""
        now = self.clock()
        while self.recent and self.recent[0] <= now - self.window + 1e-6:
            self.recent.popleft()
        self.recent.append(now)


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
