"""/meeting without arguments: the same meeting as the one-liner, as a short conversation with
buttons. Name → day (今天 / 明天 / 下周一 / 本月底, or typed) → time (typed, or 09:00 / 14:30)
→ place (or skip) → attendees (everyone, roles, departments: tap several, or type them) → a
preview that says how many people will be told → confirm. The one-liner stays
(handlers/campaign/calendar.py)."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, ConversationHandler

from callbacks import (
    FORM_ROLES,
    MEETING_FORM_AUDIENCE,
    MEETING_FORM_AUDIENCE_DONE,
    MEETING_FORM_CANCEL,
    MEETING_FORM_CONFIRM,
    MEETING_FORM_DAY,
    MEETING_FORM_DEPARTMENT,
    MEETING_FORM_EVERYONE,
    MEETING_FORM_PLACE_SKIP,
    MEETING_FORM_ROLE,
    MEETING_FORM_TIME,
)
from handlers import conversations, forms
from handlers.access import database, language, quoted, reply, requires, settings, too_long
from handlers.campaign.calendar import announce_meeting, meeting_preview
from handlers.forms import inline_rows
from storage import calendar, people, phrasings
from storage.clock import clock
from storage.people import OFFICE
from texts import say

TITLE, DAY, TIME, PLACE, AUDIENCE, CONFIRM = conversations.states("meeting_form")
DAY_PHRASES = ("今天", "明天", "下周一", "本月底")  # what the quick buttons mean, as phrasings reads
QUICK_TIMES = ("09:00", "14:30")
ROLES_OFFERED = FORM_ROLES  # the role button carries one of these
MAX_TITLE = 200


def _form(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return forms.answers(context.user_data.setdefault("meeting_form", {}), roles=[], departments=[])


def _now(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    return clock.now().astimezone(settings(context).timezone)


@requires(OFFICE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["meeting_form"] = {"roles": [], "departments": []}
    await reply(update, context, "meeting_form.title")
    return TITLE


@requires(OFFICE)
async def receive_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    title = update.message.text.strip()
    if not title or len(title) > MAX_TITLE:
        await reply(update, context, "meeting_form.title_length", limit=MAX_TITLE)
        return TITLE
    _form(context)["title"] = title
    return await _ask_day(update, context)


async def _ask_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    lang = language(update, context)
    buttons = [
        (say(lang, f"meeting_form.day.{i}"), MEETING_FORM_DAY.data(i)) for i in range(len(DAY_PHRASES))
    ]
    await reply(update, context, "meeting_form.day", reply_markup=inline_rows([buttons[:2], buttons[2:]]))
    return DAY


@requires(OFFICE)
async def day_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    (index,) = MEETING_FORM_DAY.parse(update.callback_query.data)
    if index >= len(DAY_PHRASES):
        await reply(update, context, "stale_button")
        return DAY
    return await _day_chosen(update, context, DAY_PHRASES[index])


@requires(OFFICE)
async def day_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A whole moment (12月10日 下午2点半) skips the time step; a day alone asks for the time."""
    typed = update.message.text
    now = _now(context)
    if phrasings.parse_date(typed, now.date()) is None:
        moment = phrasings.parse_moment(typed, now)
        if moment is None:
            await reply(update, context, "meeting_form.bad_day", text=quoted(typed))
            return DAY
        return await _time_chosen(update, context, moment)
    return await _day_chosen(update, context, typed)


async def _day_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, phrase: str) -> str:
    day = phrasings.parse_date(phrase, _now(context).date())
    _form(context)["day"] = day.isoformat()
    buttons = [(t, MEETING_FORM_TIME.data(i)) for i, t in enumerate(QUICK_TIMES)]
    await reply(
        update, context, "meeting_form.time", day=day.isoformat(), reply_markup=inline_rows([buttons])
    )
    return TIME


@requires(OFFICE)
async def time_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    typed = _quick_time(update.callback_query.data) if update.callback_query else update.message.text
    at = phrasings.parse_time(typed)
    form = _form(context)
    if at is None or "day" not in form:
        await reply(update, context, "meeting_form.bad_time", text=quoted(typed))
        return TIME
    day = datetime.fromisoformat(form["day"]).date()
    return await _time_chosen(update, context, datetime.combine(day, at, tzinfo=_now(context).tzinfo))


def _quick_time(data: str) -> str:
    """The time a quick button stands for ("" past the list: told it is not a time)."""
    (index,) = MEETING_FORM_TIME.parse(data)
    return QUICK_TIMES[index] if index < len(QUICK_TIMES) else ""


