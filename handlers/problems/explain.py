"""A leader explains, to everyone, why a problem cannot be solved now (向群众说明原因): the
reason, the day it will be looked at again, a preview that says how many people will read it,
and publish. Publishing cannot be taken back."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import EXPLAIN, EXPLAIN_CONFIRM
from handlers import conversations, menu
from handlers.access import database, language, person_of, reply, requires, too_long
from handlers.problems.actions import problem_in_button, tell_error
from handlers.reports import ledger
from jobs import notices
from storage import problems
from storage.dates import parse_deadline
from storage.people import LEADER
from storage.problems import ProblemError
from texts import say

REASON, REVIEW_DATE, CONFIRM_EXPLAIN = conversations.states("explanation")
TEXT = menu.TYPED
REASON_LIMIT = 2000  # characters of the reason given


@requires(LEADER)
async def start_explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = problem_in_button(update, context, "explain")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    context.user_data["explain"] = {"id": problem.id}
    await reply(update, context, "explain.reason", id=problem.id)
    return REASON


@requires(LEADER)
async def receive_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    reason = update.message.text.strip()
    if await too_long(update, context, reason, REASON_LIMIT):
        return REASON
    context.user_data["explain"]["reason"] = reason
    await reply(update, context, "explain.review")
    return REVIEW_DATE


@requires(LEADER)
async def receive_review_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    today = ledger.today(context)
    review_on = parse_deadline(update.message.text, today)
    if review_on is None or review_on <= today:
        await reply(update, context, "dispatch.bad_deadline", text=update.message.text[:50])
        return REVIEW_DATE
    draft = context.user_data["explain"]
    draft["review_on"] = review_on.isoformat()
    lang = language(update, context)
    problem = problems.get(database(context), draft["id"])
    await reply(
        update,
        context,
        "explain.confirm",
        id=draft["id"],
        title=problem.title if problem else "",
        reason=draft["reason"],
        review_on=draft["review_on"],
        count=len(notices.everyone(context)),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "explain.btn.publish"), callback_data=EXPLAIN_CONFIRM.data("yes")
                    ),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=EXPLAIN_CONFIRM.data("no")),
                ]
            ]
        ),
    )
    return CONFIRM_EXPLAIN


@requires(LEADER)
async def confirm_explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Publishing a reason to everyone cannot be taken back: it happens only on this press."""
    draft = context.user_data.pop("explain", None)
    if EXPLAIN_CONFIRM.parse(update.callback_query.data) != ("yes",) or not draft or "review_on" not in draft:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(say(language(update, context), "cancelled"))
        return ConversationHandler.END
    review_on = date.fromisoformat(draft["review_on"])
    try:
        problem = problems.act(
            database(context),
            draft["id"],
            "explain",
            person_of(update, context),
            reason=draft["reason"],
            review_on=review_on,
        )
    except ProblemError as error:  # answers the press itself
        await tell_error(update, context, error)
        return ConversationHandler.END
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "explain.done", id=problem.id, review_on=review_on.isoformat())
    )
    notices.problem_explained(context, problem)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        conversations.flow(
            "explanation",
            entry_points=[CallbackQueryHandler(start_explain, pattern=EXPLAIN)],
            states={
                REASON: [MessageHandler(TEXT, receive_reason)],
                REVIEW_DATE: [MessageHandler(TEXT, receive_review_date)],
                CONFIRM_EXPLAIN: [CallbackQueryHandler(confirm_explain, pattern=EXPLAIN_CONFIRM)],
            },
            cancel=conversations.cancelling("explanation", __name__, LEADER),
        )
    ]
