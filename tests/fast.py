"""The fast tier: the real Application, its handlers, persistence and database, driven with
`process_update` over the fake Bot API in the same process (sandbox/in_process.py). No HTTP, no
polling, no waiting for the bot to fall quiet: when `process_update` returns, the bot has
answered. For the many small cases (the access matrix, bad input); the end-to-end tier
(conftest's running_bot) keeps the real HTTP path.

FastClient and FastUser answer to the same calls as sandbox.client's SandboxClient and
SandboxUser, so a test can use either."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import BaseRateLimiter

import bot
import config
from sandbox.app import _keyboard
from sandbox.client import BotMessage
from sandbox.in_process import InProcessRequest
from sandbox.server import FakeBotApi
from storage.db import open_database

TOKEN = "123456:test-token"


class NoLimit(BaseRateLimiter):
    """Telegram's pacing is delivery's business, measured elsewhere; here every call goes."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Coroutine[Any, Any, Any],
        args: Any,
        kwargs: dict,
        endpoint: str,
        data: dict,
        rate_limit_args: Any,
    ) -> Any:
        return await callback(*args, **kwargs)


class FastBot:
    def __init__(self, db_path: Path) -> None:
        self.api = FakeBotApi(TOKEN)
        self.db_path = db_path
        self.app = None
        self.db = None

    async def start(self) -> None:
        self.db = open_database(self.db_path)
        settings = config.load(
            env={
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": "http://in-process",
                "DATABASE_PATH": str(self.db_path),
                # tests act faster than people; test_throttle sets its own limit
                "RATE_LIMIT_BURST": "100000",
                "SECRET_KEY_FILE": str(self.db_path.parent / "keys" / "secret.key"),
            },
            dotenv=False,
        )
        self.app = bot.build_application(settings, self.db, NoLimit(), InProcessRequest(self.api))
        await self.app.initialize()  # the job queue is not started: time is the tests' to move

    async def stop(self) -> None:
        from jobs import institutions

        await self.app.shutdown()
        institutions.close(self.app)  # a supervised deployment's other databases
        self.db.close()

    async def deliver(self, match) -> None:
        """Hand the queued update that `match` picks straight to the bot (nobody polls)."""
        update = next(u for u in self.api.updates if match(u))
        self.api.updates.remove(update)
        await self.app.process_update(Update.de_json(update, self.app.bot))


class FastUser:
    def __init__(self, fast: FastBot, user_id: int, name: str) -> None:
        self.fast, self.id, self.name = fast, user_id, name
        self.seen = 0
        self.inbox: list[BotMessage] = []
        self.last_query_id: str | None = None

    def _new(self) -> list[BotMessage]:
        chat = self.fast.api.chats[self.id]
        events, self.seen = chat.events[self.seen :], len(chat.events)
        found = []
        for event in events:
            if event["kind"] == "deleted":
                self.inbox = [m for m in self.inbox if m.message_id != event["message_id"]]
                continue
            message = BotMessage.from_event(event)
            self.inbox = [m for m in self.inbox if m.message_id != message.message_id]
            self.inbox.append(message)
            found.append(message)
        return found

    async def send(self, text: str, timeout: float = 0) -> list[BotMessage]:
        message = await self.fast.api.user_text(self.id, text)
        await self.fast.deliver(lambda u: u.get("message") is message)
        return self._new()

    async def send_file(
        self,
        content: bytes,
        file_name: str,
        kind: str = "document",
        caption: str | None = None,
        timeout: float = 0,
    ) -> list[BotMessage]:
        message = await self.fast.api.user_file(self.id, kind, content, file_name, caption)
        await self.fast.deliver(lambda u: u.get("message") is message)
        return self._new()

    async def press_data(self, message_id: int, data: str, timeout: float = 0) -> list[BotMessage]:
        query_id = self.last_query_id = await self.fast.api.press(self.id, message_id, data)
        await self.fast.deliver(lambda u: u.get("callback_query", {}).get("id") == query_id)
        return self._new()

    async def press(
        self, label: str, timeout: float = 0, message: BotMessage | None = None
    ) -> list[BotMessage]:
        for candidate in [message] if message else reversed(self.inbox):
            for row in candidate.buttons:
                for button in row:
                    if label == button["text"] or label in button["text"]:
                        return await self.press_data(candidate.message_id, button["callback_data"])
        raise AssertionError(f"{self.name}: no button {label!r}")

    async def wait_for(self, needle: str, timeout: float = 0) -> BotMessage:
        """A notice the outbox holds for this person: delivery runs until it is sent."""
        while True:
            for message in self.inbox + self._new():
                if needle in (message.text or message.caption or ""):
                    return message
            if not await _deliver_everywhere(self.fast.app):
                raise AssertionError(f"{self.name}: no message with {needle!r}")

    def menu(self) -> list[str]:
        """The labels of the reply keyboard the bot last gave this person (as SandboxClient's)."""
        rows = (_keyboard(self.fast.api.chats[self.id]) or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b["text"] for row in rows for b in row]

    async def callback_answer(self) -> dict | None:
        return self.fast.api.callback_answers.get(self.last_query_id)


async def _deliver_everywhere(app) -> int:
    """A delivery pass over every institution's outbox (one in a deployment of one)."""
    from jobs import delivery, institutions

    return sum([await delivery.send_due(unit) for unit in institutions.each(app)])


class FastClient:
    def __init__(self, fast: FastBot) -> None:
        self.fast = fast

    async def user(self, user_id: int, name: str, language_code: str | None = "zh-hans") -> FastUser:
        self.fast.api.user(user_id, name, language_code)
        return FastUser(self.fast, user_id, name)
