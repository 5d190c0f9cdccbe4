"""Time-driven work. `schedule(app)` is the one place that lists every job.

The foundation has none yet; reminders, digests and the outbox arrive with their issues, as
rows in SQLite picked up by one repeating sweeper, never one scheduler job per reminder.
"""

from __future__ import annotations

from telegram.ext import Application


def schedule(app: Application) -> None:
    """Register the repeating jobs on the application's JobQueue."""
