"""Department heads (送单): see what was dispatched to their department, report progress with
evidence (text, up to three photos, a percentage), and ask for closure."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from callbacks import (
    CLOSURE_CLOSE,
    CLOSURE_REQUEST,
    CLOSURE_RETURN,
    PROGRESS_PERCENT,
    PROGRESS_PHOTOS_DONE,
    PROGRESS_REPORT,
    read_id,
)
from handlers import ledger, menu
from handlers.access import database, language, person_of, reply, requires, send_lines
from handlers.problem_actions import problem_in_button, tell_error
from handlers.uploads import MEGAPIXELS, clean_photo
from jobs import notices
from storage import problems
from storage.people import HEAD
from storage.problems import ProblemError
from texts import say

TEXT_STEP, PHOTO_STEP, PERCENT_STEP = range(3)
MAX_PHOTOS = 3
TEXT = filters.TEXT & ~filters.COMMAND


def _buttons(lang: str, problem_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(say(lang, "progress.btn.report"),
                             callback_data=PROGRESS_REPORT.data(problem_id)),
        InlineKeyboardButton(say(lang, "progress.btn.closure"),
                             callback_data=CLOSURE_REQUEST.data(problem_id)),
    ]])


@requires(HEAD)
async def list_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    head = person_of(update, context)
    lang = language(update, context)
    placeholders = ",".join("?" * len(problems.WORKING + (problems.CLOSURE_REQUESTED,)))
    tasks = problems.listing(database(context), f"pr.department_id = ? and pr.status in ({placeholders})",
                             [head.department_id, *problems.WORKING, problems.CLOSURE_REQUESTED])
    if not tasks:
        await reply(update, context, "tasks.none")
        return
    for problem in tasks:
        markup = _buttons(lang, problem.id) if problem.status in problems.WORKING else None
        await send_lines(context, update.effective_chat.id, ledger.card_lines(context, lang, problem),
                         markup)


@requires(HEAD)
async def start_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = problem_in_button(update, context, "report")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    # Evidence photos wait in memory until the report is complete, like opinion drafts.
    context.user_data["report"] = {"id": problem.id}
    _photos(context, update).clear()
    await reply(update, context, "progress.text", id=problem.id, title=problem.title)
    return TEXT_STEP


def _photos(context: ContextTypes.DEFAULT_TYPE, update: Update) -> list[bytes]:
    return context.application.bot_data.setdefault("report_photos", {}).setdefault(
        update.effective_user.id, [])


@requires(HEAD)
async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["report"]["text"] = update.message.text.strip()[:2000]
    return await _ask_photos(update, context)


async def _ask_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = language(update, context)
    await reply(update, context, "progress.photos", count=len(_photos(context, update)), limit=MAX_PHOTOS,
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                    say(lang, "opinion.btn.photos_done"), callback_data=PROGRESS_PHOTOS_DONE.data())]]))
    return PHOTO_STEP


@requires(HEAD)
async def receive_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    collected = _photos(context, update)
    photo = await clean_photo(context, update.message)
    if isinstance(photo, str):
        await reply(update, context, photo, limit=MEGAPIXELS)
        return PHOTO_STEP
    collected.append(photo)
    if len(collected) >= MAX_PHOTOS:
        return await _ask_percent(update, context)
    return await _ask_photos(update, context)


@requires(HEAD)
async def photos_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _ask_percent(update, context)


async def _ask_percent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    buttons = [[InlineKeyboardButton(f"{p}%",
                                     callback_data=PROGRESS_PERCENT.data(p)) for p in (25, 50, 75, 100)]]
    await reply(update, context, "progress.percent", reply_markup=InlineKeyboardMarkup(buttons))
    return PERCENT_STEP


@requires(HEAD)
async def receive_percent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    percent = (PROGRESS_PERCENT.parse(update.callback_query.data)[0] if update.callback_query
               else read_id(update.message.text.strip().rstrip("%％"), 100))
    if percent is None:
        await reply(update, context, "progress.bad_percent")
        return PERCENT_STEP
    draft = context.user_data.pop("report", {})
    evidence = list(_photos(context, update))
    _photos(context, update).clear()
    try:
        problem = problems.act(database(context), draft.get("id", 0), "report", person_of(update, context),
                               text=draft.get("text"), percent=percent, photos=evidence,
                               actor_id=person_of(update, context).id)
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    lang = language(update, context)
    await reply(update, context, "progress.done", id=problem.id, percent=problem.progress,
                reply_markup=_buttons(lang, problem.id))
    notices.notify(context, notices.person(context, problem.leader_id), "notice.progress",
                   id=problem.id, title=problem.title, percent=problem.progress,
                   text=draft.get("text", ""))
    return ConversationHandler.END


@requires(HEAD)
async def request_closure(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        problem = problem_in_button(update, context, "request_closure")
        problem = problems.act(database(context), problem.id, "request_closure",
                               person_of(update, context))
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, "progress.closure_requested", id=problem.id)
    notices.notify(context, notices.office(context), "notice.closure_requested",
                   buttons=[[("closure.btn.close", CLOSURE_CLOSE.data(problem.id)),
                             ("closure.btn.return", CLOSURE_RETURN.data(problem.id))]],
                   id=problem.id, title=problem.title, department=problem.department,
                   progress=problem.progress)


@requires(HEAD)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("report", None)
    _photos(context, update).clear()
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(start_report, pattern=PROGRESS_REPORT)],
            states={
                TEXT_STEP: [MessageHandler(TEXT, receive_text)],
                PHOTO_STEP: [MessageHandler(filters.PHOTO, receive_photo),
                             CallbackQueryHandler(photos_done, pattern=PROGRESS_PHOTOS_DONE)],
                PERCENT_STEP: [CallbackQueryHandler(receive_percent, pattern=PROGRESS_PERCENT),
                               MessageHandler(TEXT, receive_percent)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="progress_report",
            persistent=True,
            allow_reentry=True,
        ),
        *menu.triggers("tasks", list_tasks),
        CallbackQueryHandler(request_closure, pattern=CLOSURE_REQUEST),
    ]
