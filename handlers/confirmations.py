"""A question before an irreversible act that lives on buttons alone (no conversation holds
it): ✅ 确认 and 取消 carry a token, kept in the person's user_data while the question is
open. 取消 forgets it, 确认 uses it up, so an old 确认 (on a message the client did not
refresh, a second copy of the question, a double tap) finds no token and does nothing: it
is told so rather than acting on a question that was cancelled or answered.

The newest question about one subject is the one that counts: asking again replaces the
token, so only the latest copy's 确认 acts."""

from __future__ import annotations

import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from callbacks import Button
from handlers.access import language, refuse
from texts import say

KEPT = 20  # open questions kept per person; an older one's 确认 is told it is out of date


def _open(context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    return context.user_data.setdefault("confirmations", {})


def ask(context: ContextTypes.DEFAULT_TYPE, subject: str) -> str:
    """A new token for the question about `subject` (e.g. "hs:<group>")."""
    asked = _open(context)
    asked.pop(subject, None)
    asked[subject] = token = secrets.token_hex(3)
    while len(asked) > KEPT:
        asked.pop(next(iter(asked)))
    return token


def buttons(
    lang: str, confirm: Button, cancel: Button, *values: object, token: str, confirm_key: str = "btn.confirm"
) -> InlineKeyboardMarkup:
    """确认 and 取消, side by side, each carrying `values` and the token."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(say(lang, confirm_key), callback_data=confirm.data(*values, token)),
                InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=cancel.data(*values, token)),
            ]
        ]
    )


def take(context: ContextTypes.DEFAULT_TYPE, subject: str, token: str) -> bool:
    """True, once, for the open question's 确认; False for a cancelled, answered or older one."""
    asked = _open(context)
    if asked.get(subject) != token:
        return False
    del asked[subject]
    return True


def forget(context: ContextTypes.DEFAULT_TYPE, subject: str, token: str) -> None:
    """取消 of a question whose flow words its own answer: the token is spent. An old 取消 of
    a question asked again meanwhile leaves the new one open."""
    asked = _open(context)
    if asked.get(subject) == token:
        del asked[subject]


async def refuse_stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An old 确认: nothing was done, and the person is told."""
    await refuse(update, context, "confirm.stale")


async def cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, subject: str, token: str, key: str
) -> None:
    """取消: the question is forgotten and its message says what was not done (`key`), its
    buttons gone. An old 取消 of a question asked again meanwhile leaves the new one open."""
    forget(context, subject, token)
    await update.callback_query.answer()
    # 取消 tapped twice: the message says so already, and the bot takes "not modified" as done.
    await update.callback_query.edit_message_text(say(language(update, context), key), parse_mode="HTML")
