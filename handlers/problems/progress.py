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
    CLOSURE_REQUEST_CANCEL,
    CLOSURE_REQUEST_CONFIRM,
    CLOSURE_RETURN,
    CLOSURE_VIEW,
    EXTENSION_ASK,
    PROGRESS_PERCENT,
    PROGRESS_PHOTOS_DONE,
    PROGRESS_REPORT,
)
from handlers import conversations, menu, typed_choice
from handlers.access import database, language, person_of, reply, requires, services
from handlers.problems.actions import action_buttons, id_in_button, problem_in_button, send_cards, tell_error
from handlers.uploads import MEGAPIXELS, clean_photo
from jobs import notices
from storage import extensions, phrasings, problems
from storage.people import HEAD
from storage.problems import ProblemError
from texts import say
from texts.fit import shorten

TEXT_STEP, PHOTO_STEP, PERCENT_STEP, CLOSURE_REASON = conversations.states("progress_report")
MAX_PHOTOS = 3
TEXT = menu.TYPED


HEAD_ACTIONS = ("report", "request_closure")


def _buttons(lang: str, problem, person) -> InlineKeyboardMarkup | None:
    """What the head may do now (from TRANSITIONS), and 申请延期 where a deadline can move."""
    actions = action_buttons(lang, problem, person, HEAD_ACTIONS)
    rows = [list(actions.inline_keyboard[0])] if actions else []
    if extensions.may_ask(problem, person):
        rows.append([InlineKeyboardButton(say(lang, "extension.btn"),
                                          callback_data=EXTENSION_ASK.data(problem.id))])
    return InlineKeyboardMarkup(rows) if rows else None


@requires(HEAD)
async def list_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    head = person_of(update, context)

    if not await send_cards(update, context, problems.department_tasks(head.department_id),
                            lambda lang, problem: _buttons(lang, problem, head)):
        await reply(update, context, "tasks.none")


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
    return services(context).report_photos.setdefault(update.effective_user.id, [])


@requires(HEAD)
async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["report"]["text"] = update.message.text.strip()[:2000]
    return await _ask_photos(update, context)


async def _ask_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = language(update, context)
    await reply(update, context, "progress.photos", count=len(_photos(context, update)), limit=MAX_PHOTOS,
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                    say(lang, "progress.btn.photos_done"), callback_data=PROGRESS_PHOTOS_DONE.data())]]))
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
               else phrasings.parse_percent(update.message.text))  # 70, 七成, 一半, 百分之七十
    if percent is None or not 0 <= percent <= 100:
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
                reply_markup=_buttons(lang, problem, person_of(update, context)))
    notices.progress_reported(context, problem, draft.get("text", ""), evidence)
    return ConversationHandler.END


@requires(HEAD)
async def ask_closure(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """申请销号 asks the office to verify and close: at 100% it asks once; below, the head
    says why it is done anyway (or reports the rest first)."""
    try:
        problem = problem_in_button(update, context, "request_closure")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    lang = language(update, context)
    office = len(notices.office(context))
    if problem.progress >= 100:
        await reply(update, context, "progress.closure_confirm", id=problem.id, title=problem.title,
                    count=office, reply_markup=InlineKeyboardMarkup([[
                        InlineKeyboardButton(say(lang, "progress.btn.closure_confirm"),
                                             callback_data=CLOSURE_REQUEST_CONFIRM.data(problem.id)),
                        InlineKeyboardButton(say(lang, "btn.cancel"),
                                             callback_data=CLOSURE_REQUEST_CANCEL.data())]]))
        return ConversationHandler.END
    context.user_data["closure"] = problem.id
    await reply(update, context, "progress.closure_reason", id=problem.id, percent=problem.progress,
                count=office)
    return CLOSURE_REASON


@requires(HEAD)
async def receive_closure_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    reason = update.message.text.strip()
    if not reason:
        await reply(update, context, "progress.closure_reason_empty")
        return CLOSURE_REASON
    await _request_closure(update, context, context.user_data.pop("closure", 0), shorten(reason, 1000))
    return ConversationHandler.END


@requires(HEAD)
async def request_closure(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _request_closure(update, context, id_in_button(update), None)


@requires(HEAD)
async def keep_working(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(language(update, context), "cancelled"))


async def _request_closure(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int,
                           reason: str | None) -> None:
    try:
        problem = problems.act(database(context), problem_id, "request_closure", person_of(update, context),
                               **({"reason": reason} if reason else {}))
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, "progress.closure_requested", id=problem.id)
    latest = problems.latest_report(database(context), problem.id)
    notices.notify(context, notices.office(context), "notice.closure_requested",
                   buttons=[[("closure.btn.evidence", CLOSURE_VIEW.data(problem.id))],
                            [("closure.btn.close", CLOSURE_CLOSE.data(problem.id)),
                             ("closure.btn.return", CLOSURE_RETURN.data(problem.id))]],
                   id=problem.id, title=problem.title, department=problem.department,
                   progress=problem.progress,
                   latest=shorten(latest.text, 300) if latest else "—",
                   reason=reason or "—")


@requires(HEAD)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("report", None)
    context.user_data.pop("closure", None)
    _photos(context, update).clear()
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[CallbackQueryHandler(start_report, pattern=PROGRESS_REPORT),
                          CallbackQueryHandler(ask_closure, pattern=CLOSURE_REQUEST)],
            states={
                **conversations.on_timeout("progress_report"),
                TEXT_STEP: [MessageHandler(TEXT, receive_text)],
                PHOTO_STEP: [MessageHandler(filters.PHOTO, receive_photo),
                             CallbackQueryHandler(photos_done, pattern=PROGRESS_PHOTOS_DONE)],
                PERCENT_STEP: [CallbackQueryHandler(receive_percent, pattern=PROGRESS_PERCENT),
                               MessageHandler(TEXT, receive_percent)],
                CLOSURE_REASON: [MessageHandler(TEXT, receive_closure_reason)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="progress_report",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        *menu.triggers("tasks", list_tasks),
        CallbackQueryHandler(request_closure, pattern=CLOSURE_REQUEST_CONFIRM),
        CallbackQueryHandler(keep_working, pattern=CLOSURE_REQUEST_CANCEL),
    ]
