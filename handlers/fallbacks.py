"""What answers when nothing else did (an unknown command, stray text, a forged or stale
button), and the one error handler: log first, tell the person, tell the office."""

from __future__ import annotations

import functools
import html
import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from callbacks import FORM_TYPE_DEPARTMENTS, StaleButton
from handlers import forms, typed_choice, typed_menu
from handlers.access import (
    ANYONE,
    current_person,
    language,
    refuse,
    reply,
    requires,
    services,
    settings,
    stranger_key,
)
from handlers.opinions import receipt
from storage import opinions
from storage.people import OFFICE
from texts import CATALOGS, DEFAULT, every_language, say

log = logging.getLogger(__name__)


@requires(*ANYONE)
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await typed_menu.take(update, context):
        return  # `/claim。`: the command, with what the keyboard added after it
    known = current_person(update, context) is not None
    await reply(update, context, "unknown_command" if known else _stranger_key(context))


def _stranger_key(context: ContextTypes.DEFAULT_TYPE) -> str:
    """Someone not on the roster: once the institution has a public box they may be a guest
    from the lobby poster, who is told what they can do here; otherwise how to join."""
    return stranger_key(context)


CONFIRM_WORDS = ("确认", "确定", "confirm", "ok", "yes")


def _confirm_typed(update: Update) -> bool:
    """确认, ✅ 确认。, 確認, 确认下单 (a confirm button's words): with nothing waiting for it."""
    key = typed_choice.match_key(update.message.text or "") if update.message else ""
    return bool(key) and (key in CONFIRM_WORDS or key in _confirm_labels())


@functools.cache
def _confirm_labels() -> frozenset[str]:
    """The words of the bot's confirm buttons (✅ 确认催办, ✅ 确认公开, …), in every language."""
    keys = [key for key in CATALOGS[DEFAULT] if ".btn" in key or key.startswith("btn.")]
    labels = {typed_choice.match_key(label) for key in keys for label in every_language(key)}
    return frozenset(label for label in labels if label.startswith(("确认", "confirm")))


def _rating_with_slip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Someone off the roster rating with a slip (评议票, held in memory by the rating flow): a
    grade they type is taken as the tap, as a person's is."""
    rating = services(context).evaluation_ratings.get(update.effective_user.id)
    return getattr(rating, "slip", None) is not None


@requires(*ANYONE)
async def not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and opinions.looks_like_receipt(update.message.text or ""):
        await receipt.typed_receipt(update, context)  # a receipt code sent without /receipt
        return
    if update.message and update.effective_chat:  # below a receipt's card, it leaves with the card
        receipt.keep_with_card(context, update.effective_chat.id, update.message.message_id)
    if current_person(update, context) is None and not _rating_with_slip(update, context):
        await reply(update, context, _stranger_key(context))
    elif await typed_menu.take(update, context):
        # `／mine`, `简报`: a command or a menu button, typed; before the buttons above, whose
        # hint ("请点上方按钮选择") answered 待接单 typed under a 接单 card
        return
    elif _confirm_typed(update) and not typed_choice.taps_of_the_newest(update):
        # 确认 typed again after the action was done (the phone still showed the word), and no
        # 确认 above to take it: 我没有看懂, or 请点上方按钮 under a card with other buttons, left
        # the leader wondering whether it had been done
        await reply(update, context, "confirm.nothing_waiting")
    elif await typed_choice.tap_outside_conversations(update, context):
        return  # a button's label, typed: taken as the tap (a grade on a rating sheet, a vote)
    elif _office_file(update, context):
        # the manual lists the files the office sends: which command takes which
        await reply(update, context, "file_without_command")
    elif update.effective_user.id not in _contacts(context):
        # The first word since a restart, and nobody took it: most likely the next step of
        # something in progress, such as an opinion draft, which is never saved.
        await reply(update, context, "restart.lost")
    else:
        await reply(update, context, "not_understood")


def _office_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A document from the office outside the step that asks for it (a roster, findings, a
    calendar sent straight into the chat)."""
    person = current_person(update, context)
    return bool(update.message and update.message.document and person and OFFICE in person.roles)


def _contacts(context: ContextTypes.DEFAULT_TYPE) -> set[int]:
    """Who has talked to the bot since it started; memory only."""
    return services(context).shared.contacts_since_start


async def remember_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_user:
        _contacts(context).add(update.effective_user.id)


@requires(*ANYONE)
async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from handlers.campaign.evaluation import cancel_rating  # a rating is held outside conversations

    if await cancel_rating(update, context):
        return
    await reply(update, context, "nothing_to_cancel")


@requires(*ANYONE)
async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await refuse(update, context, "stale_button")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, StaleButton) and isinstance(update, Update):
        # Data no button carries (forged, or from a version long gone) is not a failure: the
        # person is told the button is out of date, and nobody else is bothered.
        await refuse(update, context, "stale_button")
        return
    where = type(update).__name__ if update is not None else "job"
    # One line with the failure and its traceback; never the update itself, which may carry
    # the text of an anonymous opinion or the person behind it.
    log.error("handler failed in %s: %s", where, type(error).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_chat and not isinstance(error, Forbidden):
        try:
            await context.bot.send_message(
                update.effective_chat.id, say(language(update, context), "error.generic")
            )
        except Exception:  # the person may be unreachable; the log line above is what counts
            log.warning("could not tell the user about the failure")
    office = settings(context).office_chat_id
    if office:
        try:
            await context.bot.send_message(
                office,
                say(
                    settings(context).default_language,
                    "error.office",
                    error=html.escape(type(error).__name__),
                    where=where,
                ),
            )
        except Exception:
            log.warning("could not notify the office chat")


def after_everything() -> list[BaseHandler]:
    """Handlers for a group that runs after the one that answered the update."""
    return [TypeHandler(Update, remember_contact)]


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("cancel", nothing_to_cancel),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, not_understood),
        CallbackQueryHandler(forms.type_departments, pattern=FORM_TYPE_DEPARTMENTS),
        CallbackQueryHandler(stale_button),
    ]
