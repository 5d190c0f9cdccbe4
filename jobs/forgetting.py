"""The chat forgets: what an anonymous flow leaves in a person's chat (their typed opinion,
their photos, the bot's preview, the receipt, a receipt's card) is deleted once it has served.

Telegram keeps every message of a chat until someone deletes it, and anyone holding the bot's
token can copy any of them (copyMessage) by its small sequential id. A bot may delete messages
in a private chat for 48 hours; what is left for later (a receipt nobody confirmed saving, a
card) is deleted after 24 hours. Which messages wait is known only in memory: writing it down
would name the person beside the flow. After a restart the bot can no longer delete them, and
the person's receipt message says so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

import services
from storage.clock import clock
from storage.opinions import Draft

log = logging.getLogger(__name__)

LATER = timedelta(hours=24)
CHECK_SECONDS = 600


def _waiting(app: Application) -> dict[tuple[int, int], datetime]:
    """(chat, message) -> when it is deleted. Keyed, not a list: every anonymous step deletes
    something at once, and a list of a day's receipts (thousands) was scanned each time."""
    return services.of(app).shared.forget_later


BULK = 100  # ids in one deleteMessages call, Telegram's limit


async def forget_now(app: Application, chat_id: int, message_ids: list[int]) -> None:
    """Delete these messages, several in one call (each call costs the bot about what a plain
    echo's whole update does: bench/README.md); one already gone (deleted by the person, too
    old) is no error."""
    ids = list(dict.fromkeys(message_ids))
    for start in range(0, len(ids), BULK):
        chunk = ids[start : start + BULK]
        try:
            if len(chunk) == 1:
                await app.bot.delete_message(chat_id, chunk[0])
            else:
                await app.bot.delete_messages(chat_id, chunk)
        except TelegramError:
            log.info("a message of an anonymous flow could not be deleted")
    waiting = _waiting(app)
    for message_id in message_ids:
        waiting.pop((chat_id, message_id), None)


async def forget_draft(app: Application, chat_id: int, draft: Draft, keep: tuple[int, ...] = ()) -> None:
    """An anonymous draft ends, however it ends: what it showed (previews, the steps, the bot's
    answers inside it) and what the person sent in it leave the chat, but for `keep` (the
    message the ending's reply is edited into)."""
    if not draft.anonymous:
        return
    shown, typed = draft.shown_in, draft.typed
    draft.shown_in, draft.typed = [], []
    await forget_now(app, chat_id, [m for m in dict.fromkeys(shown + typed) if m not in keep])


def draft_left(app: Application, chat_id: int, draft: Draft, keep: tuple[int, ...] = ()) -> list[int]:
    """An anonymous draft the person did not end themselves (a menu tap, a new /opinion, the
    timeout): what it showed stays for them to copy their words from, for the day a receipt
    stays, and the messages are returned for a next draft to take along when it ends."""
    if not draft.anonymous:
        return []
    left = [m for m in dict.fromkeys(draft.shown_in + draft.typed) if m not in keep]
    draft.shown_in, draft.typed = [], []
    forget_later(app, chat_id, left)
    return left


def forget_later(app: Application, chat_id: int, message_ids: list[int], after: timedelta = LATER) -> None:
    due = clock.now() + after
    waiting = _waiting(app)
    for message_id in message_ids:  # asked twice, the sooner stands
        waiting[(chat_id, message_id)] = min(due, waiting.get((chat_id, message_id), due))


async def sweep(app: Application) -> int:
    now = clock.now()
    due = [key for key, when in _waiting(app).items() if when <= now]
    for chat_id, message_id in due:
        await forget_now(app, chat_id, [message_id])
    return len(due)


async def _run(context: ContextTypes.DEFAULT_TYPE) -> None:
    await sweep(context.application)


def schedule(app: Application) -> None:
    assert app.job_queue is not None  # python-telegram-bot[job-queue] is a requirement
    app.job_queue.run_repeating(_run, interval=CHECK_SECONDS, first=CHECK_SECONDS, name="chat-forgetting")
