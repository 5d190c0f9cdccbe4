"""A Python client for the sandbox that acts as many people at once: send text, photos and
documents, press inline buttons by their label, and read what the bot sent each of them."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import aiohttp

# How long the bot must stay silent before a reply counts as complete.
SETTLE_SECONDS = 0.15
# How long a press that was answered waits for a message besides the answer: the bot answers
# and replies side by side, and under Telegram's pace the reply can trail the answer.
REPLY_AFTER_ANSWER_SECONDS = 1.0


@dataclass
class BotMessage:
    message_id: int
    text: str | None
    buttons: list[list[dict]]
    document: dict | None
    photo: list | None
    caption: str | None
    kind: str  # sent / edited

    @classmethod
    def from_event(cls, event: dict) -> BotMessage:
        message = event["message"]
        return cls(
            message_id=message["message_id"],
            text=message.get("text"),
            buttons=(message.get("reply_markup") or {}).get("inline_keyboard", []),
            document=message.get("document"),
            photo=message.get("photo"),
            caption=message.get("caption"),
            kind=event["kind"],
        )

    def labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


class SandboxUser:
    def __init__(self, client: SandboxClient, user_id: int, name: str) -> None:
        self.client, self.id, self.name = client, user_id, name
        self.seen = 0  # events already read
        self.inbox: list[BotMessage] = []  # everything the bot sent, edits folded in
        self.keyboard: dict | None = None
        self.last_query_id: str | None = None

    async def send(self, text: str, timeout: float = 10) -> list[BotMessage]:
        await self.client.post(f"/sandbox/users/{self.id}/text", {"text": text})
        return await self.replies(timeout)

    async def send_file(
        self,
        content: bytes,
        file_name: str,
        kind: str = "document",
        caption: str | None = None,
        timeout: float = 10,
    ) -> list[BotMessage]:
        await self.upload(content, file_name, kind, caption)
        return await self.replies(timeout)

    async def upload(
        self, content: bytes, file_name: str, kind: str = "document", caption: str | None = None
    ) -> None:
        """Send a photo or document without waiting for the bot."""
        form = aiohttp.FormData()
        form.add_field("kind", kind)
        if caption:
            form.add_field("caption", caption)
        form.add_field("file", content, filename=file_name)
        await self.client.post_form(f"/sandbox/users/{self.id}/file", form)

    async def press(
        self, label: str, timeout: float = 10, message: BotMessage | None = None
    ) -> list[BotMessage]:
        """Press the newest inline button with this label (or containing it), or the one under
        the given message. A button still on its way (the bot answers a press and edits its
        message side by side, and other people are being answered at the same time) is waited
        for, up to `timeout`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for candidate in [message] if message else reversed(self.inbox):
                for row in candidate.buttons:
                    for button in row:
                        if label == button["text"] or label in button["text"]:
                            return await self.press_data(
                                candidate.message_id, button["callback_data"], timeout
                            )
            remaining = deadline - asyncio.get_running_loop().time()
            if message or remaining <= 0:
                raise AssertionError(f"{self.name}: no button {label!r} in {self.all_labels()}")
            await self._poll(wait=min(remaining, 0.5))

    async def press_data(self, message_id: int, data: str, timeout: float = 10) -> list[BotMessage]:
        """Press a button with any data at all: how a forged or stale callback is made.
        Returns once the bot has answered the press and has been quiet for a moment."""
        answer = await self.client.post(
            f"/sandbox/users/{self.id}/press", {"message_id": message_id, "data": data}
        )
        self.last_query_id = answer.get("query_id")
        deadline = asyncio.get_running_loop().time() + timeout
        new: list[BotMessage] = []
        while not new and await self.callback_answer() is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{self.name}: the bot did not answer the press of {data!r}")
            new = await self._poll(wait=0.1)
        new += await self.replies(timeout=SETTLE_SECONDS, allow_none=True)
        if not new:  # a reply sent beside the answer may still be queued behind other people's
            new = await self.replies(timeout=REPLY_AFTER_ANSWER_SECONDS, allow_none=True)
        return new

    async def callback_answer(self) -> dict | None:
        answer = await self.client.get(f"/sandbox/callback_answers/{self.last_query_id}")
        return answer["answer"]

    async def replies(self, timeout: float = 10, allow_none: bool = False) -> list[BotMessage]:
        """Wait for the bot to say something, then until it has been quiet for a moment."""
        deadline = asyncio.get_running_loop().time() + timeout
        new = await self._poll(wait=timeout)
        # a deletion (the bot clearing an anonymous message) is not yet a reply: keep waiting
        while not new and (left := deadline - asyncio.get_running_loop().time()) > 0:
            new = await self._poll(wait=left)
        if not new and not allow_none:
            raise AssertionError(f"{self.name}: no reply from the bot within {timeout}s")
        while True:
            more = await self._poll(wait=SETTLE_SECONDS)
            if not more:
                return new
            new += more

    async def wait_for(self, needle: str, timeout: float = 10) -> BotMessage:
        """The first message (already read or still to come) whose text holds `needle`; for
        notices that the outbox delivers in its own time."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.inbox:
                if needle in (message.text or message.caption or ""):
                    return message
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.name}: no message with {needle!r}; got {[m.text for m in self.inbox][-5:]}"
                )
            await self._poll(wait=min(remaining, 1.0))

    async def _poll(self, wait: float) -> list[BotMessage]:
        data = await self.client.get(f"/sandbox/users/{self.id}/events", {"after": self.seen, "wait": wait})
        self.seen = data["next"]
        if data["keyboard"] is not None:
            self.keyboard = data["keyboard"]
        messages = []
        for event in data["events"]:
            if event["kind"] == "deleted":
                self.inbox = [m for m in self.inbox if m.message_id != event["message_id"]]
                continue
            message = BotMessage.from_event(event)
            self.inbox = [m for m in self.inbox if m.message_id != message.message_id]
            self.inbox.append(message)
            messages.append(message)
        return messages

    async def commands(self) -> list[str]:
        data = await self.client.get(f"/sandbox/users/{self.id}/commands")
        return [c["command"] for c in data["commands"]]

    def menu(self) -> list[str]:
        """The labels of the reply keyboard the bot last gave this person."""
        rows = (self.keyboard or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b["text"] for row in rows for b in row]

    def all_labels(self) -> list[str]:
        return [label for m in self.inbox for label in m.labels()]

    async def download(self, file_id: str) -> bytes:
        return await self.client.get_bytes(f"/sandbox/files/{file_id}")

    async def block(self, blocked: bool = True) -> None:
        await self.client.post(f"/sandbox/users/{self.id}/block", {"blocked": blocked})


class SandboxClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    async def user(self, user_id: int, name: str, language_code: str | None = "zh-hans") -> SandboxUser:
        await self.post("/sandbox/users", {"id": user_id, "first_name": name, "language_code": language_code})
        return SandboxUser(self, user_id, name)

    async def fail(
        self,
        method: str = "*",
        status: int = 429,
        count: int = 1,
        retry_after: int | None = None,
        paid_only: bool = False,
    ) -> None:
        await self.post(
            "/sandbox/faults",
            {
                "method": method,
                "status": status,
                "count": count,
                "retry_after": retry_after,
                "paid_only": paid_only,
            },
        )

    async def post(self, path: str, body: dict) -> dict:
        async with self.session.post(self.url + path, json=body) as response:
            text = await response.text()
            if response.status >= 400:
                raise AssertionError(f"sandbox {path}: {response.status} {text}")
            return json.loads(text)

    async def post_form(self, path: str, form: aiohttp.FormData) -> dict:
        async with self.session.post(self.url + path, data=form) as response:
            response.raise_for_status()
            return await response.json()

    async def get(self, path: str, params: dict | None = None) -> dict:
        async with self.session.get(self.url + path, params=params or {}) as response:
            response.raise_for_status()
            return await response.json()

    async def get_bytes(self, path: str) -> bytes:
        async with self.session.get(self.url + path) as response:
            response.raise_for_status()
            return await response.read()
