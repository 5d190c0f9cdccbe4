"""/newsheet without arguments: a rating sheet (民主评议) as a short conversation. Title →
subjects (班子成员 / 科室负责人 / 全部科室 / departments, tap several, or type names) → closing
day (下周一 / 下周五 / 本月底, or typed; a day alone closes at 17:30) → raters (everyone, roles,
departments, or typed) → a preview with how many subjects and raters → confirm. The one-liner
stays (handlers/campaign/evaluation.py), and both read input through the same functions."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, ConversationHandler

from callbacks import (
    FORM_ROLES,
    SHEET_CLOSING_DAYS,
    SHEET_FORM_CANCEL,
    SHEET_FORM_CLOSES,
    SHEET_FORM_CONFIRM,
    SHEET_FORM_EVERYONE,
    SHEET_FORM_RATER,
    SHEET_FORM_RATER_DEPARTMENT,
    SHEET_FORM_RATER_ROLE,
    SHEET_FORM_RATERS_DONE,
    SHEET_FORM_SUBJECT,
    SHEET_FORM_SUBJECT_DEPARTMENT,
    SHEET_FORM_SUBJECT_GROUP,
    SHEET_FORM_SUBJECTS_DONE,
    SHEET_FORM_TITLE,
)
from handlers import conversations, forms
from handlers.access import database, language, reply, requires, settings
from handlers.campaign.evaluation import (
    SheetInputError,
    closing_time,
    open_sheet,
    raters_named,
    subjects_named,
)
from handlers.forms import inline_rows, mark
from storage import evaluations, people
from storage.clock import clock
from storage.people import OFFICE
from texts import say

TITLE, SUBJECTS, CLOSES, RATERS, CONFIRM = conversations.states("sheet_form")
SUBJECT_GROUPS = ("班子成员", "科室负责人", "全部科室")  # words subjects_named reads
CLOSING_DAYS = SHEET_CLOSING_DAYS
RATER_ROLES = FORM_ROLES  # the rater button carries one of these
MAX_TITLE = evaluations.MAX_TITLE
SHOWN = 12


def _form(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return forms.answers(context.user_data.setdefault("sheet_form", {}), subjects=[], raters=[])


@requires(OFFICE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["sheet_form"] = {}
    year = clock.now().astimezone(settings(context).timezone).year
    suggestion = say(language(update, context), "sheet_form.suggested", year=year)
    await reply(
        update,
        context,
        "sheet_form.title",
        reply_markup=inline_rows([[(suggestion, SHEET_FORM_TITLE.data())]]),
    )
    return TITLE


@requires(OFFICE)
async def title_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    if update.callback_query:
        year = clock.now().astimezone(settings(context).timezone).year
        title = say(language(update, context), "sheet_form.suggested", year=year)
    else:
        title = update.message.text.strip()
    if not title or len(title) > MAX_TITLE:
        await reply(update, context, "evaluation.title_length", limit=MAX_TITLE)
        return TITLE
    _form(context)["title"] = title
    return await _ask_subjects(update, context, edit=False)


def _subject_rows(context: ContextTypes.DEFAULT_TYPE, lang: str) -> list[list[tuple[str, str]]]:
    chosen = _form(context)["subjects"]
    rows = [[(mark(w in chosen, w), SHEET_FORM_SUBJECT_GROUP.data(i)) for i, w in enumerate(SUBJECT_GROUPS)]]
    rows += forms.ticked(people.departments(database(context)), chosen, SHEET_FORM_SUBJECT_DEPARTMENT, lang)
    rows.append(forms.done_row(lang, SHEET_FORM_SUBJECTS_DONE))
    return rows


async def _ask_subjects(update: Update, context: ContextTypes.DEFAULT_TYPE, edit: bool) -> str:
    rows = _subject_rows(context, language(update, context))
    await forms.show_choices(update, context, "sheet_form.subjects", rows, edit)
    return SUBJECTS


@requires(OFFICE)
async def subject_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form = _form(context)
    button, values = SHEET_FORM_SUBJECT.parse(update.callback_query.data)
    if button is SHEET_FORM_SUBJECTS_DONE:
        return await _subjects_chosen(update, context, "、".join(form["subjects"]))
    options = SUBJECT_GROUPS if button is SHEET_FORM_SUBJECT_GROUP else people.departments(database(context))
    if values[0] < len(options):
        form["subjects"] = forms.toggle(form["subjects"], options[values[0]])
    return await _ask_subjects(update, context, edit=True)


@requires(OFFICE)
async def subjects_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """李娜、门诊部 or 班子成员 typed instead of tapped."""
    return await _subjects_chosen(update, context, update.message.text)


async def _subjects_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> str:
    try:
        subjects = subjects_named(database(context), typed)
    except SheetInputError as error:
        key = "sheet_form.no_subjects" if error.key == "evaluation.usage" else error.key
        await reply(update, context, key, **error.values)
        return SUBJECTS
    form = _form(context)
    form["subject_words"], form["subject_names"] = typed, [s.name for s in subjects]
    buttons = [(phrase, SHEET_FORM_CLOSES.data(phrase)) for phrase in CLOSING_DAYS]
    await reply(
        update, context, "sheet_form.closes", count=len(subjects), reply_markup=inline_rows([buttons])
    )
    return CLOSES


@requires(OFFICE)
async def closes_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    typed = forms.typed_or_tapped(update, SHEET_FORM_CLOSES)
    try:
        closes = closing_time(typed, settings(context).timezone, clock.now())
    except SheetInputError as error:
        await reply(update, context, error.key, **error.values)
        return CLOSES
    _form(context)["closes"] = closes.isoformat()
    return await _ask_raters(update, context, edit=False)


def _rater_rows(context: ContextTypes.DEFAULT_TYPE, lang: str) -> list[list[tuple[str, str]]]:
    chosen = _form(context)["raters"]
    rows = [[(mark(not chosen, say(lang, "meeting_form.everyone")), SHEET_FORM_EVERYONE.data())]]
    rows.append(
        [
            (mark(say("zh-CN", f"role.{r}") in chosen, say(lang, f"role.{r}")), SHEET_FORM_RATER_ROLE.data(r))
            for r in RATER_ROLES
        ]
    )
    rows += forms.ticked(people.departments(database(context)), chosen, SHEET_FORM_RATER_DEPARTMENT, lang)
    rows.append(forms.done_row(lang, SHEET_FORM_RATERS_DONE))
    return rows


async def _ask_raters(update: Update, context: ContextTypes.DEFAULT_TYPE, edit: bool) -> str:
    rows = _rater_rows(context, language(update, context))
    await forms.show_choices(update, context, "sheet_form.raters", rows, edit)
    return RATERS


@requires(OFFICE)
async def rater_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form = _form(context)
    button, values = SHEET_FORM_RATER.parse(update.callback_query.data)
    if button is SHEET_FORM_RATERS_DONE:
        return await _raters_chosen(update, context, "、".join(form["raters"]))
    # the words raters_named reads: role names as the catalog's zh-CN says them, departments
    if button is SHEET_FORM_EVERYONE:
        form["raters"] = []
    elif button is SHEET_FORM_RATER_ROLE:
        form["raters"] = forms.toggle(form["raters"], say("zh-CN", f"role.{values[0]}"))
    else:
        departments = people.departments(database(context))
        if values[0] < len(departments):
            form["raters"] = forms.toggle(form["raters"], departments[values[0]])
    return await _ask_raters(update, context, edit=True)


@requires(OFFICE)
async def raters_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return await _raters_chosen(update, context, update.message.text)


async def _raters_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> str:
    form, lang = _form(context), language(update, context)
    if "closes" not in form:
        await reply(update, context, "stale_button")
        return ConversationHandler.END
    try:
        roles, departments = raters_named(database(context), typed)
    except SheetInputError as error:
        await reply(update, context, error.key, **error.values)
        return RATERS
    form["rater_words"] = typed
    raters = [
        p
        for p in people.everyone(database(context))
        if (not roles and not departments) or p.has_any(roles) or p.department in departments
    ]
    names = form["subject_names"]
    shown = "、".join(names[:SHOWN]) + (f"…（+{len(names) - SHOWN}）" if len(names) > SHOWN else "")
    closes = datetime.fromisoformat(form["closes"]).astimezone(settings(context).timezone)
    await reply(
        update,
        context,
        "sheet_form.preview",
        title=form["title"],
        subjects=shown,
        count=len(names),
        closes=closes.strftime("%Y-%m-%d %H:%M"),
        raters=typed or say(lang, "meeting_form.everyone"),
        raters_count=len(raters),
        reply_markup=forms.confirm_or_cancel(lang, SHEET_FORM_CONFIRM, SHEET_FORM_CANCEL),
    )
    return CONFIRM


async def _open(update: Update, context: ContextTypes.DEFAULT_TYPE, form: dict) -> None:
    db, zone = database(context), settings(context).timezone
    try:  # read again from the words chosen: the roster may have changed since the preview
        subjects = subjects_named(db, form["subject_words"])
        roles, departments = raters_named(db, form["rater_words"])
        closes = datetime.fromisoformat(form["closes"]).astimezone(zone)
        title = form["title"]
    except (KeyError, SheetInputError):
        await reply(update, context, "stale_button")
        return
    await open_sheet(update, context, title, subjects, closes, roles, departments)


def handlers() -> list[BaseHandler]:
    Step = forms.Step
    return forms.form(
        "sheet_form",
        "newsheet",
        start,
        [
            Step(SHEET_FORM_TITLE, title_given),
            Step(SHEET_FORM_SUBJECT, subject_button, subjects_typed, whole=(SHEET_FORM_SUBJECTS_DONE,)),
            Step(SHEET_FORM_CLOSES, closes_given),
            Step(SHEET_FORM_RATER, rater_button, raters_typed, whole=(SHEET_FORM_RATERS_DONE,)),
        ],
        confirm=SHEET_FORM_CONFIRM,
        cancel=SHEET_FORM_CANCEL,
        needed="rater_words",
        finish=_open,
    )
