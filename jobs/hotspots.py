"""Grouping opinions into hotspots when they are released to the office (called once a batch
is written; the grouping reads only the text)."""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

from hotspots.grouping import Grouper
from storage import hotspots

log = logging.getLogger(__name__)


def grouper(app: Application) -> Grouper:
    """The institution's index, built on first use from what is stored."""
    return app.bot_data.setdefault("hotspots", Grouper(hotspots.new_group_id))


async def group_released(app: Application) -> int:
    """Place every released opinion not yet in a group, and take in the office's moves (the
    groups they touched get their representative chosen again); returns how many were placed."""
    db = app.bot_data["db"]
    new, chosen = hotspots.ungrouped(db), grouper(app)
    if not new and not chosen.has_pending:
        return 0
    grouped = hotspots.members_for_index(db) if chosen.needs_members else None
    placements, representatives = await asyncio.to_thread(chosen.place, new, grouped)
    hotspots.place(db, placements, representatives)
    log.info("hotspots: %d opinions grouped", len(placements))
    return len(placements)
