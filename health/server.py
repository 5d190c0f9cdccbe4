"""The health endpoint: /healthz and /metrics on HEALTH_HOST:HEALTH_PORT (127.0.0.1 unless set;
off unless HEALTH_PORT is set).

/healthz answers 200 "ok" while the sweeper finished a run in the last 3 minutes, delivery is
not stuck and the database answers; otherwise 503 with the reasons, one a line. In a deployment
of several institutions (督导) every institution's database and delivery are read, each reason
led by the institution's name, and /metrics gives each institution's figures under its name. /metrics
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
from jobs import institutions
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
        found.append(
            f"the sweeper has not run since the bot started {time.monotonic() - vitals.started:.0f} s ago"
        )
    return found + database_problems(reading, now, app.bot_data["settings"])


def database_problems(reading: Reading, now: datetime, settings) -> list[str]:
    """What is wrong with one institution's database and its delivery; empty when nothing."""
    if reading.error is not None:
        return [f"the database does not answer: {reading.error}"]
    if reading.outbox is not None:
        waited = waiting_since(reading.outbox, now, settings)
        if waited is not None and waited > DELIVERY_STUCK:
            return [
                f"delivery is stuck: {reading.outbox.due} messages due, the oldest waiting "
                f"{waited.total_seconds() / 60:.0f} min"
            ]
    return []


@dataclass
class UnitReading:
    """One institution's reading in a deployment of several (督导), under its name."""

    name: str
    settings: object
    reading: Reading


def every_problem(app: Application, main: Reading, others: list[UnitReading], now: datetime) -> list[str]:
    """The bot's problems, then each other institution's, said with its name: one institution
    whose file is broken is reported, and does not hide the others."""
    found = problems(app, main, now)
    for unit in others:
        found += [
            f"{unit.name}: {problem}" for problem in database_problems(unit.reading, now, unit.settings)
        ]
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
    errors = CounterMetricFamily(
        "rectify_handler_errors", "Errors that reached the error handler", labels=["source"]
    )
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
        oldest = GaugeMetricFamily(
            "rectify_outbox_oldest_due_age_seconds",
            "How long the oldest due message has waited (0: none, or quiet hours)",
        )
        waited = waiting_since(reading.outbox, now, settings)
        oldest.add_metric([], waited.total_seconds() if waited else 0)
        families += [outbox, oldest]
    reminders = GaugeMetricFamily(
        "rectify_reminders_per_slot",
        "Deadline reminders of the latest slots, by state",
        labels=["slot", "state"],
    )
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
    files = GaugeMetricFamily(
        "rectify_database_bytes", "Size of the database file and its WAL", labels=["file"]
    )
    for name, size in reading.file_bytes.items():
        files.add_metric([name], size)
    families.append(files)
    if reading.backup_age is not None:
        backup = GaugeMetricFamily("rectify_backup_last_age_seconds", "Age of the newest backup")
        backup.add_metric([], reading.backup_age)
        families.append(backup)
    return families


def institution_families(units: list[UnitReading], now: datetime) -> list:
    """Per institution (督导: each its own database, outbox and backups), labelled by its name:
    the main database's figures are also in the unlabelled families above."""
    up = GaugeMetricFamily(
        "rectify_institution_database_up", "1 when the institution's database answers", labels=["institution"]
    )
    outbox = GaugeMetricFamily(
        "rectify_institution_outbox_messages",
        "An institution's outbox by state",
        labels=["institution", "state"],
    )
    oldest = GaugeMetricFamily(
        "rectify_institution_outbox_oldest_due_age_seconds",
        "How long an institution's oldest due message has waited",
        labels=["institution"],
    )
    files = GaugeMetricFamily(
        "rectify_institution_database_bytes",
        "Size of an institution's database file and its WAL",
        labels=["institution", "file"],
    )
    backup = GaugeMetricFamily(
        "rectify_institution_backup_last_age_seconds",
        "Age of an institution's newest backup",
        labels=["institution"],
    )
    for unit in units:
        reading = unit.reading
        up.add_metric([unit.name], 0 if reading.error else 1)
        if reading.outbox is not None:
            for state in ("queued", "due", "sent", "failed"):
                outbox.add_metric([unit.name, state], getattr(reading.outbox, state))
            waited = waiting_since(reading.outbox, now, unit.settings)
            oldest.add_metric([unit.name], waited.total_seconds() if waited else 0)
        for name, size in reading.file_bytes.items():
            files.add_metric([unit.name, name], size)
        if reading.backup_age is not None:
            backup.add_metric([unit.name], reading.backup_age)
    return [up, outbox, oldest, files, backup]


def _read_settings(settings, now: datetime) -> Reading:
    return read(settings.database_path, backups.folder_for(settings.database_path, settings.backup_dir), now)


def read_every(app: Application, now: datetime) -> tuple[Reading, list[UnitReading]]:
    """The main database's reading, and every institution's (the main one included, by name)
    when the deployment has several; in a worker thread."""
    main = _read_settings(app.bot_data["settings"], now)
    units = []
    for view in institutions.each(app):
        institution = institutions.institution_of(view)
        if institution is None:
            continue  # one institution: the unlabelled figures say it all
        settings = view.bot_data["settings"]
        reading = main if view is institutions.root(app) else _read_settings(settings, now)
        units.append(UnitReading(institution.name, settings, reading))
    return main, units


async def _reading(app: Application) -> tuple[Reading, list[UnitReading], datetime]:
    now = clock.now()
    main, units = await asyncio.to_thread(read_every, app, now)
    return main, units, now


def routes(app: Application) -> web.Application:
    async def healthz(request: web.Request) -> web.Response:
        reading, units, now = await _reading(app)
        others = [u for u in units if u.reading is not reading]
        found = every_problem(app, reading, others, now)
        if found:
            return web.Response(status=503, text="unhealthy\n" + "\n".join(found) + "\n")
        return web.Response(text="ok\n")

    async def metrics(request: web.Request) -> web.Response:
        reading, units, now = await _reading(app)
        registry = CollectorRegistry(auto_describe=False)
        families = metric_families(app, reading, now) + (institution_families(units, now) if units else [])
        registry.register(_Families(families))
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
    log.info(
        "health endpoint on http://%s:%s/healthz and /metrics",
        settings.health_host,
        runner.addresses[0][1] if runner.addresses else settings.health_port,
    )
    return runner


def serving_port(runner: web.AppRunner) -> int:
    return runner.addresses[0][1]
