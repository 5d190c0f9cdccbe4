"""Long passes in slices, so that people keep getting answers while the bot works for them
(the 09:00 reminder slot, the 08:30 digests): a pass does a slice of its work, commits it, and
lets the event loop answer whoever is waiting before the next slice.

A slice ends after SLICE_SECONDS of work. A transaction never spans the pause (other updates
write on the same connection meanwhile), so each slice commits what it did; the work a slice
writes must be deduplicated, so that a pass cut short by a crash does it again harmlessly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

SLICE_SECONDS = 0.02  # the loop's longest wait, far under the 100 ms people would notice


def people_waiting(app) -> Callable[[], bool]:
    """Whether anyone's update is being handled (bot.PerPersonOrder counts them)."""
    return lambda: bool(getattr(getattr(app, "update_processor", None), "in_flight", 0))


class Slices:
    """With `busy` (people_waiting), a pause while people's updates are being handled lasts as
    long as the slice before it: an update takes several turns of the loop (the request read,
    the handler, the reply's request and its answer), and a pause of one turn each gave the
    pass 20 ms of every 21 (at full size, people's replies took 20 times as long during the
    09:00 pass as outside it). The pass then gets half the loop at most, and all of it when
    nobody is waiting. While people wait, slices are also half as long: each turn of the loop a
    reply needs waits for at most one slice."""

    def __init__(self, seconds: float | None = None, busy: Callable[[], bool] | None = None) -> None:
        self.seconds = SLICE_SECONDS if seconds is None else seconds
        self.busy = busy or (lambda: False)
        self.started = time.perf_counter()
        self.pauses = 0

    def over(self) -> bool:
        """This slice has had its time: commit, then `pause`."""
        took = time.perf_counter() - self.started
        return took >= self.seconds or (took >= self.seconds / 2 and self.busy())

    async def pause(self) -> None:
        """Let the event loop run what waits (a person's update, a delivery pass)."""
        await asyncio.sleep(time.perf_counter() - self.started if self.busy() else 0)
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
