"""The one repeating job that picks up what is due (ARCHITECTURE: never one scheduler job per
reminder): deadline reminders, meeting reminders, look-backs, self-check reminders, evaluation
sheets and digests.

Each task runs in its own transaction, with its own error handling and its own progress (the
moment up to which it has done its work, kept in the sweep file beside the database): a task
that fails is reported to the office once, rolls back only its own work and tries its window
again on the next pass, while the others go on. Within a task, one row that cannot be handled
is skipped and reported (jobs.bad_rows). A bot that was down catches up on start, once, task by
task (deadline reminders: one per problem for all the slots missed, with the figures of the
working day it goes out on, at that day's reminder time)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram.ext import Application, ContextTypes

import services
from jobs import (
    digests,
    evaluations,
    institutions,
    left_screens,
    lookbacks,
    meetings,
    notices,
    questionnaires,
    reminders,
    self_checks,
    supervision,
)
from storage import anonymous_pool, dates, surveys
from storage import evaluations as evaluation_rules
from storage import lookbacks as lookback_rules
from storage import reminders as reminder_rules
from storage.clock import clock

SWEEP_SECONDS = 60
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """What a task covers on this pass: (since, now], and the reminder slots in it."""

    since: datetime
    now: datetime
    slots: list[datetime]


async def _lookbacks(app: Application, window: Window) -> int:
    for slot in window.slots:
        await lookbacks.run_in_slices(app, slot.date())
    return 0


def _self_checks(app: Application, window: Window) -> int:
    return sum(self_checks.remind(app, slot) for slot in window.slots)


def _evaluations(app: Application, window: Window) -> int:
    evaluations.run(app, window.now)
    return 0


def _orders(app: Application, window: Window) -> int:
    """督办: orders the calendar has overtaken climb a step, and reports upward not yet sent are
    chased (the body's pass only)."""
    zone = services.of(app).settings.timezone
    days = [slot.astimezone(zone).date() for slot in window.slots]
    return sum(supervision.escalate_due(app, day) + supervision.remind_reports(app, day) for day in days)


async def _rollup(app: Application, window: Window) -> int:
    """The roll-up of the latest slot only, and not on a rest day: a bot back after days down
    sent one per missed day, and Friday's on Saturday (as the digests, storage.digests)."""
    today = window.now.astimezone(services.of(app).settings.timezone).date()
    if not window.slots or not dates.is_working_day(today):
        return 0
    return await supervision.queue_digest(app, window.slots[-1])


def _questionnaires(app: Application, window: Window) -> int:
    questionnaires.run(app, window.now)
    return 0


# Each task returns how many messages it queued. These run in one transaction each:
TASKS: dict[str, Callable[[Application, Window], int]] = {
    "meetings": lambda app, w: meetings.queue_reminders(app, w.since, w.now),
    "self_checks": _self_checks,
    "evaluations": _evaluations,
    "orders": _orders,
    "questionnaires": _questionnaires,
}
# Tasks that let people in while they work: each commits its own steps (and its progress
# is recorded after the last). Reminders run first, as before: in slices, each committed;
# look-backs too (jobs/lookbacks.py). Digests are read and drawn in the chart process and
# committed person by person.
ASYNC_TASKS: dict[str, Callable[[Application, Window], Awaitable[int]]] = {
    "reminders": lambda app, w: reminders.queue_for_slots(app, w.slots),
    "lookbacks": _lookbacks,
    "digests": lambda app, w: digests.queue_due(app, w.since, w.now),
    "rollup": _rollup,
}
# Tasks that may leave their window to a later pass: while one waits, its mark stays where it
# was, so that the next pass looks at the same slots again, and the day's own with them.
WAITING: dict[str, Callable[[Application, Window], bool]] = {
    "reminders": lambda app, w: reminders.catch_up_waits(app, w.slots, w.now),
}
ORDER = (
    "reminders",
    "meetings",
    "lookbacks",
    "self_checks",
    "evaluations",
    "orders",
    "questionnaires",
    "digests",
    "rollup",
)
assert set(ORDER) == set(TASKS) | set(ASYNC_TASKS)


def _window(app: Application, task: str, now: datetime) -> Window:
    db, settings = services.of(app).db, services.of(app).settings
    since = reminder_rules.last_sweep(db, task) or now - timedelta(seconds=SWEEP_SECONDS)
    return Window(
        since, now, reminder_rules.slots_between(since, now, settings.reminder_time, settings.timezone)
    )


async def _run(app: Application, task: str, window: Window) -> int:
    db = services.of(app).db
    if task in WAITING and WAITING[task](app, window):
        return 0
    if task in ASYNC_TASKS:
        done = await ASYNC_TASKS[task](app, window)
    else:
        with db.atomic():
            done = TASKS[task](app, window)
    # The progress is recorded after the work's commit, in the sweep file (not in the database,
    # where a commit every minute would date the commits around it): a crash in between does
    # the window again, and what it queues is deduplicated. An ordinary minute's progress is
    # written every few minutes only (storage.reminders.MARKS_WRITTEN_EVERY).
    reminder_rules.record_sweep(db, window.now, task, lasting=bool(done or window.slots))
    return done


def _failed(app: Application, task: str, error: Exception) -> None:
    # Where it failed (the frames), not the error's message: that can quote a row's content.
    log.error(
        "sweeper task %s failed: %s\n%s",
        task,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)).rstrip(),
    )
    day = clock.now().astimezone(services.of(app).settings.timezone).date().isoformat()
    notices.notify(
        app,
        notices.office(app),
        "notice.task_failed",
        dedup=f"task-failed:{task}:{day}",
        task=task,
        error=type(error).__name__,
    )


