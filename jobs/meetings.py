"""Meeting reminders for the sweeper: 1 day and 1 hour before by default (MEETING_REMINDERS),
to each attendee, once (the key includes the start time, so a moved meeting is reminded
afresh), and only while the meeting is still ahead when the reminder goes out."""

from __future__ import annotations

from datetime import datetime

from telegram.ext import Application

import services
from jobs import bad_rows
from storage import calendar, outbox
from storage.clock import iso
from texts import say


def _lead(offset) -> str:
    """A stable name for the offset in the deduplication key."""
    return f"{int(offset.total_seconds() // 60)}m"


def queue_reminders(app: Application, since: datetime, now: datetime) -> int:
    settings = services.of(app).settings
    queued = 0
    for event, offset in calendar.reminders_due(services.of(app).db, since, now, settings.meeting_reminders):
        with bad_rows.skipped_if_bad(app, "events", event.id):
            queued += _queue(app, event, offset, now)
    return queued


def _queue(app: Application, event, offset, now: datetime) -> int:
    db, settings = services.of(app).db, services.of(app).settings
    goes_out = outbox.after_quiet_hours(now, settings.timezone, settings.quiet_hours)
    if goes_out >= event.starts_at:
        # Caught up after the meeting began (the bot was down, or an hour before fell in quiet
        # hours and would go out as it starts): a reminder then only says what was missed.
        return 0
    when = event.starts_at.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")
    lead = _lead(offset)
    queued = 0
    for person in calendar.attendees(db, event):
        lang = person.language or settings.default_language
        queued += outbox.queue(
            db,
            person.id,
            say(lang, "meeting.reminder", title=event.title, when=when, place=event.place or "—"),
            dedup_key=f"meeting:{event.id}:{lead}:{iso(event.starts_at)}:{person.id}",
            due_at=goes_out,
        )
    return queued
