"""What the running bot counts in memory for the health endpoint: updates handled, handler
errors, 429s received (counted by the transport), and when each scheduler job last finished
and how long it took. Nothing here is written to the database: the sweeper's heartbeat lives
in memory only, so the file holds no minute-by-minute trace of the bot's activity."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from telegram import Update
from telegram.ext import Application, ContextTypes


@dataclass(frozen=True)
class JobRun:
    finished: float  # time.monotonic()
    seconds: float


class Vitals:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.updates_handled = 0
        self.errors: collections.Counter[str] = collections.Counter()  # "update" / "job"
        self.jobs: dict[str, JobRun] = {}
        self._submitted: dict[str, float] = {}  # scheduler job id -> when it was handed to run

    def last_ran(self, job: str) -> JobRun | None:
        """When the named job (a name from jobs/, such as "sweeper") last finished a run."""
        return self.jobs.get(job)


class CountingApplication(Application):
    """The Application, counting each update it has finished handling."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            vitals = self.bot_data.get("vitals")
            if vitals is not None:
                vitals.updates_handled += 1


def of(app: Application) -> Vitals:
    return app.bot_data["vitals"]


def watch(app: Application) -> Vitals:
    """Start counting for this application: errors through an extra error handler (the one in
    handlers/ still logs and tells people), job runs through the scheduler's own events, so
    no job has to report itself."""
    vitals = app.bot_data["vitals"] = Vitals()

    async def count_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        vitals.errors["update" if isinstance(update, Update) else "job"] += 1

    app.add_error_handler(count_error)
    scheduler = app.job_queue.scheduler

    def on_job(event: JobEvent) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            vitals._submitted[event.job_id] = time.monotonic()
            return
        began = vitals._submitted.pop(event.job_id, None)
        job = scheduler.get_job(event.job_id)
        if began is not None and job is not None and job.name:
            now = time.monotonic()
            vitals.jobs[job.name] = JobRun(finished=now, seconds=now - began)

    scheduler.add_listener(on_job, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return vitals
