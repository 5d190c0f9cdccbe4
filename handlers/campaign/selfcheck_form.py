"""/selfcheck without arguments: asking for a self-check report (自查报告) as a short
conversation. Who (a department's button, or a department or person typed) → by when (下周五 /
本月底 / 两周, or typed) → reviewer (the default rule, or a name typed) → a preview → confirm.
The one-liner (held for 确认 under the same preview) and the form both end in
self_check.request_plan."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, ConversationHandler

from callbacks import (
    SELFCHECK_DUE_PHRASES,
    SELFCHECK_FORM_CANCEL,
    SELFCHECK_FORM_CONFIRM,
    SELFCHECK_FORM_DUE,
    SELFCHECK_FORM_REVIEWER,
    SELFCHECK_FORM_SUBJECT,
)
from handlers import conversations, forms
from handlers.access import database, language, quoted, reply, requires
from handlers.campaign.self_check import request_plan
from handlers.forms import inline_rows
from handlers.reports import ledger
from storage import people, phrasings
from storage.people import OFFICE
from texts import say

SUBJECT, DUE, REVIEWER, CONFIRM = conversations.states("selfcheck_form")
DUE_PHRASES = SELFCHECK_DUE_PHRASES


def _form(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return context.user_data.setdefault("selfcheck_form", {})


@requires(OFFICE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["selfcheck_form"] = {}
    departments = people.departments(database(context))
    await reply(
        update,
        context,
        "selfcheck_form.subject",
        reply_markup=inline_rows(
            forms.ticked(departments, (), SELFCHECK_FORM_SUBJECT, language(update, context))
        ),
    )
    return SUBJECT


@requires(OFFICE)
async def subject_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    db = database(context)
    departments = people.departments(db)
    if update.callback_query:
        (index,) = SELFCHECK_FORM_SUBJECT.parse(update.callback_query.data)
        subject = departments[index] if index < len(departments) else ""
    else:
        subject = update.message.text.strip()
    if subject not in departments and not any(p.name == subject for p in people.everyone(db)):
        await reply(update, context, "selfcheck.unknown", word=quoted(subject))
        return SUBJECT
    _form(context)["subject"] = subject
    await reply(
        update,
        context,
        "selfcheck_form.due",
        reply_markup=inline_rows([[(p, SELFCHECK_FORM_DUE.data(p)) for p in DUE_PHRASES]]),
    )
    return DUE


@requires(OFFICE)
async def due_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    typed = forms.typed_or_tapped(update, SELFCHECK_FORM_DUE)
    today = ledger.today(context)
    due = phrasings.parse_date(typed, today)
    if due is None or due < today:
        await reply(update, context, "selfcheck_form.bad_due", text=quoted(typed))
        return DUE
    _form(context)["due"] = due.isoformat()
    lang = language(update, context)
    await reply(
        update,
        context,
        "selfcheck_form.reviewer",
        reply_markup=inline_rows(
            [[(say(lang, "selfcheck_form.default_reviewer"), SELFCHECK_FORM_REVIEWER.data("-"))]]
        ),
    )
    return REVIEWER


@requires(OFFICE)
async def reviewer_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form, lang = _form(context), language(update, context)
    name = None if update.callback_query else update.message.text.strip()
    if name and not any(p.name == name for p in people.everyone(database(context))):
        await reply(update, context, "selfcheck.unknown", word=quoted(name))
        return REVIEWER
    if "due" not in form:
        await reply(update, context, "stale_button")
        return ConversationHandler.END
    form["reviewer"] = name
    planned = await request_plan(update, context, form["subject"], date.fromisoformat(form["due"]), name)
    if planned is None:  # the same request sent already, or a date passed: said, the form ends
        context.user_data.pop("selfcheck_form", None)
        return ConversationHandler.END
    await reply(
        update,
        context,
        planned.preview,
        reply_markup=forms.confirm_or_cancel(lang, SELFCHECK_FORM_CONFIRM, SELFCHECK_FORM_CANCEL),
        **planned.values,
    )
    return CONFIRM


async def _request(update: Update, context: ContextTypes.DEFAULT_TYPE, form: dict) -> None:
    """Planned again: what changed since the preview (the same request sent meanwhile) is refused."""
    planned = await request_plan(
        update, context, form["subject"], date.fromisoformat(form["due"]), form.get("reviewer")
    )
    if planned is not None:
        await planned.act()


def handlers() -> list[BaseHandler]:
    Step = forms.Step
    return forms.form(
        "selfcheck_form",
        "selfcheck",
        start,
        [
            Step(SELFCHECK_FORM_SUBJECT, subject_given),
            Step(SELFCHECK_FORM_DUE, due_given),
            Step(SELFCHECK_FORM_REVIEWER, reviewer_given),
        ],
        confirm=SELFCHECK_FORM_CONFIRM,
        cancel=SELFCHECK_FORM_CANCEL,
        needed="due",
        finish=_request,
    )
