"""The nightly backup: an online copy of the database at BACKUP_TIME, the newest BACKUP_KEEP
kept. The copy runs in a worker thread with its own connection, so the bot keeps answering."""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application, ContextTypes

import services
from jobs import institutions
from storage import backups
from storage.clock import clock

log = logging.getLogger(__name__)


async def back_up(app: Application) -> None:
    settings = services.of(app).settings
    folder = backups.folder_for(settings.database_path, settings.backup_dir)
    now = clock.now().astimezone(settings.timezone)
    try:
        path = await asyncio.to_thread(
            backups.take, settings.database_path, folder, now, settings.backup_keep
        )
    except Exception:  # a failed backup must not stop the bot; the log says so loudly
        log.exception("nightly backup failed")
        return
    log.info("backup written: %s", path.name)


async def nightly(context: ContextTypes.DEFAULT_TYPE) -> None:
    for unit in institutions.each(context.application):  # each institution's file, into its own folder
        await back_up(unit)


def schedule(app: Application) -> None:
    settings = services.of(app).settings
    at = settings.backup_time.replace(tzinfo=settings.timezone)
    assert app.job_queue is not None  # python-telegram-bot[job-queue] is a requirement
    app.job_queue.run_daily(nightly, time=at, name="backup")
