"""申请延期: a department head or the problem's leader asks for a later deadline with a reason;
the leader decides a head's request, the office a leader's. The request shows what will happen
(old and new deadline, who decides) and is sent only on confirmation."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import EXTENSION_ASK, EXTENSION_DECIDE, EXTENSION_SEND
from handlers import conversations, menu, typed_choice
from handlers.access import database, language, person_of, reply, requires, too_long
from handlers.problems.actions import id_in_button, tell_error
from handlers.problems.dispatch import order_of
from handlers.reports import ledger
from jobs import notices
from storage import extensions, problems
from storage.dates import parse_deadline
from storage.people import HEAD, LEADER, OFFICE
from storage.problems import ProblemError
from texts import say
from texts.fit import shorten

REASON, NEW_DATE, CONFIRM = conversations.states("extension")
TEXT = menu.TYPED


def _asked_problem(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int):
    problem = problems.get(database(context), problem_id)
    if problem is None:
        raise ProblemError("not_found")
    if not extensions.may_ask(problem, person_of(update, context)):
        raise ProblemError(
            "not_allowed" if problem.status in problems.WORKING else "wrong_state", problem.status
        )
    if extensions.pending(database(context), problem.id):
        raise ProblemError("extension_pending")
    return problem


@requires(HEAD, LEADER)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = _asked_problem(update, context, id_in_button(update))
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    order = order_of(context, problem.id)
    if order is not None and problem.deadline is not None and problem.deadline >= order.deadline:
        await reply(update, context, "extension.order_bound", id=problem.id, due=order.deadline.isoformat())
        return ConversationHandler.END
    context.user_data["extension"] = {"id": problem.id}
    await reply(
        update,
        context,
        "extension.reason",
        id=problem.id,
        title=problem.title,
        deadline=problem.deadline.isoformat(),
    )
    return REASON


@requires(HEAD, LEADER)
async def receive_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    reason = update.message.text.strip()
    if await too_long(update, context, reason, extensions.REASON_LIMIT):
        return REASON
    context.user_data["extension"]["reason"] = reason
    order = order_of(context, context.user_data["extension"]["id"])
    if order is not None:
        await reply(update, context, "extension.date_ordered", due=order.deadline.isoformat())
    else:
        await reply(update, context, "extension.date")
    return NEW_DATE


@requires(HEAD, LEADER)
async def receive_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.get("extension") or {}
    problem = problems.get(database(context), draft.get("id", 0))
    today = ledger.today(context)
    new = parse_deadline(update.message.text, today)
    if problem is None or problem.deadline is None:
        await reply(update, context, "cancelled")
        return ConversationHandler.END
    if new is None or new <= problem.deadline:
        await reply(
            update,
            context,
            "extension.bad_date",
            text=shorten(update.message.text, 50),
            deadline=problem.deadline.isoformat(),
        )
        return NEW_DATE
    order = order_of(context, problem.id)
    if order is not None and new > order.deadline:
        # an institution does not move the bureau's date: its 告诫 and 约谈 would go out regardless
        await reply(
            update, context, "extension.after_order", due=order.deadline.isoformat(), new=new.isoformat()
        )
        return NEW_DATE
    draft["new"] = new.isoformat()
    asker = person_of(update, context)
    role = extensions.decider_role(problem, asker)
    deciders = notices.extension_deciders(context, problem, role)
    lang = language(update, context)
    await reply(
        update,
        context,
        "extension.confirm",
        id=problem.id,
        title=problem.title,
        old=problem.deadline.isoformat(),
        new=draft["new"],
        reason=draft["reason"],
        decider=say(lang, f"extension.decider.{role}"),
        count=len(deciders),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "extension.btn.send"), callback_data=EXTENSION_SEND.data("yes")
                    ),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=EXTENSION_SEND.data("no")),
                ]
            ]
        ),
    )
    return CONFIRM


@requires(HEAD, LEADER)
async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.pop("extension", None)
    lang = language(update, context)
    if EXTENSION_SEND.parse(update.callback_query.data) != ("yes",) or not draft or "new" not in draft:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(say(lang, "cancelled"))
        return ConversationHandler.END
    asker = person_of(update, context)
    try:
        asked = extensions.ask(
            database(context),
            draft["id"],
            asker,
            draft["reason"],
            date.fromisoformat(draft["new"]),
            ledger.today(context),
        )
    except ProblemError as error:  # answers the press itself
        await tell_error(update, context, error)
        return ConversationHandler.END
    await update.callback_query.answer()
    problem = problems.get(database(context), asked.problem_id)
    told = notices.extension_asked(context, problem, asked, asker)
    await update.callback_query.edit_message_text(say(lang, "extension.sent", id=problem.id, count=told))
    return ConversationHandler.END


@requires(LEADER, OFFICE)
async def decide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    decision, extension_id = EXTENSION_DECIDE.parse(update.callback_query.data)
    try:
        decided = extensions.decide(
            database(context), extension_id, person_of(update, context), approve=decision == "ok"
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    problem = problems.get(database(context), decided.problem_id)
    told = notices.extension_decided(context, problem, decided, person_of(update, context))
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(
            language(update, context),
            f"extension.decided.{decided.decision}",
            id=problem.id,
            title=problem.title,
            new=decided.new_deadline.isoformat(),
            count=told,
        )
    )


@requires(HEAD, LEADER)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("extension", None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[CallbackQueryHandler(start, pattern=EXTENSION_ASK)],
            states={
                **conversations.on_timeout("extension"),
                REASON: [MessageHandler(TEXT, receive_reason)],
                NEW_DATE: [MessageHandler(TEXT, receive_date)],
                CONFIRM: [CallbackQueryHandler(confirm, pattern=EXTENSION_SEND)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="extension",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(decide, pattern=EXTENSION_DECIDE),
    ]
