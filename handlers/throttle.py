"""A token bucket per person in front of every handler: generous for people (a burst of
RATE_LIMIT_BURST updates, then RATE_LIMIT_PER_MINUTE a minute), so that one person (or one
script) flooding the bot cannot delay everyone else's replies. Beyond the limit the person is
told once to wait, and what they send meanwhile is dropped before any handler runs.

Buckets live in memory only and hold a Telegram user id, a number and a time, never what was
sent; they are forgotten when full again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, ContextTypes, TypeHandler

from handlers.access import language, services, settings
from texts import say

OK, WARN, DROP = "ok", "warn", "drop"
FORGET_ABOVE = 10_000  # buckets kept before the full ones are forgotten
# A press counts a quarter of a typed update: rating 30 subjects on five items is 150 presses,
# three a second from someone who knows her mind, and at a full token each she was told to
# wait after about forty and her next grades were dropped. A press costs the bot no more.
PRESS_COST = 0.25


@dataclass
class Bucket:
    tokens: float
    at: float
    warned: bool = False


class Throttle:
    def __init__(self, burst: int, per_minute: int, now: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.rate, self.now = burst, per_minute / 60.0, now
        self.buckets: dict[int, Bucket] = {}

    def take(self, user_id: int, cost: float = 1.0) -> str:
        """OK to go on; WARN the first time over the limit (tell them once); DROP after that."""
        now = self.now()
        bucket = self.buckets.get(user_id)
        if bucket is None:
            if len(self.buckets) >= FORGET_ABOVE:
                self._forget_full(now)
            bucket = self.buckets[user_id] = Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            bucket.warned = False
            return OK
        if bucket.warned:
            return DROP
        bucket.warned = True
        return WARN

    def _forget_full(self, now: float) -> None:
        full = [u for u, b in self.buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for user_id in full:
            del self.buckets[user_id]


def throttle(context: ContextTypes.DEFAULT_TYPE) -> Throttle:
    shared = services(context).shared
    if shared.throttle is None:
        config = settings(context)
        shared.throttle = Throttle(config.rate_limit_burst, config.rate_limit_per_minute)
    return shared.throttle


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    verdict = throttle(context).take(user.id, PRESS_COST if update.callback_query else 1.0)
    if verdict == OK:
        return
    if verdict == WARN:
        text = say(language(update, context), "throttled")
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, text)
    raise ApplicationHandlerStop


def before_everything() -> list[BaseHandler]:
    """Handlers for a group that runs before any other."""
    return [TypeHandler(Update, check)]
