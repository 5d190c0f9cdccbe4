"""Department heads: see what was dispatched to their department (/tasks) and report progress with
evidence (text, up to three photos, a percentage). Asking for closure (送单) is
handlers/problems/closure_request.py."""

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
    EXTENSION_ASK,
    PROGRESS_PERCENT,
    PROGRESS_PHOTOS_DONE,
    PROGRESS_REPORT,
    TASKS_PAGE,
)
from handlers import conversations, menu, typed_choice
from handlers.access import database, language, person_of, reply, requires, services, too_long
from handlers.problems.actions import action_buttons, problem_in_button, send_cards, tell_error
from handlers.uploads import MEGAPIXELS, clean_photo
from jobs import notices
from storage import extensions, phrasings, problems
from storage.people import HEAD
from storage.problems import ProblemError
from texts import say

TEXT_STEP, PHOTO_STEP, PERCENT_STEP = conversations.states("progress_report")
MAX_PHOTOS = 3
TEXT = menu.TYPED


HEAD_ACTIONS = ("report", "request_closure")


def _buttons(lang: str, problem, person) -> InlineKeyboardMarkup | None:
    """What the head may do now (from TRANSITIONS), and 申请延期 where a deadline can move."""
    actions = action_buttons(lang, problem, person, HEAD_ACTIONS)
    rows = [list(actions.inline_keyboard[0])] if actions else []
    if extensions.may_ask(problem, person):
        rows.append(
            [InlineKeyboardButton(say(lang, "extension.btn"), callback_data=EXTENSION_ASK.data(problem.id))]
        )
    return InlineKeyboardMarkup(rows) if rows else None


@requires(HEAD)
async def list_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    head = person_of(update, context)

    if not await send_cards(
        update,
        context,
        problems.department_tasks(head.department_id),
        lambda lang, problem: _buttons(lang, problem, head),
        TASKS_PAGE,
    ):
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


REPORT_TEXT = 2000  # characters kept of a report's text


@requires(HEAD)
async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    if await too_long(update, context, text, REPORT_TEXT):
        return TEXT_STEP
    context.user_data["report"]["text"] = text
    return await _ask_photos(update, context)


def _keep_caption(context: ContextTypes.DEFAULT_TYPE, caption: str | None) -> None:
    """A phone sends a photo and its caption as one message: the caption is report text, wherever
    it comes, and is added to what was typed before."""
    caption = (caption or "").strip()
    if caption:
        draft = context.user_data["report"]
        draft["text"] = "\n".join(filter(None, [draft.get("text"), caption]))  # captions: 1024 at most


@requires(HEAD)
async def receive_photo_first(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A photo where the text was asked: kept; its caption is the text, else the text is asked again."""
    photo = await clean_photo(context, update.message)
    if isinstance(photo, str):
        await reply(update, context, photo, limit=MEGAPIXELS)
        return TEXT_STEP
    _photos(context, update).append(photo)
    _keep_caption(context, update.message.caption)
    if not context.user_data["report"].get("text"):
        await reply(update, context, "progress.text_after_photo", count=len(_photos(context, update)))
        return TEXT_STEP
    return await _ask_photos(update, context)


async def _ask_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = language(update, context)
    await reply(
        update,
        context,
        "progress.photos",
        count=len(_photos(context, update)),
        limit=MAX_PHOTOS,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "progress.btn.photos_done"), callback_data=PROGRESS_PHOTOS_DONE.data()
                    )
                ]
            ]
        ),
    )
    return PHOTO_STEP


@requires(HEAD)
async def receive_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    collected = _photos(context, update)
    photo = await clean_photo(context, update.message)
    if isinstance(photo, str):
        await reply(update, context, photo, limit=MEGAPIXELS)
        return PHOTO_STEP
    collected.append(photo)
    _keep_caption(context, update.message.caption)
    if len(collected) >= MAX_PHOTOS:
        return await _ask_percent(update, context)
    return await _ask_photos(update, context)


@requires(HEAD)
async def photos_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _ask_percent(update, context)


async def _ask_percent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    buttons = [
        [InlineKeyboardButton(f"{p}%", callback_data=PROGRESS_PERCENT.data(p)) for p in (25, 50, 75, 100)]
    ]
    await reply(update, context, "progress.percent", reply_markup=InlineKeyboardMarkup(buttons))
    return PERCENT_STEP


@requires(HEAD)
async def receive_percent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    percent = (
        PROGRESS_PERCENT.parse(update.callback_query.data)[0]
        if update.callback_query
        else phrasings.parse_percent(update.message.text)
    )  # 70, 七成, 一半, 百分之七十
    if percent is None or not 0 <= percent <= 100:
        await reply(update, context, "progress.bad_percent")
        return PERCENT_STEP
    draft = context.user_data.pop("report", {})
    evidence = list(_photos(context, update))
    _photos(context, update).clear()
    try:
        problem = problems.act(
            database(context),
            draft.get("id", 0),
            "report",
            person_of(update, context),
            text=draft.get("text"),
            percent=percent,
            photos=evidence,
            actor_id=person_of(update, context).id,
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    lang = language(update, context)
    await reply(
        update,
        context,
        "progress.done",
        id=problem.id,
        percent=problem.progress,
        reply_markup=_buttons(lang, problem, person_of(update, context)),
    )
    notices.progress_reported(
        context, problem, draft.get("text", ""), evidence, person_of(update, context).name
    )
    return ConversationHandler.END


@requires(HEAD)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("report", None)
    _photos(context, update).clear()
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[CallbackQueryHandler(start_report, pattern=PROGRESS_REPORT)],
            states={
                **conversations.on_timeout("progress_report"),
                TEXT_STEP: [
                    MessageHandler(TEXT, receive_text),
                    MessageHandler(filters.PHOTO, receive_photo_first),
                ],
                PHOTO_STEP: [
                    MessageHandler(filters.PHOTO, receive_photo),
                    CallbackQueryHandler(photos_done, pattern=PROGRESS_PHOTOS_DONE),
                ],
                PERCENT_STEP: [
                    CallbackQueryHandler(receive_percent, pattern=PROGRESS_PERCENT),
                    MessageHandler(TEXT, receive_percent),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="progress_report",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        *menu.triggers("tasks", list_tasks),
        CallbackQueryHandler(list_tasks, pattern=TASKS_PAGE),
    ]
