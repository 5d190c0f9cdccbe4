"""Grouping opinions into hotspots when they are released to the office (called once a batch
is written; the grouping reads only the text)."""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

import services
from hotspots.grouping import FollowUp, Grouper
from storage import hotspots
from storage.db import reader

log = logging.getLogger(__name__)


def grouper(app: Application) -> Grouper:
    """The institution's index, built on first use from what is stored."""
    held = services.of(app)
    if held.hotspots is None:
        held.hotspots = Grouper(hotspots.new_group_id)
    return held.hotspots


async def group_released(app: Application) -> int:
    """Place every released opinion not yet in a group, take in the office's moves and the
    write-backs that say more about the problem (they may move their opinion to the group it
    is now most like); the groups touched get their representative chosen again. Returns how
    many opinions were placed."""
    db, chosen = services.of(app).db, grouper(app)

    def read(rebuild: bool):
        # every released opinion and write-back, and on the first batch every grouped opinion:
        # long reads, on a read-only connection in a worker thread, not on the event loop
        with reader(db) as reading:
            return (
                hotspots.ungrouped(reading),
                [FollowUp(*row) for row in hotspots.follow_ups(reading)],
                hotspots.members_for_index(reading) if rebuild else None,
            )

    new, written_back, grouped = await asyncio.to_thread(read, False)
    if not new and not chosen.has_pending and not chosen.has_unread(written_back):
        return 0
    if chosen.needs_members:
        new, written_back, grouped = await asyncio.to_thread(read, True)
    placed = await asyncio.to_thread(chosen.place, new, grouped, written_back)
    hotspots.place(db, placed.placements, placed.representatives, placed.regrouped)
    log.info(
        "hotspots: %d opinions grouped, %d moved by a write-back",
        len(placed.placements),
        len(placed.regrouped),
    )
    return len(placed.placements)
