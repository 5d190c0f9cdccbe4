"""The campaign calendar in chat: /meetings for everyone (what they attend, and the current
phase); the office adds meetings and phases, moves or cancels them, and attendees are told."""

from __future__ import annotations

import re
from datetime import datetime, time

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from callbacks import read_id
from handlers import menu
from handlers.access import (
    MEMBERS,
    database,
    language,
    person_of,
    quoted,
    reply,
    requires,
    send_lines,
    settings,
)
from jobs import notices
from storage import calendar, people, phrasings
from storage.clock import clock
from storage.people import OFFICE
from texts import Raw, say


def _when(context, moment: datetime) -> str:
    return moment.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M")


def _moment(context, text: str, end: bool = False) -> datetime | None:
    """2026-12-10 14:30, 12月10日 下午2点半, 明天上午9点, 下周一 9:00; a bare date that ends a
    phase means the end of that day."""
    return calendar.moment(text, settings(context).timezone, end=end)


@requires(*MEMBERS)
async def show_calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    lang = language(update, context)
    db = database(context)
    # the office runs the calendar, so it sees every meeting, not only those it attends
    events = [
        e
        for e in calendar.upcoming(db, clock.now())
        if e.kind == "phase"
        or OFFICE in person.roles
        or person.id in {p.id for p in calendar.attendees(db, e)}
    ]
    if not events:
        await reply(update, context, "calendar.empty")
        return
    lines = [say(lang, "calendar.title")]
    for event in events:
        width = 10 if event.kind == "phase" else 16  # a phase runs by whole days
        lines.append(
            say(
                lang,
                f"calendar.{event.kind}",
                id=event.id,
                title=event.title,
                when=_when(context, event.starts_at)[:width],
                until=_when(context, event.ends_at)[:width] if event.ends_at else "—",
                place=event.place or "—",
            )
        )
    await send_lines(context, update.effective_chat.id, lines)


def _parts(context) -> list[str]:
    # the full-width ｜ is what a Chinese input method types for |
    return [part.strip() for part in re.split(r"[|｜]", " ".join(context.args or []))]


@requires(OFFICE)
async def add_meeting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/meeting 2026-12-10 14:30 | 专题民主生活会 | 三楼会议室 | 班子成员、门诊部"""
    parts = _parts(context) + ["", "", ""]
    starts = _moment(context, parts[0])
    if starts is None and parts[0]:
        await reply(
            update,
            context,
            "calendar.bad_time",
            number=1,
            text=quoted(parts[0]),
            usage=Raw(say(language(update, context), "calendar.usage")),
        )
        return
    if starts is None or not parts[1]:
        await reply(update, context, "calendar.usage")
        return
    try:
        roles, departments = calendar.audience(parts[3], people.departments(database(context)))
    except ValueError as unknown:
        await reply(
            update,
            context,
            "oneliner.part",
            number=4,
            why=Raw(say(language(update, context), "calendar.unknown_audience", word=quoted(str(unknown)))),
        )
        return
    await announce_meeting(update, context, parts[1], starts, parts[2], roles, departments)


def phase_bound(context, text: str, last: bool) -> datetime | None:
    """A phase's first or last day: a day alone (2026-12-01, 本月底) covers the whole day."""
    zone = settings(context).timezone
    day = phrasings.parse_date(text, clock.now().astimezone(zone).date()) if text else None
    if day is not None:
        return datetime.combine(day, time(23, 59, 59) if last else time(0, 0), tzinfo=zone)
    return _moment(context, text) if text else None


async def announce_meeting(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    title: str,
    starts: datetime,
    place: str,
    roles: list[str],
    departments: list[str],
) -> None:
    """The meeting added, its attendees told, the office told how many: from the one-liner and
    from the guided form (handlers/campaign/meeting_form.py) alike."""
    event_id = calendar.add(
        database(context),
        "meeting",
        title,
        starts,
        person_of(update, context).id,
        place=place,
        roles=roles,
        departments=departments,
    )
    event = calendar.get(database(context), event_id)
    notices.meeting_set(context, event)
    await reply(
        update,
        context,
        "calendar.added",
        id=event_id,
        count=len(calendar.attendees(database(context), event)),
    )


@requires(OFFICE)
async def add_phase(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/phase 2026-12-01 | 2026-12-31 | 查摆问题、开展批评"""
    parts = _parts(context) + ["", ""]
    starts, ends = phase_bound(context, parts[0], False), phase_bound(context, parts[1], True)
    for number, (typed, moment) in enumerate(((parts[0], starts), (parts[1], ends)), 1):
        if moment is None and typed:
            await reply(
                update,
                context,
                "calendar.bad_time",
                number=number,
                text=quoted(typed),
                usage=Raw(say(language(update, context), "calendar.phase_usage")),
            )
            return
    if starts is None or ends is None or not parts[2] or ends < starts:
        await reply(update, context, "calendar.phase_usage")
        return
    await announce_phase(update, context, parts[2], starts, ends)


async def announce_phase(
    update: Update, context: ContextTypes.DEFAULT_TYPE, title: str, starts: datetime, ends: datetime
) -> None:
    """The phase added (everyone sees it under /meetings): from the one-liner and the form."""
    event_id = calendar.add(
        database(context), "phase", title, starts, person_of(update, context).id, ends_at=ends
    )
    told = notices.phase_announced(
        context,
        calendar.get(database(context), event_id),
        _when(context, starts)[:10],
        _when(context, ends)[:10],
    )
    await reply(update, context, "calendar.added", id=event_id, count=told)


async def _event_arg(update, context) -> calendar.Event | None:
    event_id = read_id((context.args or [""])[0])
    event = calendar.get(database(context), event_id) if event_id is not None else None
    if event is None or event.cancelled:
        await reply(update, context, "calendar.no_event")
        return None
    return event


@requires(OFFICE)
async def move_meeting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/meeting_move N 2026-12-11 09:00 | 新地点"""
    event = await _event_arg(update, context)
    if event is None:
        return
    parts = [p.strip() for p in " ".join((context.args or [])[1:]).split("|")] + [""]
    starts = _moment(context, parts[0])
    if starts is None:
        await reply(update, context, "calendar.usage")
        return
    actor = person_of(update, context)
    event = calendar.move(database(context), event.id, starts, parts[1] or None, actor.id)
    notices.meeting_moved(context, event)
    await reply(update, context, "calendar.moved", id=event.id)


@requires(OFFICE)
async def cancel_meeting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    event = await _event_arg(update, context)
    if event is None:
        return
    event = calendar.cancel(database(context), event.id, person_of(update, context).id)
    notices.meeting_cancelled(context, event)
    await reply(update, context, "calendar.cancelled", id=event.id)


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("meetings", show_calendar),
        CommandHandler("meeting", add_meeting),
        CommandHandler("phase", add_phase),
        CommandHandler("meeting_move", move_meeting),
        CommandHandler("meeting_cancel", cancel_meeting),
    ]
