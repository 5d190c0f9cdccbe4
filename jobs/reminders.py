"""The sweeper: one repeating job that works out which deadline reminders are due since it
last looked and queues them in the outbox, once each (a deduplication key per problem, kind,
day and person). After downtime it catches up: every slot missed is queued once, and what
falls in quiet hours waits for the morning."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from storage import outbox, people, problems, reminders
from storage.clock import clock
from storage.people import HEAD, LEADER, OFFICE, Person
from storage.reminders import Reminder
from texts import say

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60


def _recipients(everyone: list[Person], problem, reminder: Reminder) -> list[tuple[Person, bool]]:
    """(person, is a head of the department) for each audience of the reminder."""
    chosen: dict[int, tuple[Person, bool]] = {}
    for person in everyone:
        head = HEAD in person.roles and person.department_id == problem.department_id
        if ((reminders.DEPARTMENT in reminder.audience and head)
                or (reminders.LEADER in reminder.audience and person.id == problem.leader_id
                    and LEADER in person.roles)
                or (reminders.OFFICE in reminder.audience and OFFICE in person.roles)):
            chosen[person.id] = (person, head)
    return list(chosen.values())


def _queue(app: Application, problem, reminder: Reminder, slot, everyone: list[Person]) -> int:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    queued = 0
    for person, head in _recipients(everyone, problem, reminder):
        lang = person.language or settings.default_language
        buttons = [[(say(lang, "progress.btn.report"), f"pr:{problem.id}")]] if head else []
        buttons.append([(say(lang, "reminder.btn.open", id=problem.id), f"lg:{problem.id}")])
        kind = "today" if reminder.kind == "due" and reminder.days == 0 else reminder.kind
        text = say(lang, f"reminder.{kind}", id=problem.id, title=problem.title,
                   days=reminder.days, deadline=problem.deadline.isoformat())
        queued += outbox.queue(
            db, person.id, text, buttons=buttons, grouping=f"reminders:{slot.isoformat()}",
            dedup_key=f"reminder:{problem.id}:{reminder.key}:{slot.date().isoformat()}:{person.id}",
            due_at=outbox.after_quiet_hours(slot, settings.timezone, settings.quiet_hours))
    return queued


async def sweep_app(app: Application) -> int:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    now = clock.now()
    since = reminders.last_sweep(db) or now - timedelta(seconds=SWEEP_SECONDS)
    slots = reminders.slots_between(since, now, settings.reminder_time, settings.timezone)
    queued = 0
    if slots:
        open_problems = problems.listing(db, f"pr.status in ({','.join('?' * len(problems.WORKING))})",
                                         list(problems.WORKING))
        everyone = people.everyone(db)
        for slot in slots:
            for problem in open_problems:
                for reminder in reminders.reminders_on(
                        problem, slot.date(), settings.reminder_days, settings.escalate_leader_after,
                        settings.escalate_office_after):
                    queued += _queue(app, problem, reminder, slot, everyone)
        if queued:
            log.info("sweeper queued %d reminders for %d slot(s)", queued, len(slots))
    reminders.record_sweep(db, now)
    return queued


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    await sweep_app(context.application)


def schedule(app: Application) -> None:
    app.job_queue.run_repeating(sweep, interval=SWEEP_SECONDS, first=1, name="reminder-sweeper")
