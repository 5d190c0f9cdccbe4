"""Long passes in slices, so that people keep getting answers while the bot works for them
(the 09:00 reminder slot, the 08:30 digests): a pass does a slice of its work, commits it, and
lets the event loop answer whoever is waiting before the next slice.

A slice ends after SLICE_SECONDS of work. A transaction never spans the pause (other updates
write on the same connection meanwhile), so each slice commits what it did; the work a slice
writes must be deduplicated, so that a pass cut short by a crash does it again harmlessly."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterator

SLICE_SECONDS = 0.005  # the most a slice adds to any turn of the loop
PAUSE_LIMIT = 0.1  # the longest a pass waits for people to be answered before its next slice
PEEK_SECONDS = 0.002  # how often a waiting pass looks whether people have been answered
AROUND_SECONDS = 1.0  # people who were answered this recently are around: more may come


def people_waiting(app) -> Callable[[], bool]:
    """Whether anyone's update is being handled (bot.PerPersonOrder counts them)."""
    return lambda: bool(getattr(getattr(app, "update_processor", None), "in_flight", 0))


def people_around(app) -> Callable[[], bool]:
    """Whether a person's update was handled within AROUND_SECONDS (bot.PerPersonOrder)."""
    processor = getattr(app, "update_processor", None)
    return lambda: time.monotonic() - getattr(processor, "last_seen", -math.inf) < AROUND_SECONDS


class Slices:
    """Slices of SLICE_SECONDS, and people first. A reply takes many turns of the loop (the
    update read from Telegram's answer, queued, handled, the reply's request written, its
    answer read), and every turn waited for whatever slice ran in it: with 20 ms slices
    people's replies took 7 to 10 times as long during the 09:00 pass at full size as outside
    it (bench/README.md). A slice of 5 ms adds at most that to a turn. With `busy`
    (people_waiting), a pause lasts while anyone's update is being handled, up to PAUSE_LIMIT
    (so a pass still gets a slice every tenth of a second when people never stop). With
    `around` (people_around), while people are using the bot a pause lasts at least as long as
    the slice before it: the turns before an update counts as being handled (its reading from
    Telegram's answer, its queueing) then mostly fall in a pause, and the pass has half the
    loop. When nobody is around, a pause is one turn of the loop and the pass has the rest."""

    def __init__(
        self,
        seconds: float | None = None,
        busy: Callable[[], bool] | None = None,
        around: Callable[[], bool] | None = None,
    ) -> None:
        self.seconds = SLICE_SECONDS if seconds is None else seconds
        self.busy = busy or (lambda: False)
        self.around = around or (lambda: False)
        self.started = time.perf_counter()
        self.pauses = 0

    def over(self) -> bool:
        """This slice has had its time: commit, then `pause`."""
        return time.perf_counter() - self.started >= self.seconds

    async def pause(self) -> None:
        """Let the event loop run what waits (a person's update, a delivery pass): one turn, or
        as long as the slice while people are around; then, while people's updates are being
        handled, until they are (PAUSE_LIMIT at most)."""
        await asyncio.sleep(time.perf_counter() - self.started if self.around() else 0)
        waited = time.perf_counter()
        while self.busy() and time.perf_counter() - waited < PAUSE_LIMIT:
            await asyncio.sleep(PEEK_SECONDS)
        self.pauses += 1
        self.started = time.perf_counter()

    async def run(self, db, steps: Iterator[None]) -> None:
        """Run `steps` (each `yield` is a point where the work may stop) in committed slices,
        pausing between them. A step must not yield inside a transaction of its own, so that
        each slice's commit is whole."""
        while True:
            with db.atomic():
                finished = True
                for _ in steps:
                    if self.over():
                        finished = False
                        break
            if finished:
                return
            await self.pause()
