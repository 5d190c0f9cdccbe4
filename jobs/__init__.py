"""Time-driven work. `schedule(app)` is the one place that lists every job.

Reminders (a later issue) are rows in SQLite picked up by one repeating sweeper, never one
scheduler job per reminder; the jobs here are fixed daily times.
"""

from __future__ import annotations

from telegram.ext import Application

from jobs import backups, delivery, forgetting, opinion_batches, sweeper


def schedule(app: Application) -> None:
    delivery.schedule(app)
    opinion_batches.schedule(app)
    sweeper.schedule(app)
    backups.schedule(app)
    forgetting.schedule(app)
