"""The one repeating job that picks up what is due (ARCHITECTURE: never one scheduler job per
reminder). Each pass covers the reminder slots since the last pass, recorded in SQLite, so a
bot that was down catches up on start, once: deadline reminders, look-backs, meeting reminders
and digests."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application, ContextTypes

from jobs import digests, evaluations, lookbacks, meetings, reminders, self_checks
from storage import anonymous_pool
from storage import evaluations as evaluation_rules
from storage import lookbacks as lookback_rules
from storage import reminders as reminder_rules
from storage.clock import clock

SWEEP_SECONDS = 60


async def sweep_app(app: Application) -> int:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    now = clock.now()
    since = reminder_rules.last_sweep(db) or now - timedelta(seconds=SWEEP_SECONDS)
    slots = reminder_rules.slots_between(since, now, settings.reminder_time, settings.timezone)
    _write_leftover_ballots(app, slots, now)
    with db.atomic():  # one commit for everything queued at once, not one per row
        queued = reminders.queue_for_slots(app, slots) if slots else 0
        queued += meetings.queue_reminders(app, since, now)
        for slot in slots:
            lookbacks.run(app, slot.date())
            queued += self_checks.remind(app, slot)
        evaluations.run(app, now)
    queued += await digests.queue_due(app, since, now)
    reminder_rules.record_sweep(db, now)
    return queued


def _write_leftover_ballots(app: Application, slots, now) -> None:
    """Ballots still in the mixing pool for the look-backs and sheets that close in this pass
    are written first, in commits of their own: never inside the pass's one commit, beside its
    notices and audit rows."""
    db = app.bot_data["db"]
    closing = {lookback.id for slot in slots for lookback in lookback_rules.expired(db, slot.date())}
    sheets = [sheet.id for sheet in evaluation_rules.open_sheets(db) if now >= sheet.closes_at]
    pool = anonymous_pool.pool_for(db)
    pool.write_closing(sorted(closing), sheets)
    pool.settle_if_due()  # a checkpoint that a long reader held up after the last batch


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    await sweep_app(context.application)


def schedule(app: Application) -> None:
    app.job_queue.run_repeating(sweep, interval=SWEEP_SECONDS, first=1, name="sweeper")
