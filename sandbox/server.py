"""A local stand-in for the Telegram Bot API: same URLs, same wire format, same checks.

The bot talks to it at `<url>/bot<token>/<method>`; people are simulated through the control
endpoints under `<url>/sandbox/` (see `sandbox/client.py`). Everything is kept in memory.
"""

from __future__ import annotations

import asyncio
import collections
import io
import itertools
import json
import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from sandbox.html_check import EntityError, visible_text

BOT_ID = 7000000001
BOT_USERNAME = "rectify_sandbox_bot"
MAX_TEXT = 4096
MAX_INLINE_BUTTONS = 100  # Telegram refuses a message with more ("reply markup is too long")
MAX_CALLBACK_DATA = 64
MAX_POPUP = 200  # answerCallbackQuery's text: "0-200 characters"
DELETE_WITHIN_SECONDS = 48 * 3600


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class Fault:
    """Answer the next `count` calls of `method` ('*' for any) with an error."""

    method: str
    status: int
    count: int
    retry_after: int | None = None
    paid_only: bool = False  # only calls sent as a paid broadcast (allow_paid_broadcast)


@dataclass
class Chat:
    user: dict
    blocked: bool = False
    messages: dict[int, dict] = field(default_factory=dict)  # message_id -> current state
    events: list[dict] = field(default_factory=list)  # what the bot did, in order
    # What the chat page shows: the person's own messages, the bot's events and its answers
    # to button presses, in order (events stays the bot's alone, as test clients read it).
    timeline: list[dict] = field(default_factory=list)
    next_message_id: int = 1

    def record(self, event: dict) -> None:
        self.events.append(event)
        self.timeline.append(event)


@dataclass
class Webhook:
    """Where Telegram posts updates when a bot set a webhook (getUpdates is then refused)."""

    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


