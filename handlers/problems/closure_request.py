"""A department head asks for closure (送单, 申请销号): the office is asked to verify and close.
At 100% it is asked once, with a confirmation that says how many in the office are told; below,
the head first says why it is done anyway."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import (
    CLOSURE_CLOSE,
    CLOSURE_REQUEST,
    CLOSURE_REQUEST_CANCEL,
    CLOSURE_REQUEST_CONFIRM,
    CLOSURE_RETURN,
    CLOSURE_VIEW,
)
from handlers import conversations, menu
from handlers.access import database, language, person_of, reply, requires
from handlers.problems.actions import id_in_button, problem_in_button, tell_error
from jobs import notices
from storage import problems
from storage.people import HEAD
from storage.problems import ProblemError
from texts import say
from texts.fit import shorten

(CLOSURE_REASON,) = conversations.states("closure_request")


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
        await reply(
            update,
            context,
            "progress.closure_confirm",
            id=problem.id,
            title=problem.title,
            count=office,
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            say(lang, "progress.btn.closure_confirm"),
                            callback_data=CLOSURE_REQUEST_CONFIRM.data(problem.id),
                        ),
                        InlineKeyboardButton(
                            say(lang, "btn.cancel"), callback_data=CLOSURE_REQUEST_CANCEL.data()
                        ),
                    ]
                ]
            ),
        )
        return ConversationHandler.END
    context.user_data["closure"] = problem.id
    await reply(
        update, context, "progress.closure_reason", id=problem.id, percent=problem.progress, count=office
    )
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


async def _request_closure(
    update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int, reason: str | None
) -> None:
    try:
        problem = problems.act(
            database(context),
            problem_id,
            "request_closure",
            person_of(update, context),
            **({"reason": reason} if reason else {}),
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, "progress.closure_requested", id=problem.id)
    latest = problems.latest_report(database(context), problem.id)
    notices.notify(
        context,
        notices.office(context),
        "notice.closure_requested",
        buttons=[
            [("closure.btn.evidence", CLOSURE_VIEW.data(problem.id))],
            [
                ("closure.btn.close", CLOSURE_CLOSE.data(problem.id)),
                ("closure.btn.return", CLOSURE_RETURN.data(problem.id)),
            ],
        ],
        id=problem.id,
        title=problem.title,
        department=problem.department,
        progress=problem.progress,
        latest=shorten(latest.text, 300) if latest else "—",
        reason=reason or "—",
    )


def handlers() -> list[BaseHandler]:
    return [
        conversations.flow(
            "closure_request",
            entry_points=[CallbackQueryHandler(ask_closure, pattern=CLOSURE_REQUEST)],
            states={CLOSURE_REASON: [MessageHandler(menu.TYPED, receive_closure_reason)]},
            cancel=conversations.cancelling("closure_request", __name__, HEAD),
        ),
        CallbackQueryHandler(request_closure, pattern=CLOSURE_REQUEST_CONFIRM),
        CallbackQueryHandler(keep_working, pattern=CLOSURE_REQUEST_CANCEL),
    ]
