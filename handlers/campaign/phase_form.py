"""/phase without arguments: a campaign phase as a short conversation. Name (the three phases
offered as buttons) → first day (今天 / 明天 / 下周一, or typed) → last day (本月底 / 下月底 /
年底, or typed) → a preview → confirm. The one-liner stays (handlers/campaign/calendar.py)."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes

from callbacks import (
    PHASE_FIRST_DAYS,
    PHASE_FORM_CANCEL,
    PHASE_FORM_CONFIRM,
    PHASE_FORM_FIRST,
    PHASE_FORM_LAST,
    PHASE_FORM_NAME,
    PHASE_LAST_DAYS,
)
from handlers import conversations, forms
from handlers.access import language, quoted, reply, requires, too_long
from handlers.campaign.calendar import announce_phase, phase_bound, phase_preview
from handlers.forms import inline_rows
from storage.people import OFFICE

NAME, FIRST, LAST, CONFIRM = conversations.states("phase_form")
PHASES = ("学习教育、听取意见", "查摆问题、开展批评", "整改落实、建章立制")  # DOMAIN.md's three
FIRST_DAYS = PHASE_FIRST_DAYS
LAST_DAYS = PHASE_LAST_DAYS
MAX_NAME = 200


def _form(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return context.user_data.setdefault("phase_form", {})


@requires(OFFICE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["phase_form"] = {}
    await reply(
        update,
        context,
        "phase_form.name",
        reply_markup=inline_rows([[(name, PHASE_FORM_NAME.data(i))] for i, name in enumerate(PHASES)]),
    )
    return NAME


@requires(OFFICE)
async def name_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    if update.callback_query:
        (index,) = PHASE_FORM_NAME.parse(update.callback_query.data)
        name = PHASES[index] if index < len(PHASES) else ""
    else:
        name = update.message.text.strip()
        if await too_long(update, context, name, MAX_NAME):
            return NAME
    if not name:
        await reply(update, context, "stale_button")
        return NAME
    _form(context)["name"] = name
    return await _ask_day(update, context, "first", FIRST_DAYS, FIRST)


async def _ask_day(
    update: Update, context: ContextTypes.DEFAULT_TYPE, which: str, phrases: tuple[str, ...], state: str
) -> str:
    button = PHASE_FORM_FIRST if which == "first" else PHASE_FORM_LAST
    buttons = [(phrase, button.data(phrase)) for phrase in phrases]
    await reply(update, context, f"phase_form.{which}", reply_markup=inline_rows([buttons]))
    return state


@requires(OFFICE)
async def first_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    typed = forms.typed_or_tapped(update, PHASE_FORM_FIRST)
    starts = phase_bound(context, typed, last=False)
    if starts is None:
        await reply(update, context, "phase_form.bad_day", text=quoted(typed))
        return FIRST
    _form(context)["starts"] = starts.isoformat()
    return await _ask_day(update, context, "last", LAST_DAYS, LAST)


@requires(OFFICE)
async def last_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    typed, form = forms.typed_or_tapped(update, PHASE_FORM_LAST), _form(context)
    ends = phase_bound(context, typed, last=True)
    if ends is None or "starts" not in form or ends <= datetime.fromisoformat(form["starts"]):
        await reply(update, context, "phase_form.bad_day", text=quoted(typed))
        return LAST
    form["ends"] = ends.isoformat()
    starts = datetime.fromisoformat(form["starts"])
    lang = language(update, context)
    await reply(
        update,
        context,
        "phase_form.preview",
        **phase_preview(context, form["name"], starts, ends),
        reply_markup=forms.confirm_or_cancel(lang, PHASE_FORM_CONFIRM, PHASE_FORM_CANCEL),
    )
    return CONFIRM


async def _announce(update: Update, context: ContextTypes.DEFAULT_TYPE, form: dict) -> None:
    await announce_phase(
        update,
        context,
        form["name"],
        datetime.fromisoformat(form["starts"]),
        datetime.fromisoformat(form["ends"]),
    )


def handlers() -> list[BaseHandler]:
    Step = forms.Step
    return forms.form(
        "phase_form",
        "phase",
        start,
        [
            Step(PHASE_FORM_NAME, name_given),
            Step(PHASE_FORM_FIRST, first_given),
            Step(PHASE_FORM_LAST, last_given),
        ],
        confirm=PHASE_FORM_CONFIRM,
        cancel=PHASE_FORM_CANCEL,
        needed="ends",
        finish=_announce,
    )
