"""The sandbox's side of a webhook: while a bot has one set, its updates are POSTed to it as
Telegram does: JSON with the X-Telegram-Bot-Api-Secret-Token header, over up to the webhook's
max_connections at once, one at a time per chat so that a person's updates keep their order.
An update leaves the queue only when the bot answered 2xx; any other answer (a wrong secret is
refused with 403) or no answer at all is recorded in getWebhookInfo's last error and the
update is tried again after a short wait, so a bot that is down loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import aiohttp

from sandbox.server import FakeBotApi, Webhook

RETRY_FIRST, RETRY_MOST = 0.05, 1.0  # seconds; Telegram waits longer, a test cannot


def free_port() -> int:
    """A port free on this machine now, for a bot's webhook in tests and benchmarks."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _chat(update: dict) -> object:
    for kind in ("message", "edited_message"):
        if kind in update:
            return update[kind].get("chat", {}).get("id")
    if "callback_query" in update:
        return update["callback_query"]["from"]["id"]
    return None


class WebhookPoster:
    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task | None = None
        self._posting: dict[int, asyncio.Task] = {}  # update id -> its post
        self._busy: set = set()  # chats with an update on its way
        self._wait = RETRY_FIRST

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._run(), name="sandbox webhook poster")

    async def stop(self) -> None:
        for task in [self._task, *self._posting.values()]:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._session:
            await self._session.close()

    def _ready(self) -> list[dict]:
        """Updates that may go now: not on their way, their chat not waiting on another."""
        hook = self.api.webhook
        if hook is None:
            return []
        chosen, busy = [], set(self._busy)
        room = hook.max_connections - len(self._posting)
        for update in self.api.updates:
            if len(chosen) >= room:
                break
            chat = _chat(update)
            if update["update_id"] not in self._posting and chat not in busy:
                chosen.append(update)
                busy.add(chat)
        return chosen

    async def _run(self) -> None:
        while True:
            async with self.api.arrived:
                await self.api.arrived.wait_for(self._ready)
                hook = self.api.webhook
                for update in self._ready():
                    self._busy.add(_chat(update))
                    self._posting[update["update_id"]] = asyncio.create_task(self._deliver(hook, update))

    async def _deliver(self, hook: Webhook, update: dict) -> None:
        error = await self._post(hook, update)
        if error is None:
            with contextlib.suppress(ValueError):
                self.api.updates.remove(update)
            self._wait = RETRY_FIRST
        else:
            hook.last_error_date, hook.last_error_message = int(self.api.now()), error
            async with self.api.arrived:  # a new setWebhook (the bot back) ends the wait early
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.api.arrived.wait(), self._wait)
            self._wait = min(self._wait * 2, RETRY_MOST)
        async with self.api.arrived:
            del self._posting[update["update_id"]]
            self._busy.discard(_chat(update))
            self.api.arrived.notify_all()

    async def _post(self, hook: Webhook, update: dict) -> str | None:
        """None when the bot took the update, else Telegram's wording of what went wrong."""
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session.post(hook.url, data=json.dumps(update), headers=headers) as answer:
                self.api.webhook_answers.append(answer.status)
                if 200 <= answer.status < 300:
                    return None
                return f"Wrong response from the webhook: {answer.status} {answer.reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            self.api.webhook_answers.append(0)
            return f"Connection failed: {type(error).__name__}"