async def _time_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, moment: datetime) -> str:
    if moment < _now(context):
        await reply(update, context, "meeting_form.past", when=moment.strftime("%Y-%m-%d %H:%M"))
        return DAY
    _form(context)["starts"] = moment.isoformat()
    lang = language(update, context)
    await reply(
        update,
        context,
        "meeting_form.place",
        reply_markup=inline_rows([[(say(lang, "meeting_form.skip"), MEETING_FORM_PLACE_SKIP.data("-"))]]),
    )
    return PLACE


@requires(OFFICE)
async def place_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    place = "" if update.callback_query else update.message.text.strip()
    if await too_long(update, context, place, MAX_TITLE):
        return PLACE
    _form(context)["place"] = place
    return await _ask_audience(update, context)


def _audience_rows(update: Update, context: ContextTypes.DEFAULT_TYPE) -> list[list[tuple[str, str]]]:
    lang, form = language(update, context), _form(context)

    mark = forms.mark
    rows = [
        [
            (
                mark(not form["roles"] and not form["departments"], say(lang, "meeting_form.everyone")),
                MEETING_FORM_EVERYONE.data(),
            )
        ]
    ]
    rows.append(
        [(mark(r in form["roles"], say(lang, f"role.{r}")), MEETING_FORM_ROLE.data(r)) for r in ROLES_OFFERED]
    )
    rows += forms.ticked(
        people.departments(database(context)), form["departments"], MEETING_FORM_DEPARTMENT, lang
    )
    rows.append(forms.done_row(lang, MEETING_FORM_AUDIENCE_DONE))
    return rows


async def _ask_audience(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    await reply(
        update, context, "meeting_form.audience", reply_markup=inline_rows(_audience_rows(update, context))
    )
    return AUDIENCE


@requires(OFFICE)
async def audience_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query, form = update.callback_query, _form(context)
    button, values = MEETING_FORM_AUDIENCE.parse(query.data)
    if button is MEETING_FORM_AUDIENCE_DONE:
        return await _preview(update, context)
    if button is MEETING_FORM_EVERYONE:
        form["roles"], form["departments"] = [], []
    elif button is MEETING_FORM_ROLE:
        form["roles"] = sorted(set(form["roles"]) ^ {values[0]})
    elif button is MEETING_FORM_DEPARTMENT:
        known = people.departments(database(context))
        if values[0] < len(known):
            form["departments"] = sorted(set(form["departments"]) ^ {known[values[0]]})
    await forms.show_choices(
        update, context, "meeting_form.audience", _audience_rows(update, context), edit=True
    )
    return AUDIENCE


@requires(OFFICE)
async def audience_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """班子成员、门诊部 typed instead of tapped."""
    try:
        roles, departments = calendar.audience(update.message.text, people.departments(database(context)))
    except ValueError as unknown:
        await reply(update, context, "calendar.unknown_audience", word=quoted(str(unknown)))
        return AUDIENCE
    _form(context).update(roles=roles, departments=departments)
    return await _preview(update, context)


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form, lang = _form(context), language(update, context)
    if "starts" not in form or "title" not in form:  # a form from before a restart, half gone
        await reply(update, context, "stale_button")
        return ConversationHandler.END
    starts = datetime.fromisoformat(form["starts"])
    preview = meeting_preview(
        update, context, form["title"], starts, form.get("place", ""), form["roles"], form["departments"]
    )
    await reply(
        update,
        context,
        "meeting_form.preview",
        **preview,
        reply_markup=forms.confirm_or_cancel(lang, MEETING_FORM_CONFIRM, MEETING_FORM_CANCEL),
    )
    return CONFIRM


async def _announce(update: Update, context: ContextTypes.DEFAULT_TYPE, form: dict) -> None:
    await announce_meeting(
        update,
        context,
        form["title"],
        datetime.fromisoformat(form["starts"]),
        form.get("place", ""),
        form["roles"],
        form["departments"],
    )


def handlers() -> list[BaseHandler]:
    Step = forms.Step
    return forms.form(
        "meeting_form",
        "meeting",
        start,
        [
            Step(None, receive_title),
            Step(MEETING_FORM_DAY, day_button, day_typed),
            Step(MEETING_FORM_TIME, time_given),
            Step(MEETING_FORM_PLACE_SKIP, place_given),
            Step(MEETING_FORM_AUDIENCE, audience_button, audience_typed, whole=(MEETING_FORM_AUDIENCE_DONE,)),
        ],
        confirm=MEETING_FORM_CONFIRM,
        cancel=MEETING_FORM_CANCEL,
        needed="starts",
        finish=_announce,
    )
