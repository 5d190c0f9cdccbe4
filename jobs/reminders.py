"""Deadline reminders for the sweeper: which reminders the slots since its last look call for,
queued in the outbox once each (a deduplication key per problem, kind, day and person)."""

from __future__ import annotations

import logging

from telegram.ext import Application

import services
from callbacks import EXTENSION_ASK, LEDGER_DETAIL, PROBLEM_CHASE, PROGRESS_REPORT
from jobs import bad_rows, delivery
from jobs.slices import Slices, people_around, people_waiting
from storage import outbox, people, problems, reminders
from storage.clock import clock
from storage.people import HEAD, LEADER, OFFICE, Person
from storage.reminders import Reminder
from texts import say

log = logging.getLogger(__name__)


class Audiences:
    """Who hears a reminder, looked up by department and leader rather than by walking the
    whole roster once per problem (10,000 people x thousands of late problems is minutes)."""

    def __init__(self, hearers: list[Person]) -> None:
        self.heads: dict[int, list[Person]] = {}
        self.leaders: dict[int, Person] = {}
        self.office = [p for p in hearers if OFFICE in p.roles]
        for person in hearers:
            if HEAD in person.roles:
                self.heads.setdefault(person.department_id, []).append(person)
            if LEADER in person.roles:
                self.leaders[person.id] = person

    def of(self, problem, reminder: Reminder) -> list[tuple[Person, bool]]:
        """(person, is a head of the department) for each audience of the reminder."""
        chosen: dict[int, tuple[Person, bool]] = {}
        if reminders.OFFICE in reminder.audience:
            chosen.update((p.id, (p, False)) for p in self.office)
        leader = self.leaders.get(problem.leader_id)
        if reminders.LEADER in reminder.audience and leader:
            chosen[leader.id] = (leader, False)
        if reminders.DEPARTMENT in reminder.audience:
            chosen.update((p.id, (p, True)) for p in self.heads.get(problem.department_id, []))
        return list(chosen.values())


def _grouping(slot) -> str:
    return f"reminders:{slot.isoformat()}"


def _queue(app: Application, problem, reminder: Reminder, slot, audiences: Audiences, day=None) -> int:
    """Queue the reminder for its audience in the slot's message; `day`: the day its figures
    are of (the slot's, or today's for a catch-up)."""
    db, settings = services.of(app).db, services.of(app).settings
    queued = 0
    kind = reminder.kind
    day = day or slot.astimezone(settings.timezone).date()
    if kind == "due" and reminder.days == 0:
        # no working day left: today is the deadline, or the last working day before a deadline
        # on a rest day (a Friday's reminder of a Sunday deadline said 今天到期)
        kind = "today" if problem.deadline == day else "last_working_day"
    for person, head in audiences.of(problem, reminder):
        lang = person.language or settings.default_language
        # a bundled reminder carries several problems' buttons: each names its problem, and a
        # problem's buttons share one row, so that a bundle of 8 is one message, not 3 or 4
        report = (say(lang, "reminder.btn.report", id=problem.id), PROGRESS_REPORT.data(problem.id))
        row = [report] if head else []
        if person.id == problem.leader_id and kind == "overdue":
            # escalated to the leader: the department is late, and the leader's next step is
            # to chase it (handlers/problems/chase.py), which the reminder did not offer
            row.append((say(lang, "reminder.btn.chase", id=problem.id), PROBLEM_CHASE.data(problem.id)))
        if person.id == problem.leader_id:  # the responsible leader may ask the office for more time
            row.append((say(lang, "reminder.btn.extension", id=problem.id), EXTENSION_ASK.data(problem.id)))
        row.append((say(lang, "reminder.btn.open", id=problem.id), LEDGER_DETAIL.data(problem.id)))
        buttons = [row]
        text = say(
            lang,
            f"reminder.{kind}",
            id=problem.id,
            title=problem.title,
            days=reminder.days,
            # calendar days too, as the digest and the card count them: a leader read 逾期 11 天
            # in the digest and 已逾期 7 个工作日 in the reminder under it, of one problem
            late=(day - problem.deadline).days,
            deadline=problem.deadline.isoformat(),
        )
        queued += outbox.queue(
            db,
            person.id,
            text,
            buttons=buttons,
            grouping=_grouping(slot),
            dedup_key=f"reminder:{problem.id}:{reminder.key}:{day.isoformat()}:{person.id}",
            due_at=outbox.after_quiet_hours(slot, settings.timezone, settings.quiet_hours),
        )
    return queued


async def queue_for_slots(app: Application, slots: list) -> int:
    """Queue every reminder that the given slots call for (each at most once, ever), in slices
    that each commit and then let the event loop answer people (at full size the 09:00 slot
    queues tens of thousands of reminders: seconds of work)."""
    if not slots:
        return 0
    db = services.of(app).db
    audiences = Audiences(people.holding(db, (HEAD, LEADER, OFFICE)))
    queued = 0
    # in deadline order, so that a bundle leads with the longest overdue and ends with what falls
    # due last: by number, a leader read "7 days to go" above "overdue for 3 days"
    working = problems.each(db, problems.WORKING_FILTER, by_deadline=True, bad_row=bad_rows.reporter(app))
    slices = Slices(busy=people_waiting(app), around=people_around(app))
    with delivery.holding(app, [_grouping(slot) for slot in slots]):
        while True:
            with db.atomic():
                finished = True
                for problem in working:
                    queued += _queue_problem(app, problem, slots, audiences)
                    if slices.over():
                        finished = False
                        break
            if finished:
                break
            await slices.pause()
    if queued:
        log.info(
            "sweeper queued %d reminders for %d slot(s) in %d slice(s)", queued, len(slots), slices.pauses + 1
        )
    return queued


def catch_up_waits(app: Application, slots: list, now) -> bool:
    """Missed slots are left for the next working day's reminder time (storage.reminders)."""
    today = now.astimezone(services.of(app).settings.timezone).date()
    return reminders.catch_up_waits(slots, today)


def _queue_problem(app: Application, problem, slots: list, audiences: Audiences) -> int:
    settings = services.of(app).settings
    queued = 0
    with bad_rows.skipped_if_bad(app, "problems", problem.id, savepoint=False):  # dedup keys
        if len(slots) > 1:  # back after downtime: one reminder, today's figures
            return _catch_up(app, problem, slots, audiences)
        for slot in slots:
            for reminder in reminders.reminders_on(
                problem,
                slot.date(),
                settings.reminder_days,
                settings.escalate_leader_after,
                settings.escalate_office_after,
            ):
                queued += _queue(app, problem, reminder, slot, audiences)
    return queued


def _catch_up(app: Application, problem, slots: list, audiences: Audiences) -> int:
    """The slots missed while the bot was down, folded into one reminder in the message of
    today's slot (a working day's: catch_up_waits held them until one), with today's figures.
    One per slot, each with the days as they were, read as a burst that contradicted itself."""
    settings = services.of(app).settings
    today = clock.now().astimezone(settings.timezone).date()
    reminder = reminders.caught_up(
        problem,
        [slot.astimezone(settings.timezone).date() for slot in slots],
        today,
        settings.reminder_days,
        settings.escalate_leader_after,
        settings.escalate_office_after,
    )
    if reminder is None:
        return 0
    return _queue(app, problem, reminder, slots[-1], audiences, day=today)
