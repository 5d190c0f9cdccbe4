"""Typing instead of tapping: in a step that offers buttons, typed text that matches one of them
(a department's name, a category, 好 / 较好 / 一般 / 差) is taken as that button; anything else is
answered by pointing at the buttons above, never at the menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes, MessageHandler

from handlers import menu
from handlers.access import MEMBERS, reply, requires
from storage import names

Options = Callable[[Update, ContextTypes.DEFAULT_TYPE], dict[str, str]]
Chosen = Callable[[Update, ContextTypes.DEFAULT_TYPE, str], Awaitable[object]]


def _key(label: str) -> str:
    return names.normalise(label).lower().strip("。.!！ ")


def match(typed: str, options: dict[str, str]) -> str | None:
    """The value of the option whose label is what was typed (compared in normalised form, so
    "门诊 部", "门诊部。" and a pasted zero-width space all match 门诊部)."""
    wanted = _key(typed)
    found = {value for label, value in options.items() if _key(label) == wanted}
    return found.pop() if len(found) == 1 else None


def handler(options: Options, chosen: Chosen, hint_key: str = "choice.hint",
            roles: frozenset[str] = MEMBERS) -> MessageHandler:
    """A MessageHandler for a button step: `options` gives {label: value} as offered, `chosen`
    proceeds as the button would. Unmatched text keeps the step and says how to answer. `roles`
    are the step's own (as its button handler declares them)."""

    @requires(*roles)
    async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE):
        value = match(update.message.text, options(update, context))
        if value is None:
            await reply(update, context, hint_key)
            return None  # the conversation stays at this step
        return await chosen(update, context, value)

    return MessageHandler(menu.TYPED, typed)
