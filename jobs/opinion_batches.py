"""New opinions reach the office in batches at fixed times (09:00 and 15:00 by default), never
one by one as they arrive: an instant notice would time-stamp who was just using the bot."""

from __future__ import annotations

import logging

from telegram.error import Forbidden
from telegram.ext import Application, ContextTypes

from storage import opinions, people
from storage.people import OFFICE
from texts import say

log = logging.getLogger(__name__)


async def release(context: ContextTypes.DEFAULT_TYPE) -> None:
    await release_to_office(context.application)


async def release_to_office(app: Application) -> tuple[int, int]:
    """Release what arrived since the last batch and tell the office how much there is."""
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    new, follow_ups = opinions.release_batch(db)
    if not (new or follow_ups):
        return new, follow_ups
    log.info("opinion batch released: %d new, %d follow-ups", new, follow_ups)
    for person in people.everyone(db):
        if OFFICE not in person.roles or not person.chat_id or not person.reachable:
            continue
        lang = person.language or settings.default_language
        try:
            await app.bot.send_message(person.chat_id, say(
                lang, "inbox.batch", new=new, follow_ups=follow_ups))
        except Forbidden:
            people.set_reachable(db, person.id, False)
    return new, follow_ups


def schedule(app: Application) -> None:
    settings = app.bot_data["settings"]
    for moment in settings.opinion_batch_times:
        app.job_queue.run_daily(release, moment.replace(tzinfo=settings.timezone),
                                name=f"opinion-batch-{moment.isoformat('minutes')}")