async def sweep_app(app: Application) -> int:
    """One pass over every task; returns how many messages were queued."""
    with reminder_rules.one_pass(services.of(app).db):
        return await _pass(app)


async def _pass(app: Application) -> int:
    db = services.of(app).db
    now = clock.now()
    queued = 0
    reminder_rules.adopt_marks(db, ORDER)
    try:
        _write_leftover_ballots(app, _window(app, "lookbacks", now))
    except Exception as error:  # noqa: BLE001 - the pool keeps them for the next pass
        _failed(app, "ballots", error)
    for task in ORDER:
        try:
            queued += await _run(app, task, _window(app, task, now))
        except Exception as error:  # noqa: BLE001 - one task's failure must not stop the others
            _failed(app, task, error)
    reminder_rules.record_sweep(db, now, lasting=bool(queued))
    try:
        await left_screens.put_back_closed(app)  # after the close, in the same pass
    except Exception as error:  # noqa: BLE001 - the chats wait for the next pass
        _failed(app, "screens", error)
    return queued


def _write_leftover_ballots(app: Application, window: Window) -> None:
    """Ballots still in the mixing pool for the look-backs and sheets that close in this pass
    are written first, in commits of their own: never inside a task's commit, beside its
    notices and audit rows."""
    db = services.of(app).db
    closing = {lookback.id for slot in window.slots for lookback in lookback_rules.expired(db, slot.date())}
    sheets = [sheet.id for sheet in evaluation_rules.open_sheets(db) if window.now >= sheet.closes_at]
    pool = anonymous_pool.pool_for(db)
    pool.write_closing(sorted(closing), sheets)
    for survey in surveys.open_surveys(db):
        if window.now >= survey.closes_at:
            pool.write_survey(survey.id, with_voters=False)
    pool.settle_if_due()  # a checkpoint that a long reader held up after the last batch


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    dates.follow_holiday_file()  # a notice imported from the command line since the last pass
    for unit in institutions.each(context.application):  # every institution, in turn
        await sweep_app(unit)


def schedule(app: Application) -> None:
    assert app.job_queue is not None  # python-telegram-bot[job-queue] is a requirement
    app.job_queue.run_repeating(sweep, interval=SWEEP_SECONDS, first=1, name="sweeper")
