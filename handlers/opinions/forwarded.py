"""A leader's forwarded opinion (the office sent it from the inbox, handlers/opinions/inbox.py):
reply through the office's thread, list it as a problem and claim it in one go, or hand it back
to the office. The office is told of each."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

import callbacks
from callbacks import FORWARDED_BACK, FORWARDED_CLAIM, FORWARDED_REPLY
from handlers import conversations, menu
from handlers.access import database, language, person_of, refuse, reply, requires, settings
from handlers.opinions.inbox import tell_submitter, typed_text
from handlers.reports import ledger
from jobs import notices
from storage import opinions, problems
from storage.opinions import Opinion, OpinionError
from storage.people import LEADER
from texts import say

(LEADER_TYPING_REPLY,) = conversations.states("forwarded_opinion")


def _forwarded_to_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Opinion | None:
    opinion = opinions.get(database(context), callbacks.parse(update.callback_query.data)[1][0])
    me = person_of(update, context)
    if opinion is None or opinion.status != opinions.FORWARDED or opinion.leader_id != me.id:
        return None
    return opinion


@requires(LEADER)
async def leader_ask_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    opinion = _forwarded_to_me(update, context)
    if opinion is None:
        await refuse(update, context, "forwarded.gone")
        return ConversationHandler.END
    context.user_data["forwarded_opinion"] = opinion.id
    await reply(
        update, context, "forwarded.ask_reply", id=opinion.id, limit=settings(context).opinion_max_chars
    )
    return LEADER_TYPING_REPLY


@requires(LEADER)
async def leader_receive_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reply goes into the office's thread: the holder reads it with the receipt (or is
    told through the sealed link), and never learns who the leader wrote to, nor the reverse."""
    text = typed_text(update, context)
    if text is None:
        await reply(update, context, "inbox.bad_text", limit=settings(context).opinion_max_chars)
        return LEADER_TYPING_REPLY
    db = database(context)
    opinion_id = context.user_data.pop("forwarded_opinion", "")
    try:
        opinion = opinions.reply(db, opinion_id, person_of(update, context).id, text, ledger.today(context))
    except OpinionError:
        await reply(update, context, "forwarded.gone")
        return ConversationHandler.END
    await tell_submitter(context, opinion, opinions.subscription(db, opinion.id), text)
    await reply(update, context, "forwarded.replied", id=opinion.id)
    notices.notify(
        context,
        notices.office(context),
        "forwarded.office_replied",
        name=person_of(update, context).name,
        id=opinion.id,
    )
    return ConversationHandler.END


@requires(LEADER)
async def leader_claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The leader lists it as a problem and claims it in one go (the title can be edited later
    on the list); the office is told."""
    opinion = _forwarded_to_me(update, context)
    if opinion is None:
        await refuse(update, context, "forwarded.gone")
        return
    db, me = database(context), person_of(update, context)
    try:
        problem_id = problems.from_opinion(db, opinion.id, me.id)
        problems.claim(db, problem_id, me)
    except problems.ProblemError:
        await refuse(update, context, "forwarded.gone")
        return
    notices.opinion_listed(context, problem_id)  # its signer hears of it, as from the office
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    await reply(
        update,
        context,
        "forwarded.claimed",
        id=opinion.id,
        problem=problem_id,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(language(update, context), "dispatch.btn"), callback_data=f"pd:{problem_id}"
                    )
                ]
            ]
        ),
    )
    notices.notify(
        context,
        notices.office(context),
        "forwarded.office_claimed",
        name=me.name,
        id=opinion.id,
        problem=problem_id,
    )


@requires(LEADER)
async def leader_hand_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opinion = _forwarded_to_me(update, context)
    me = person_of(update, context)
    if opinion is None:
        await refuse(update, context, "forwarded.gone")
        return
    try:
        opinions.return_to_office(database(context), opinion.id, me.id)
    except OpinionError:
        await refuse(update, context, "forwarded.gone")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, context, "forwarded.handed_back", id=opinion.id)
    notices.notify(context, notices.office(context), "forwarded.office_back", name=me.name, id=opinion.id)


def handlers() -> list[BaseHandler]:
    return [
        conversations.flow(
            "forwarded_opinion",
            entry_points=[CallbackQueryHandler(leader_ask_reply, pattern=FORWARDED_REPLY)],
            states={LEADER_TYPING_REPLY: [MessageHandler(menu.TYPED, leader_receive_reply)]},
            cancel=conversations.cancelling("forwarded_opinion", __name__, LEADER),
        ),
        CallbackQueryHandler(leader_claim, pattern=FORWARDED_CLAIM),
        CallbackQueryHandler(leader_hand_back, pattern=FORWARDED_BACK),
    ]
