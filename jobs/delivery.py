"""Delivery: one repeating job sends what is due in the outbox, under Telegram's limits (the
rate limiter spaces the calls), and marks each row sent only after Telegram accepted it."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from storage import outbox, people
from storage.outbox import Outgoing

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
MAX_BACKOFF = timedelta(minutes=10)


def _markup(outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    if not outgoing.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in outgoing.buttons])


async def send_due(app: Application) -> int:
    db = app.bot_data["db"]
    sent = 0
    for outgoing in outbox.due(db):
        person = people.by_id(db, outgoing.person_id)
        if person is None or not person.chat_id or not person.reachable or not person.active:
            outbox.give_up(db, outgoing.id, "unreachable")
            continue
        try:
            await app.bot.send_message(person.chat_id, outgoing.text, parse_mode="HTML",
                                       reply_markup=_markup(outgoing))
        except Forbidden:
            people.set_reachable(db, person.id, False)
            outbox.give_up(db, outgoing.id, "blocked")
            log.info("person %s blocked the bot; marked unreachable", person.id)
            continue
        except RetryAfter as error:
            wait = error.retry_after
            wait = wait if isinstance(wait, timedelta) else timedelta(seconds=wait)
            outbox.postpone(db, outgoing.id, wait, "429")
            continue
        except BadRequest as error:
            outbox.give_up(db, outgoing.id, f"bad request: {error.message}")
            log.error("outbox message %s refused by Telegram: %s", outgoing.id, error.message)
            continue
        except TelegramError as error:  # network trouble and 5xx: later, with backoff
            outbox.postpone(db, outgoing.id, min(timedelta(seconds=2 ** outgoing.attempts), MAX_BACKOFF),
                            type(error).__name__)
            continue
        outbox.mark_sent(db, outgoing.id)
        sent += 1
    return sent


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_due(context.application)


def schedule(app: Application) -> None:
    app.job_queue.run_repeating(deliver, interval=INTERVAL_SECONDS, first=0.5, name="delivery")
