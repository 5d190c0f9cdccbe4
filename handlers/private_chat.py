"""The bot talks in private chats only. Added to a group (a department's work group, by anyone),
it would answer there: an opinion's steps, a rating's screens, a receipt's card, in front of
everyone in the group. In a group it says so to a command or a button press, and nothing of
what was sent there reaches any handler."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, ContextTypes, TypeHandler

from handlers.access import language
from texts import say


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    text = say(language(update, context), "private_only")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message and (update.message.text or "").startswith("/"):
        await context.bot.send_message(chat.id, text)
    raise ApplicationHandlerStop


def before_everything() -> list[BaseHandler]:
    """Handlers for a group that runs before any other."""
    return [TypeHandler(Update, check)]
