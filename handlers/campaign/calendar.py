"""The campaign calendar in chat: /meetings for everyone (what they attend, and the current
phase); the office adds meetings and phases, moves or cancels them, and attendees are told."""

from __future__ import annotations

import re
from datetime import datetime, time

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from callbacks import MEETING_CANCEL_HELD, MEETING_HELD, MEETING_MOVE_HELD, PHASE_HELD, read_id
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
    too_long,
)
from handlers.held_commands import HeldCommand, Planned
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


def _parts(words: list[str]) -> list[str]:
    # the full-width ｜ is what a Chinese input method types for |
    return [part.strip() for part in re.split(r"[|｜]", " ".join(words))]


async def _meeting_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/meeting 2026-12-10 14:30 | 专题民主生活会 | 三楼会议室 | 班子成员、门诊部: its attendees are
    told at once, so it is held for 确认 under the form's preview (who, how many)."""
    parts = _parts(words) + ["", "", ""]
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
        return None
    if starts is None or not parts[1]:
        await reply(update, context, "calendar.usage")
        return None
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
        return None
    title, place = parts[1], parts[2]
    if await too_long(update, context, title, calendar.MAX_TEXT) or await too_long(
        update, context, place, calendar.MAX_TEXT
    ):
        return None

    async def announce() -> None:
        await announce_meeting(update, context, title, starts, place, roles, departments)

    return Planned(
        "meeting_form.preview",
        announce,
        meeting_preview(update, context, title, starts, place, roles, departments),
    )


def meeting_preview(update, context, title: str, starts: datetime, place: str, roles, departments) -> dict:
    """What a meeting's preview says, from the one-liner and the form alike: who attends, how many."""
    lang = language(update, context)
    event = calendar.Event(0, "meeting", title, starts, None, place, tuple(roles), tuple(departments), False)
    who = "、".join([say(lang, f"role.{r}") for r in roles] + list(departments)) or say(
        lang, "meeting_form.everyone"
    )
    return {
        "title": title,
        "when": _when(context, starts),
        "place": place or "—",
        "who": who,
        "count": len(calendar.attendees(database(context), event)),
    }


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


async def _phase_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/phase 2026-12-01 | 2026-12-31 | 查摆问题、开展批评: told to everyone on the roster, so it
    is held for 确认 under the form's preview."""
    parts = _parts(words) + ["", ""]
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
            return None
    if starts is None or ends is None or not parts[2] or ends < starts:
        await reply(update, context, "calendar.phase_usage")
        return None
    name = parts[2]
    if await too_long(update, context, name, calendar.MAX_TEXT):
        return None

    async def announce() -> None:
        await announce_phase(update, context, name, starts, ends)

    return Planned("phase_form.preview", announce, phase_preview(context, name, starts, ends))


def phase_preview(context, name: str, starts: datetime, ends: datetime) -> dict:
    """What a phase's preview says, from the one-liner and the form alike."""
    return {
        "name": name,
        "first": _when(context, starts)[:10],
        "last": _when(context, ends)[:10],
        "count": len(notices.everyone(context)),
    }


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


async def _event_arg(update, context, words: list[str]) -> calendar.Event | None:
    event_id = read_id((words or [""])[0])
    event = calendar.get(database(context), event_id) if event_id is not None else None
    if event is None or event.cancelled:
        await reply(update, context, "calendar.no_event")
        return None
    return event


async def _move_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/meeting_move N 2026-12-11 09:00 | 新地点: every attendee is told, so it is held for 确认
    under the meeting's name, old and new time and how many will hear of it."""
    event = await _event_arg(update, context, words)
    if event is None:
        return None
    parts = _parts(words[1:]) + [""]
    starts = _moment(context, parts[0])
    if starts is None:
        await reply(update, context, "calendar.usage")
        return None
    place = parts[1] or None
    if place and await too_long(update, context, place, calendar.MAX_TEXT):
        return None

    async def move() -> None:
        moved = calendar.move(database(context), event.id, starts, place, person_of(update, context).id)
        told = notices.meeting_moved(context, moved)
        await reply(update, context, "calendar.moved", id=moved.id, count=told)

    return Planned(
        "calendar.move_preview",
        move,
        {
            "id": event.id,
            "title": event.title,
            "old": _when(context, event.starts_at),
            "when": _when(context, starts),
            "place": place or event.place or "—",
            "count": len(calendar.attendees(database(context), event)),
        },
    )


async def _cancel_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/meeting_cancel N: cannot be undone and every attendee is told, so it is held for 确认
    under the meeting's name and time (a mistyped number shows the wrong meeting, not gone)."""
    event = await _event_arg(update, context, words)
    if event is None:
        return None

    async def cancel() -> None:
        cancelled = calendar.cancel(database(context), event.id, person_of(update, context).id)
        told = notices.meeting_cancelled(context, cancelled)
        await reply(update, context, "calendar.cancelled", id=cancelled.id, count=told)

    return Planned(
        "calendar.cancel_preview",
        cancel,
        {
            "id": event.id,
            "title": event.title,
            "when": _when(context, event.starts_at),
            "count": len(calendar.attendees(database(context), event)),
        },
    )


MEETING = HeldCommand(
    "meeting", MEETING_HELD, _meeting_plan, (OFFICE,), "calendar.btn.publish", "calendar.not_added"
)
PHASE = HeldCommand("phase", PHASE_HELD, _phase_plan, (OFFICE,), "calendar.btn.publish", "calendar.not_added")
MOVE = HeldCommand(
    "meeting_move", MEETING_MOVE_HELD, _move_plan, (OFFICE,), "calendar.btn.move", "calendar.not_moved"
)
CANCEL = HeldCommand(
    "meeting_cancel",
    MEETING_CANCEL_HELD,
    _cancel_plan,
    (OFFICE,),
    "calendar.btn.cancel",
    "calendar.not_cancelled",
    cancel_label="calendar.btn.keep",
)


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("meetings", show_calendar),
        # bare /meeting and /phase are the guided forms' (registered before this module)
        CommandHandler("meeting", MEETING.preview()),
        CommandHandler("phase", PHASE.preview()),
        CommandHandler("meeting_move", MOVE.preview()),
        CommandHandler("meeting_cancel", CANCEL.preview()),
        *MEETING.handlers(with_command=False),
        *PHASE.handlers(with_command=False),
        *MOVE.handlers(with_command=False),
        *CANCEL.handlers(with_command=False),
    ]
