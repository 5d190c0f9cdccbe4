"""The sandbox's side of a webhook: while a bot has one set, its updates are POSTed to it one at
a time, in order, as Telegram does: JSON with the X-Telegram-Bot-Api-Secret-Token header. An
update leaves the queue only when the bot answered 2xx; any other answer (a wrong secret is
refused with 403) or no answer at all is recorded in getWebhookInfo's last error and the
update is tried again after a short wait, so a bot that is down loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp

from sandbox.server import FakeBotApi, Webhook

RETRY_FIRST, RETRY_MOST = 0.05, 1.0  # seconds; Telegram waits longer, a test cannot


class WebhookPoster:
    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._run(), name="sandbox webhook poster")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session:
            await self._session.close()

    async def _next(self) -> tuple[Webhook, dict]:
        async with self.api.arrived:
            await self.api.arrived.wait_for(lambda: self.api.webhook is not None and self.api.updates)
            return self.api.webhook, self.api.updates[0]

    async def _run(self) -> None:
        wait = RETRY_FIRST
        while True:
            hook, update = await self._next()
            error = await self._post(hook, update)
            if error is None:
                if self.api.updates and self.api.updates[0] is update:
                    self.api.updates.pop(0)
                wait = RETRY_FIRST
                continue
            hook.last_error_date, hook.last_error_message = int(self.api.now()), error
            async with self.api.arrived:  # a new setWebhook (the bot back) ends the wait early
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.api.arrived.wait(), wait)
            wait = min(wait * 2, RETRY_MOST)

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
