"""Long passes in slices, so that people keep getting answers while the bot works for them
(the 09:00 reminder slot, the 08:30 digests): a pass does a slice of its work, commits it, and
lets the event loop answer whoever is waiting before the next slice.

A slice ends after SLICE_SECONDS of work. A transaction never spans the pause (other updates
write on the same connection meanwhile), so each slice commits what it did; the work a slice
writes must be deduplicated, so that a pass cut short by a crash does it again harmlessly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

SLICE_SECONDS = 0.02  # the loop's longest wait, far under the 100 ms people would notice


class Slices:
    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = SLICE_SECONDS if seconds is None else seconds
        self.started = time.perf_counter()
        self.pauses = 0

    def over(self) -> bool:
        """This slice has had its time: commit, then `pause`."""
        return time.perf_counter() - self.started >= self.seconds

    async def pause(self) -> None:
        """Let the event loop run what waits (a person's update, a delivery pass)."""
        await asyncio.sleep(0)
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
