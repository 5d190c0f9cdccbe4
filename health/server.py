"""The health endpoint: /healthz and /metrics on HEALTH_HOST:HEALTH_PORT (127.0.0.1 unless set;
off unless HEALTH_PORT is set).

/healthz answers 200 "ok" while the sweeper finished a run in the last 3 minutes, delivery is
not stuck and the database answers; otherwise 503 with the reasons, one a line. /metrics
answers Prometheus' text format. Every figure is a count, a size or an age: no label or value
names a person, a chat or an opinion.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from telegram.ext import Application

from health import vitals as vital_signs
from storage import backups
from storage import health as records
from storage.clock import clock, iso
from storage.outbox import in_quiet_hours

log = logging.getLogger(__name__)

SWEEPER_LATE = 180.0  # seconds: it runs every minute
# A due message still unsent after this long (outside quiet hours) means delivery is stuck: a
# working delivery sends about 1,800 a minute at Telegram's pace, so this is 27,000 in a queue.
DELIVERY_STUCK = timedelta(minutes=15)


@dataclass
class Reading:
    """One look at the database and its files, taken in a worker thread."""

    error: str | None = None
    outbox: records.OutboxCounts | None = None
    reminders: dict[str, dict[str, int]] = field(default_factory=dict)
    file_bytes: dict[str, int] = field(default_factory=dict)
    backup_age: float | None = None


def read(database_path: Path, backup_folder: Path, now: datetime) -> Reading:
    reading = Reading()
    for name, path in (("database", database_path), ("wal", Path(f"{database_path}-wal"))):
        reading.file_bytes[name] = path.stat().st_size if path.exists() else 0
    newest = backups.existing(backup_folder)
    if newest:
        reading.backup_age = max(0.0, time.time() - newest[-1].stat().st_mtime)
    try:
        connection = records.reader(database_path)
        try:
            records.answers(connection)
            reading.outbox = records.outbox_counts(connection, iso(now))
            reading.reminders = records.reminders_by_slot(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        reading.error = f"{type(error).__name__}: {error}"
    return reading


def _last_quiet_end(now: datetime, settings) -> datetime | None:
    start, end = settings.quiet_hours
    if start == end:
        return None
    local = now.astimezone(settings.timezone)
    moment = datetime.combine(local.date(), end, tzinfo=settings.timezone)
    return moment if moment <= local else moment - timedelta(days=1)


def waiting_since(counts: records.OutboxCounts, now: datetime, settings) -> timedelta | None:
    """How long the oldest due message has waited for delivery; None when nothing is due or
    quiet hours hold everything back. Waiting counts from the end of the last quiet hours."""
    if counts.oldest_due_at is None or in_quiet_hours(now, settings.timezone, settings.quiet_hours):
        return None
    since = counts.oldest_due_at
    quiet_end = _last_quiet_end(now, settings)
    if quiet_end is not None and quiet_end > since:
        since = quiet_end
    return max(now - since, timedelta(0))


def problems(app: Application, reading: Reading, now: datetime) -> list[str]:
    """Why the bot is not healthy; empty when it is."""
    found = []
    vitals = vital_signs.of(app)
    sweep = vitals.last_ran("sweeper")
    if sweep is not None and time.monotonic() - sweep.finished > SWEEPER_LATE:
        found.append(f"the sweeper last ran {time.monotonic() - sweep.finished:.0f} s ago")
    elif sweep is None and time.monotonic() - vitals.started > SWEEPER_LATE:
        found.append(f"the sweeper has not run since the bot started "
                     f"{time.monotonic() - vitals.started:.0f} s ago")
    if reading.error is not None:
        found.append(f"the database does not answer: {reading.error}")
    elif reading.outbox is not None:
        waited = waiting_since(reading.outbox, now, app.bot_data["settings"])
        if waited is not None and waited > DELIVERY_STUCK:
            found.append(f"delivery is stuck: {reading.outbox.due} messages due, the oldest waiting "
                         f"{waited.total_seconds() / 60:.0f} min")
    return found


class _Families:
    """A prometheus_client collector that hands over metric families built for one scrape."""

    def __init__(self, families: list) -> None:
        self.families = families

    def collect(self):
        return iter(self.families)


def metric_families(app: Application, reading: Reading, now: datetime) -> list:
    vitals = vital_signs.of(app)
    settings = app.bot_data["settings"]
    updates = CounterMetricFamily("rectify_updates_handled", "Updates the bot finished handling")
    updates.add_metric([], vitals.updates_handled)
    errors = CounterMetricFamily("rectify_handler_errors", "Errors that reached the error handler",
                                 labels=["source"])
    for source in ("update", "job"):
        errors.add_metric([source], vitals.errors[source])
    refusals = CounterMetricFamily("rectify_telegram_429", "Answers 429 (Too Many Requests) received")
    refusals.add_metric([], getattr(app.bot.request, "too_many_requests", 0))
    families = [updates, errors, refusals]
    up = GaugeMetricFamily("rectify_database_up", "1 when the database answers")
    up.add_metric([], 0 if reading.error else 1)
    families.append(up)
    if reading.outbox is not None:
        outbox = GaugeMetricFamily("rectify_outbox_messages", "Outbox messages by state", labels=["state"])
        for state in ("queued", "due", "sent", "failed"):
            outbox.add_metric([state], getattr(reading.outbox, state))
        oldest = GaugeMetricFamily("rectify_outbox_oldest_due_age_seconds",
                                   "How long the oldest due message has waited (0: none, or quiet hours)")
        waited = waiting_since(reading.outbox, now, settings)
        oldest.add_metric([], waited.total_seconds() if waited else 0)
        families += [outbox, oldest]
    reminders = GaugeMetricFamily("rectify_reminders_per_slot",
                                  "Deadline reminders of the latest slots, by state",
                                  labels=["slot", "state"])
    for slot, states in reading.reminders.items():
        for state, count in states.items():
            reminders.add_metric([slot, state], count)
    families.append(reminders)
    sweep = vitals.last_ran("sweeper")
    if sweep is not None:
        duration = GaugeMetricFamily("rectify_sweep_last_duration_seconds", "How long the last sweep took")
        duration.add_metric([], sweep.seconds)
        age = GaugeMetricFamily("rectify_sweep_last_run_age_seconds", "Seconds since the last sweep finished")
        age.add_metric([], time.monotonic() - sweep.finished)
        families += [duration, age]
    files = GaugeMetricFamily("rectify_database_bytes", "Size of the database file and its WAL",
                              labels=["file"])
    for name, size in reading.file_bytes.items():
        files.add_metric([name], size)
    families.append(files)
    if reading.backup_age is not None:
        backup = GaugeMetricFamily("rectify_backup_last_age_seconds", "Age of the newest backup")
        backup.add_metric([], reading.backup_age)
        families.append(backup)
    return families


async def _reading(app: Application) -> tuple[Reading, datetime]:
    settings = app.bot_data["settings"]
    now = clock.now()
    folder = backups.folder_for(settings.database_path, settings.backup_dir)
    return await asyncio.to_thread(read, settings.database_path, folder, now), now


def routes(app: Application) -> web.Application:
    async def healthz(request: web.Request) -> web.Response:
        reading, now = await _reading(app)
        found = problems(app, reading, now)
        if found:
            return web.Response(status=503, text="unhealthy\n" + "\n".join(found) + "\n")
        return web.Response(text="ok\n")

    async def metrics(request: web.Request) -> web.Response:
        reading, now = await _reading(app)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families(metric_families(app, reading, now)))
        # The format the scraper asks for (Prometheus' text format unless it asks for OpenMetrics).
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encode(registry), headers={"Content-Type": content_type})

    web_app = web.Application()
    web_app.add_routes([web.get("/healthz", healthz), web.get("/metrics", metrics)])
    return web_app


async def start(app: Application) -> web.AppRunner | None:
    """Serve /healthz and /metrics when HEALTH_PORT is set; None when it is not."""
    settings = app.bot_data["settings"]
    if settings.health_port is None:
        return None
    runner = web.AppRunner(routes(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.health_host, settings.health_port).start()
    log.info("health endpoint on http://%s:%s/healthz and /metrics", settings.health_host,
             runner.addresses[0][1] if runner.addresses else settings.health_port)
    return runner


def serving_port(runner: web.AppRunner) -> int:
    return runner.addresses[0][1]
