"""New opinions reach the office in batches at fixed times (09:00 and 15:00 by default), never
one by one as they arrive: an instant notice would time-stamp who was just using the bot."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

import services
from jobs import delivery, hotspots, institutions, notices
from storage import opinions

log = logging.getLogger(__name__)


async def release(context: ContextTypes.DEFAULT_TYPE) -> None:
    for unit in institutions.each(context.application):  # each institution's own box and office
        await release_to_office(unit)


async def release_to_office(app: Application) -> tuple[int, int]:
    """Release what arrived since the last batch and tell the office how much there is."""
    released = opinions.release(services.of(app).db)
    new, follow_ups = released.opinions, released.follow_ups
    if not (new or follow_ups):
        return new, follow_ups
    await hotspots.group_released(app)  # what the office is about to see, grouped
    log.info("opinion batch released: %d new, %d follow-ups", new, follow_ups)
    # the office sees each 群众 opinion marked in its inbox: the count is no news to it
    notices.notify(
        app,
        notices.office(app),
        "inbox.batch.public" if released.public else "inbox.batch",
        new=new,
        follow_ups=follow_ups,
        public=released.public,
    )
    await delivery.send_due(app)  # the batch is the moment; no need to wait for the next pass
    return new, follow_ups


def schedule(app: Application) -> None:
    settings = services.of(app).settings
    for moment in settings.opinion_batch_times:
        assert app.job_queue is not None  # python-telegram-bot[job-queue] is a requirement
        app.job_queue.run_daily(
            release,
            moment.replace(tzinfo=settings.timezone),
            name=f"opinion-batch-{moment.isoformat('minutes')}",
        )
