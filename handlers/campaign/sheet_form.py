"""/newsheet without arguments: a rating sheet (民主评议) as a short conversation. Title →
subjects (班子成员 / 科室负责人 / 全部科室 / departments, tap several, or type names) → closing
day (下周一 / 下周五 / 本月底, or typed; a day alone closes at 17:30) → raters (everyone, roles,
departments, or typed) → a preview with how many subjects and raters → confirm. The one-liner
stays (handlers/campaign/evaluation.py), and both read input through the same functions."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

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
from handlers import conversations, menu, typed_choice
from handlers.access import database, language, reply, requires, settings
from handlers.campaign.evaluation import (
    SheetInputError,
    closing_time,
    open_sheet,
    raters_named,
    subjects_named,
)
from handlers.campaign.meeting_form import inline_rows
from storage import people
from storage.clock import clock
from storage.people import OFFICE
from texts import say

TITLE, SUBJECTS, CLOSES, RATERS, CONFIRM = conversations.states("sheet_form")
SUBJECT_GROUPS = ("班子成员", "科室负责人", "全部科室")  # words subjects_named reads
CLOSING_DAYS = SHEET_CLOSING_DAYS
RATER_ROLES = FORM_ROLES  # the rater button carries one of these
MAX_TITLE = 200
SHOWN = 12


def _form(context: ContextTypes.DEFAULT_TYPE) -> dict:
    form = context.user_data.setdefault("sheet_form", {})
    form.setdefault("subjects", [])
    form.setdefault("raters", [])
    return form


def _mark(chosen: bool, label: str) -> str:
    return f"✓ {label}" if chosen else label


@requires(OFFICE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["sheet_form"] = {}
    year = clock.now().astimezone(settings(context).timezone).year
    suggestion = say(language(update, context), "sheet_form.suggested", year=year)
    await reply(update, context, "sheet_form.title",
                reply_markup=inline_rows([[(suggestion, SHEET_FORM_TITLE.data())]]))
    return TITLE


@requires(OFFICE)
async def title_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    if update.callback_query:
        year = clock.now().astimezone(settings(context).timezone).year
        title = say(language(update, context), "sheet_form.suggested", year=year)
    else:
        title = update.message.text.strip()
    if not title or len(title) > MAX_TITLE:
        await reply(update, context, "meeting_form.title_length", limit=MAX_TITLE)
        return TITLE
    _form(context)["title"] = title
    return await _ask_subjects(update, context, edit=False)


def _subject_rows(context: ContextTypes.DEFAULT_TYPE, lang: str) -> list[list[tuple[str, str]]]:
    chosen = _form(context)["subjects"]
    rows = [[(_mark(w in chosen, w), SHEET_FORM_SUBJECT_GROUP.data(i)) for i, w in enumerate(SUBJECT_GROUPS)]]
    departments = people.departments(database(context))
    buttons = [(_mark(d in chosen, d), SHEET_FORM_SUBJECT_DEPARTMENT.data(i))
               for i, d in enumerate(departments)]
    rows += [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(say(lang, "meeting_form.done"), SHEET_FORM_SUBJECTS_DONE.data())])
    return rows


async def _ask_subjects(update: Update, context: ContextTypes.DEFAULT_TYPE, edit: bool) -> str:
    rows = inline_rows(_subject_rows(context, language(update, context)))
    if edit:
        await update.callback_query.answer()
        try:
            await update.callback_query.edit_message_reply_markup(rows)
        except BadRequest:  # not modified
            pass
    else:
        await reply(update, context, "sheet_form.subjects", reply_markup=rows)
    return SUBJECTS


def _toggle(chosen: list[str], word: str) -> list[str]:
    return [w for w in chosen if w != word] if word in chosen else [*chosen, word]


@requires(OFFICE)
async def subject_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form = _form(context)
    button, values = SHEET_FORM_SUBJECT.parse(update.callback_query.data)
    if button is SHEET_FORM_SUBJECTS_DONE:
        return await _subjects_chosen(update, context, "、".join(form["subjects"]))
    options = SUBJECT_GROUPS if button is SHEET_FORM_SUBJECT_GROUP else people.departments(database(context))
    if values[0] < len(options):
        form["subjects"] = _toggle(form["subjects"], options[values[0]])
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
    await reply(update, context, "sheet_form.closes", count=len(subjects),
                reply_markup=inline_rows([buttons]))
    return CLOSES


@requires(OFFICE)
async def closes_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    typed = (SHEET_FORM_CLOSES.parse(update.callback_query.data)[0] if update.callback_query
             else update.message.text)
    try:
        closes = closing_time(typed, settings(context).timezone, clock.now())
    except SheetInputError as error:
        await reply(update, context, error.key, **error.values)
        return CLOSES
    _form(context)["closes"] = closes.isoformat()
    return await _ask_raters(update, context, edit=False)


def _rater_rows(context: ContextTypes.DEFAULT_TYPE, lang: str) -> list[list[tuple[str, str]]]:
    chosen = _form(context)["raters"]
    rows = [[(_mark(not chosen, say(lang, "meeting_form.everyone")), SHEET_FORM_EVERYONE.data())]]
    rows.append([(_mark(say("zh-CN", f"role.{r}") in chosen, say(lang, f"role.{r}")),
                  SHEET_FORM_RATER_ROLE.data(r)) for r in RATER_ROLES])
    departments = people.departments(database(context))
    buttons = [(_mark(d in chosen, d), SHEET_FORM_RATER_DEPARTMENT.data(i))
               for i, d in enumerate(departments)]
    rows += [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(say(lang, "meeting_form.done"), SHEET_FORM_RATERS_DONE.data())])
    return rows


async def _ask_raters(update: Update, context: ContextTypes.DEFAULT_TYPE, edit: bool) -> str:
    rows = inline_rows(_rater_rows(context, language(update, context)))
    if edit:
        await update.callback_query.answer()
        try:
            await update.callback_query.edit_message_reply_markup(rows)
        except BadRequest:  # not modified
            pass
    else:
        await reply(update, context, "sheet_form.raters", reply_markup=rows)
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
        form["raters"] = _toggle(form["raters"], say("zh-CN", f"role.{values[0]}"))
    else:
        departments = people.departments(database(context))
        if values[0] < len(departments):
            form["raters"] = _toggle(form["raters"], departments[values[0]])
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
    raters = [p for p in people.everyone(database(context))
              if (not roles and not departments) or p.has_any(roles) or p.department in departments]
    names = form["subject_names"]
    shown = "、".join(names[:SHOWN]) + (f"…（+{len(names) - SHOWN}）" if len(names) > SHOWN else "")
    closes = datetime.fromisoformat(form["closes"]).astimezone(settings(context).timezone)
    await reply(update, context, "sheet_form.preview", title=form["title"], subjects=shown,
                count=len(names), closes=closes.strftime("%Y-%m-%d %H:%M"),
                raters=typed or say(lang, "meeting_form.everyone"), raters_count=len(raters),
                reply_markup=inline_rows([[(say(lang, "btn.confirm"), SHEET_FORM_CONFIRM.data()),
                                           (say(lang, "btn.cancel"), SHEET_FORM_CANCEL.data())]]))
    return CONFIRM


@requires(OFFICE)
async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    form = context.user_data.pop("sheet_form", {})
    db, zone = database(context), settings(context).timezone
    try:  # read again from the words chosen: the roster may have changed since the preview
        subjects = subjects_named(db, form["subject_words"])
        roles, departments = raters_named(db, form["rater_words"])
        closes = datetime.fromisoformat(form["closes"]).astimezone(zone)
        title = form["title"]
    except (KeyError, SheetInputError):
        await reply(update, context, "stale_button")
        return ConversationHandler.END
    await open_sheet(update, context, title, subjects, closes, roles, departments)
    return ConversationHandler.END


@requires(OFFICE)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("sheet_form", None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    text = menu.TYPED
    return [typed_choice.conversation(
        entry_points=[CommandHandler("newsheet", start, has_args=False)],
        states={
            **conversations.on_timeout("sheet_form"),
            TITLE: [CallbackQueryHandler(title_given, pattern=SHEET_FORM_TITLE),
                    MessageHandler(text, title_given)],
            SUBJECTS: [CallbackQueryHandler(subject_button, pattern=SHEET_FORM_SUBJECT),
                       MessageHandler(text, subjects_typed)],
            CLOSES: [CallbackQueryHandler(closes_given, pattern=SHEET_FORM_CLOSES),
                     MessageHandler(text, closes_given)],
            RATERS: [CallbackQueryHandler(rater_button, pattern=SHEET_FORM_RATER),
                     MessageHandler(text, raters_typed)],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=SHEET_FORM_CONFIRM),
                      CallbackQueryHandler(cancel, pattern=SHEET_FORM_CANCEL)],
        },
        fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
        whole_answers={SUBJECTS: (SHEET_FORM_SUBJECTS_DONE,), RATERS: (SHEET_FORM_RATERS_DONE,)},
        name="sheet_form",
        conversation_timeout=conversations.TIMEOUT,
        persistent=True,
        allow_reentry=True,
    )]