# Telegram's rule for setWebhook's secret_token.
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class FakeBotApi:
    def __init__(self, token: str, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot = {"id": BOT_ID, "is_bot": True, "first_name": "整改通", "username": username}
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict] = []
        self.update_ids = itertools.count(1)
        self.arrived = asyncio.Condition()
        self.polls = 0  # getUpdates calls answered: a started bot is taking updates once this moves
        self.files: dict[str, tuple[bytes, str]] = {}  # file_id -> (content, file name)
        self.commands: dict[str, list[dict]] = {}  # scope key -> commands
        self.callback_answers: dict[str, dict] = {}
        self.faults: list[Fault] = []
        self.calls: list[str] = []
        self.answers: list[tuple[str, float, int]] = []  # (method, monotonic time, HTTP status)
        # Telegram's flood limits, when set: (messages a second overall, a second per chat), and
        # optionally a third: paid broadcasts' a second (allow_paid_broadcast; 1,000 if not
        # given), counted apart from the free ones. A benchmark may scale them by a speed-up
        # factor. Off by default.
        self.flood_limits: tuple[float, ...] | None = None
        self.paid_messages = 0  # accepted with allow_paid_broadcast: 0.1 Star each, at Telegram
        # A share of all calls answered with a random failure (5xx, a gateway timeout, 429).
        self.fault_rate = 0.0
        self.fault_random = random.Random(0)
        self._sent_times: collections.deque[float] = collections.deque()
        self._paid_times: collections.deque[float] = collections.deque()
        self._last_sent: dict[str, float] = {}
        self.pressed_by: dict[str, int] = {}  # callback query id -> who pressed
        self.latency: dict[str, float] = {}  # method (lower case) -> seconds before it is answered
        self.started: list[tuple[str, object]] = []  # (method, chat_id) of each call as it arrives
        self.webhook: Webhook | None = None
        self.webhook_answers: list[int] = []  # the HTTP status of each post to the webhook
        # Message dates; the demo moves them with its clock.
        self.now: Callable[[], float] = time.time

    # ---- the people side -------------------------------------------------------------

    def user(self, user_id: int, first_name: str, language_code: str | None = None) -> Chat:
        if user_id not in self.chats:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            if language_code:
                user["language_code"] = language_code
            self.chats[user_id] = Chat(user=user)
        return self.chats[user_id]

    def _chat_of(self, user_id: int) -> dict:
        user = self.chats[user_id].user
        return {"id": user_id, "type": "private", "first_name": user["first_name"]}

    def _user_message(self, user_id: int, **content) -> dict:
        chat = self.chats[user_id]
        message = {
            "message_id": chat.next_message_id,
            "from": chat.user,
            "chat": self._chat_of(user_id),
            "date": int(self.now()),
            **content,
        }
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        chat.timeline.append({"kind": "user", "message": message})
        return message

    async def push(self, update: dict) -> dict:
        async with self.arrived:
            update["update_id"] = next(self.update_ids)
            self.updates.append(update)
            self.arrived.notify_all()
        return update

    async def user_text(self, user_id: int, text: str) -> dict:
        content: dict = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        message = self._user_message(user_id, **content)
        await self.push({"message": message})
        return message

    async def user_file(
        self, user_id: int, kind: str, content: bytes, file_name: str, caption: str | None
    ) -> dict:
        file_id = self._store_file(content, file_name)
        unique = file_id[:16]
        if kind == "photo":
            media = {
                "photo": [
                    {
                        "file_id": file_id,
                        "file_unique_id": unique,
                        "width": 640,
                        "height": 480,
                        "file_size": len(content),
                    }
                ]
            }
        else:
            media = {
                "document": {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "file_name": file_name,
                    "file_size": len(content),
                }
            }
        if caption:
            media["caption"] = caption
        message = self._user_message(user_id, **media)
        await self.push({"message": message})
        return message

    async def press(self, user_id: int, message_id: int, data: str) -> str:
        message = self.chats[user_id].messages.get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message not found")
        query_id = secrets.token_hex(8)
        self.pressed_by[query_id] = user_id
        await self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.chats[user_id].user,
                    "message": message,
                    "chat_instance": str(user_id),
                    "data": data,
                }
            }
        )
        return query_id

    # ---- the bot side: Bot API methods ---------------------------------------------------

    def _target(self, params: dict) -> Chat:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _checked_text(self, params: dict, key: str, required: bool) -> str | None:
        text = params.get(key)
        if text is None:
            if required:
                raise ApiError(400, "Bad Request: message text is empty")
            return None
        shown = text
        if params.get("parse_mode") == "HTML":
            try:
                shown = visible_text(text)
            except EntityError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        limit = MAX_TEXT if key == "text" else 1024
        if required and not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(shown) > limit:
            raise ApiError(400, f"Bad Request: {'message' if key == 'text' else 'caption'} is too long")
        return text

    @staticmethod
    def _markup(params: dict) -> dict | None:
        raw = params.get("reply_markup")
        if raw is None:
            return None
        markup = json.loads(raw) if isinstance(raw, str) else raw
        if sum(len(row) for row in markup.get("inline_keyboard", [])) > MAX_INLINE_BUTTONS:
            raise ApiError(400, "Bad Request: reply markup is too long")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    def _bot_message(self, chat: Chat, **content) -> dict:
        message = {
            "message_id": chat.next_message_id,
            "from": self.bot,
            "chat": self._chat_of(chat.user["id"]),
            "date": int(self.now()),
            **{k: v for k, v in content.items() if v is not None},
        }
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        chat.record({"kind": "sent", "message": message})
        return message

    def _inline_only(self, markup: dict | None) -> dict | None:
        # A sent message carries an inline keyboard; a reply keyboard belongs to the chat.
        return markup if markup and "inline_keyboard" in markup else None

    def send_message(self, params: dict) -> dict:
        chat = self._target(params)
        text = self._checked_text(params, "text", required=True)
        markup = self._markup(params)
        message = self._bot_message(
            chat,
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=self._inline_only(markup),
        )
        if markup and "inline_keyboard" not in markup:
            message["chat_keyboard"] = markup
        return message

    def _existing(self, params: dict) -> tuple[Chat, dict]:
        chat = self._target(params)
        message = chat.messages.get(int(params.get("message_id", 0)))
        if message is None or message.get("from", {}).get("id") != BOT_ID:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, message

    def edit_message_text(self, params: dict) -> dict:
        chat, message = self._existing(params)
        text = self._checked_text(params, "text", required=True)
        markup = self._inline_only(self._markup(params))
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.update(text=text, parse_mode=params.get("parse_mode"), edited=True)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        chat.record({"kind": "edited", "message": dict(message)})
        return message

    def edit_message_reply_markup(self, params: dict) -> dict:
        chat, message = self._existing(params)
        markup = self._inline_only(self._markup(params))
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        chat.record({"kind": "edited", "message": dict(message)})
        return message

    def delete_message(self, params: dict) -> bool:
        # In a private chat a bot may delete its own messages and the person's, for 48 hours.
        chat = self._target(params)
        message = chat.messages.get(int(params.get("message_id", 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        if self.now() - message["date"] > DELETE_WITHIN_SECONDS:
            raise ApiError(400, "Bad Request: message can't be deleted")
        del chat.messages[message["message_id"]]
        chat.record({"kind": "deleted", "message_id": message["message_id"]})
        return True

    def delete_messages(self, params: dict) -> bool:
        # 1 to 100 ids; as Telegram, what cannot be found (or deleted any more) is skipped
        raw = params.get("message_ids")
        ids = json.loads(raw) if isinstance(raw, str) else list(raw or [])
        if not 1 <= len(ids) <= 100:
            raise ApiError(
                400, "Bad Request: too many messages to delete" if ids else "Bad Request: no messages"
            )
        chat = self._target(params)
        for message_id in ids:
            message = chat.messages.get(int(message_id))
            if message is None or self.now() - message["date"] > DELETE_WITHIN_SECONDS:
                continue
            del chat.messages[message["message_id"]]
            chat.record({"kind": "deleted", "message_id": message["message_id"]})
        return True

    def _store_file(self, content: bytes, file_name: str) -> str:
        file_id = "F" + secrets.token_urlsafe(24)
        self.files[file_id] = (content, file_name)
        return file_id

    def _media(self, params: dict, files: dict, key: str) -> tuple[str, bytes, str]:
        if key in files:
            content, name = files[key]
            return self._store_file(content, name), content, name
        file_id = params.get(key)
        if file_id in self.files:
            content, name = self.files[file_id]
            return file_id, content, name
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def send_photo(self, params: dict, files: dict) -> dict:
        chat = self._target(params)
        caption = self._checked_text(params, "caption", required=False)
        file_id, content, _ = self._media(params, files, "photo")
        _check_photo(content)
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": file_id[:16],
                "width": 640,
                "height": 480,
                "file_size": len(content),
            }
        ]
        return self._bot_message(
            chat, photo=photo, caption=caption, reply_markup=self._inline_only(self._markup(params))
        )

    def send_media_group(self, params: dict, files: dict) -> list[dict]:
        """An album: 2 to 10 photos, each its own message, as Telegram sends them."""
        chat = self._target(params)
        media = json.loads(params.get("media") or "[]")
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media specified")
        sent = []
        for item in media:
            reference = str(item.get("media", ""))
            if reference.startswith("attach://") and reference.removeprefix("attach://") in files:
                content, name = files[reference.removeprefix("attach://")]
                file_id = self._store_file(content, name)
            elif reference in self.files:
                file_id, content = reference, self.files[reference][0]
            else:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            caption = self._checked_text(item, "caption", required=False)
            photo = [
                {
                    "file_id": file_id,
                    "file_unique_id": file_id[:16],
                    "width": 640,
                    "height": 480,
                    "file_size": len(content),
                }
            ]
            sent.append(self._bot_message(chat, photo=photo, caption=caption))
        return sent

    def send_document(self, params: dict, files: dict) -> dict:
        chat = self._target(params)
        caption = self._checked_text(params, "caption", required=False)
        file_id, content, name = self._media(params, files, "document")
        document = {
            "file_id": file_id,
            "file_unique_id": file_id[:16],
            "file_name": name,
            "file_size": len(content),
        }
        return self._bot_message(
            chat, document=document, caption=caption, reply_markup=self._inline_only(self._markup(params))
        )

    def copy_message(self, params: dict) -> dict:
        chat = self._target(params)
        source = self.chats.get(int(params.get("from_chat_id", 0)))
        original = source.messages.get(int(params.get("message_id", 0))) if source else None
        if original is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {k: original[k] for k in ("text", "photo", "document", "caption") if k in original}
        if "caption" in params:
            content["caption"] = self._checked_text(params, "caption", required=False)
        # A copy, unlike a forward, carries nothing of where it came from.
        message = self._bot_message(chat, **content, reply_markup=self._markup(params))
        return {"message_id": message["message_id"]}

    def get_file(self, params: dict) -> dict:
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        content, _ = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id[:16],
            "file_size": len(content),
            "file_path": f"files/{file_id}",
        }

    def answer_callback_query(self, params: dict) -> bool:
        if params["callback_query_id"] in self.callback_answers:  # one answer, as Telegram
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        answer = {"text": params.get("text"), "show_alert": params.get("show_alert") in ("true", True)}
        if _utf16_len(answer["text"] or "") > MAX_POPUP:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[params["callback_query_id"]] = answer
        presser = self.chats.get(self.pressed_by.pop(params["callback_query_id"], None))
        if presser is not None and answer["text"]:
            presser.timeline.append({"kind": "answer", **answer})
        return True

    def set_my_commands(self, params: dict) -> bool:
        commands = json.loads(params["commands"])
        _check_commands(commands)
        scope = json.loads(params.get("scope") or '{"type": "default"}')
        self.commands[_scope_key(scope, params.get("language_code"))] = commands
        return True

    async def set_webhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self.delete_webhook(params)
        parts = urlsplit(url)
        # Telegram takes only https; the sandbox also takes http on this machine, as nothing
        # leaves it.
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token") or None
        if secret is not None and not SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        async with self.arrived:
            if params.get("drop_pending_updates") in ("true", True):
                self.updates.clear()
            self.webhook = Webhook(url, secret, int(params.get("max_connections") or 40))
            self.arrived.notify_all()  # the poster starts at once, pollers are refused
        return True

    async def delete_webhook(self, params: dict) -> bool:
        async with self.arrived:
            if params.get("drop_pending_updates") in ("true", True):
                self.updates.clear()
            self.webhook = None
        return True

    def webhook_info(self, params: dict) -> dict:
        hook = self.webhook
        info: dict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if hook.last_error_date:
                info.update(last_error_date=hook.last_error_date, last_error_message=hook.last_error_message)
        return info

    def _no_polling_with_webhook(self) -> None:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    async def get_updates(self, params: dict) -> list[dict]:
        self._no_polling_with_webhook()
        self.polls += 1
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        async with self.arrived:
            # Telegram forgets updates below the offset once the bot asks with it.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout > 0:
                try:
                    await asyncio.wait_for(self.arrived.wait(), timeout)
                except TimeoutError:
                    pass
            self._no_polling_with_webhook()
            return [u for u in self.updates if u["update_id"] >= offset][:limit]

    async def call(self, method: str, params: dict, files: dict) -> object:
        """Answer one Bot API call; every answer but getUpdates' is logged with its status, so
        a test sees each refusal (broken HTML, too long, unknown chat) as well as each fault."""
        self.calls.append(method)
        self.started.append((method, params.get("chat_id")))
        if delay := self.latency.get(method.lower()):  # a slow Telegram: the call is in flight
            await asyncio.sleep(delay)
        try:
            self._maybe_fail(method, _paid(params))
            self._keep_flood_limits(method, params)
            result = await self._answer(method, params, files)
        except ApiError as error:
            self.answers.append((method, time.monotonic(), error.code))
            raise
        if method.lower() != "getupdates":
            self.answers.append((method, time.monotonic(), 200))
        if method.lower() in SENDING and _paid(params):
            self.paid_messages += 1
        return result

    def refusals(self) -> list[tuple[str, int]]:
        """(method, status) of every call answered with a 4xx other than a requested fault."""
        return [
            (method, status) for method, _, status in self.answers if 400 <= status < 500 and status != 429
        ]

    async def _answer(self, method: str, params: dict, files: dict) -> object:
        simple = {
            "getme": lambda p: self.bot,
            "getwebhookinfo": self.webhook_info,
            "logout": lambda p: True,
            "close": lambda p: True,
            "getmycommands": lambda p: self.commands.get(_scope_key({"type": "default"}, None), []),
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "copymessage": self.copy_message,
            "getfile": self.get_file,
            "answercallbackquery": self.answer_callback_query,
            "setmycommands": self.set_my_commands,
        }
        key = method.lower()
        if key == "getupdates":
            return await self.get_updates(params)
        if key == "setwebhook":
            return await self.set_webhook(params)
        if key == "deletewebhook":
            return await self.delete_webhook(params)
        if key == "sendphoto":
            return self.send_photo(params, files)
        if key == "senddocument":
            return self.send_document(params, files)
        if key == "sendmediagroup":
            return self.send_media_group(params, files)
        if key not in simple:
            raise ApiError(404, "Not Found")
        return simple[key](params)

    def _keep_flood_limits(self, method: str, params: dict) -> None:
        if self.flood_limits is None or method.lower() not in SENDING:
            return
        overall, per_chat, *paid_rate = self.flood_limits
        paid = _paid(params)
        limit = (paid_rate[0] if paid_rate else 1000) if paid else overall
        times = self._paid_times if paid else self._sent_times
        now, chat = time.monotonic(), str(params.get("chat_id"))
        while times and times[0] <= now - 1.0:
            times.popleft()
        if len(times) >= limit or now - self._last_sent.get(chat, -1e9) < 1.0 / per_chat:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        times.append(now)
        self._last_sent[chat] = now

    def _maybe_fail(self, method: str, paid: bool = False) -> None:
        if self.fault_rate and self.fault_random.random() < self.fault_rate:
            status = self.fault_random.choice((500, 502, 504, 429))
            if status == 429:
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            raise ApiError(status, "Gateway Timeout" if status == 504 else "Internal Server Error")
        for fault in self.faults:
            if fault.paid_only and not paid:
                continue
            if fault.count > 0 and fault.method.lower() in ("*", method.lower()):
                fault.count -= 1
                if fault.status == 429:
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        retry_after=fault.retry_after or 1,
                    )
                raise ApiError(fault.status, "Internal Server Error")


def _paid(params: dict) -> bool:
    return str(params.get("allow_paid_broadcast", "")).lower() in ("true", "1")


SENDING = {"sendmessage", "sendphoto", "senddocument", "copymessage", "sendmediagroup"}


COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")  # BotCommand.command
MAX_COMMANDS, MAX_COMMAND_DESCRIPTION = 100, 256  # setMyCommands; BotCommand.description: 1-256


def _check_commands(commands: list[dict]) -> None:
    if len(commands) > MAX_COMMANDS:
        raise ApiError(400, "Bad Request: too many commands specified")
    for command in commands:
        if not COMMAND_NAME.fullmatch(command.get("command", "")):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= _utf16_len(command.get("description", "")) <= MAX_COMMAND_DESCRIPTION:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


def _scope_key(scope: dict, language_code: str | None) -> str:
    return json.dumps({**scope, "language_code": language_code or ""}, sort_keys=True)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


PHOTO_SIDES, PHOTO_RATIO, PHOTO_BYTES = 10_000, 20, 10 * 1024 * 1024  # Bot API, sendPhoto


def _check_photo(content: bytes) -> None:
    """As Telegram: "The photo must be at most 10 MB in size. The photo's width and height must
    not exceed 10000 in total. Width and height ratio must be at most 20." (Bytes that are not an
    image, which some tests send, are taken as they are.)"""
    if len(content) > PHOTO_BYTES:
        raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
    try:
        width, height = Image.open(io.BytesIO(content)).size
    except (UnidentifiedImageError, OSError):
        return
    if width + height > PHOTO_SIDES or max(width, height) > PHOTO_RATIO * min(width, height):
        raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
