"""The sandbox's HTTP server: the Bot API routes for the bot, control routes for people."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import web

from sandbox.server import ApiError, Chat, FakeBotApi, Fault
from sandbox.webhook import WebhookPoster

log = logging.getLogger(__name__)
PAGE = Path(__file__).parent / "page"
STEPS = {"day": timedelta(days=1), "week": timedelta(weeks=1)}


@dataclass
class Demo:
    """What the chat page needs from the bot beside the Bot API: who is who (the roster
    picker), the sandbox clock and a way to move it (the bot then does what fell due)."""

    people: Callable[[], list[dict]]  # {"id": telegram id, "name", "department", "roles"}
    now: Callable[[], datetime]
    advance: Callable[[timedelta], Awaitable[None]]


async def _params(request: web.Request) -> tuple[dict, dict]:
    """Telegram takes query strings, form bodies, multipart bodies and JSON alike."""
    params: dict = dict(request.query)
    files: dict = {}
    if request.content_type == "application/json":
        body = await request.json()
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    elif request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            if part.filename is not None:
                # aiohttp percent-encodes a non-ASCII file name in the form; Telegram keeps the name
                files[part.name] = (await part.read(), unquote(part.filename))
            else:
                params[part.name] = await part.text()
    elif request.can_read_body:
        params.update(dict(await request.post()))
    return params, files


def _error(error: ApiError) -> web.Response:
    body: dict = {"ok": False, "error_code": error.code, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.code)


class SandboxServer:
    def __init__(self, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = FakeBotApi(token)
        self.poster = WebhookPoster(self.api)
        self.host, self.port = host, port
        self.changed: dict[int, asyncio.Event] = {}  # chat id -> set when its chat changes
        self._runner: web.AppRunner | None = None
        self.demo: Demo | None = None
        # Seconds added to every Bot API call, as a network to Telegram would (benchmarks and
        # the concurrency test set it; 0 by default).
        self.latency = 0.0
        self.in_flight = self.most_in_flight = 0  # Bot API calls being answered at once
        self.app = web.Application(client_max_size=50 * 1024 * 1024)
        self.app.add_routes(
            [
                web.route("*", "/bot{token}/{method}", self._bot_api),
                web.get("/file/bot{token}/{path:.*}", self._file),
                web.post("/sandbox/users", self._add_user),
                web.post("/sandbox/users/{id}/text", self._text),
                web.post("/sandbox/users/{id}/file", self._upload),
                web.post("/sandbox/users/{id}/press", self._press),
                web.post("/sandbox/users/{id}/block", self._block),
                web.get("/sandbox/users/{id}/events", self._events),
                web.get("/sandbox/users/{id}/commands", self._commands),
                web.get("/sandbox/callback_answers/{query_id}", self._callback_answer),
                web.post("/sandbox/faults", self._faults),
                web.get("/sandbox/files/{file_id}", self._sandbox_file),
                web.get("/", self._page),
                web.get("/page-font", self._font),
                web.static("/page", PAGE),
                web.get("/sandbox/people", self._people),
                web.get("/sandbox/users/{id}/timeline", self._timeline),
                web.get("/sandbox/clock", self._clock),
                web.post("/sandbox/clock", self._advance),
            ]
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        # at a stop, long polls (the bot's, the web page's) are ended after a second rather than
        # waited for to their end: Ctrl+C on the demo took 9 s
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        await self.poster.start()

    async def stop(self) -> None:
        await self.poster.stop()
        if self._runner:
            await self._runner.cleanup()

    async def _bot_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.api.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params, files = await _params(request)
        polling = request.match_info["method"].lower() == "getupdates"
        self.in_flight += not polling
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            presser = self.api.pressed_by.get(params.get("callback_query_id", ""))
            result = await self.api.call(request.match_info["method"], params, files)
        except ApiError as error:
            return _error(error)
        except (KeyError, ValueError, json.JSONDecodeError) as error:
            return _error(ApiError(400, f"Bad Request: {error}"))
        finally:
            self.in_flight -= not polling
        if not polling:
            self._wake(params.get("chat_id", presser))
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.api.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.api.files:
            return web.Response(status=404)
        return web.Response(body=self.api.files[file_id][0])

    async def _sandbox_file(self, request: web.Request) -> web.Response:
        stored = self.api.files.get(request.match_info["file_id"])
        if stored is None:
            return web.Response(status=404)
        if request.query.get("inline") and (image_type := _image_type(stored[0])):
            return web.Response(body=stored[0], content_type=image_type)
        return web.Response(
            body=stored[0],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored[1])}"},
        )

    async def _add_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.api.user(int(body["id"]), body.get("first_name", "user"), body.get("language_code"))
        return web.json_response({"ok": True})

    def _user_id(self, request: web.Request) -> int:
        user_id = int(request.match_info["id"])
        if user_id not in self.api.chats:
            raise web.HTTPNotFound(text="no such sandbox user; POST /sandbox/users first")
        return user_id

    async def _text(self, request: web.Request) -> web.Response:
        body = await request.json()
        message = await self.api.user_text(self._user_id(request), body["text"])
        self._wake(message["chat"]["id"])
        return web.json_response({"message_id": message["message_id"]})

    async def _upload(self, request: web.Request) -> web.Response:
        user_id = self._user_id(request)
        fields, files = await _params(request)
        content, name = files["file"]
        message = await self.api.user_file(
            user_id, fields.get("kind", "document"), content, name, fields.get("caption")
        )
        self._wake(user_id)
        return web.json_response({"message_id": message["message_id"]})

    async def _press(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            query_id = await self.api.press(self._user_id(request), int(body["message_id"]), body["data"])
        except ApiError as error:
            return _error(error)
        return web.json_response({"query_id": query_id})

    async def _block(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.api.chats[self._user_id(request)].blocked = bool(body.get("blocked", True))
        return web.json_response({"ok": True})

    def _wake(self, chat_id: object) -> None:
        """Wake whoever waits on this chat. Only calls that name a chat add events to one;
        waking just that chat keeps a sandbox with thousands of waiting people cheap."""
        try:
            changed = self.changed.get(int(chat_id)) if chat_id is not None else None
        except ValueError:
            changed = None
        if changed is not None:
            changed.set()

    async def _events(self, request: web.Request) -> web.Response:
        """What the bot did in this person's chat after event number `after`; with `wait`,
        hold the request until something happens or the wait runs out."""
        chat = self.api.chats[self._user_id(request)]
        after = int(request.query.get("after", 0))
        await self._wait_for(chat, chat.events, after, float(request.query.get("wait", 0)))
        return web.json_response(
            {"events": chat.events[after:], "next": len(chat.events), "keyboard": _keyboard(chat)}
        )

    async def _timeline(self, request: web.Request) -> web.Response:
        """The chat page's view: like events, with the person's own messages and the bot's
        answers to their button presses."""
        chat = self.api.chats[self._user_id(request)]
        after = int(request.query.get("after", 0))
        await self._wait_for(chat, chat.timeline, after, float(request.query.get("wait", 0)))
        return web.json_response(
            {"entries": chat.timeline[after:], "next": len(chat.timeline), "keyboard": _keyboard(chat)}
        )

    async def _wait_for(self, chat: Chat, entries: list, after: int, wait: float) -> None:
        deadline = asyncio.get_running_loop().time() + wait
        while len(entries) <= after and (left := deadline - asyncio.get_running_loop().time()) > 0:
            changed = self.changed.setdefault(chat.user["id"], asyncio.Event())
            changed.clear()
            try:
                await asyncio.wait_for(changed.wait(), left)
            except TimeoutError:
                break

    async def _page(self, request: web.Request) -> web.Response:
        return web.FileResponse(PAGE / "index.html")

    async def _font(self, request: web.Request) -> web.Response:
        """The page's Chinese font: the one the project ships for its charts."""
        from documents.charts import packaged_font

        font = packaged_font()
        if font is None:
            raise web.HTTPNotFound()
        return web.FileResponse(font, headers={"Cache-Control": "max-age=86400"})

    async def _people(self, request: web.Request) -> web.Response:
        """The roster picker: who can be played, and how much each chat holds."""
        known = (
            self.demo.people()
            if self.demo
            else [
                {"id": uid, "name": chat.user["first_name"], "department": "", "roles": []}
                for uid, chat in self.api.chats.items()
            ]
        )
        people = [
            {**person, "entries": len(self.api.chats[person["id"]].timeline)}
            for person in known
            if person["id"] in self.api.chats
        ]
        return web.json_response({"people": people})

    async def _clock(self, request: web.Request) -> web.Response:
        if self.demo is None:
            raise web.HTTPNotFound(text="the clock moves only in the demo")
        return web.json_response({"now": self.demo.now().isoformat()})

    async def _advance(self, request: web.Request) -> web.Response:
        """Move the sandbox clock on by a day or a week; the bot does what fell due meanwhile."""
        if self.demo is None:
            raise web.HTTPNotFound(text="the clock moves only in the demo")
        step = STEPS.get((await request.json()).get("by", ""))
        if step is None:
            raise web.HTTPBadRequest(text=f"by: one of {', '.join(STEPS)}")
        await self.demo.advance(step)
        return web.json_response({"now": self.demo.now().isoformat()})

    async def _commands(self, request: web.Request) -> web.Response:
        user_id = self._user_id(request)
        for key, commands in self.api.commands.items():
            scope = json.loads(key)
            if scope.get("type") == "chat" and int(scope.get("chat_id", 0)) == user_id:
                return web.json_response({"scope": "chat", "commands": commands})
        default = [c for k, c in self.api.commands.items() if json.loads(k)["type"] == "default"]
        return web.json_response({"scope": "default", "commands": default[0] if default else []})

    async def _callback_answer(self, request: web.Request) -> web.Response:
        answer = self.api.callback_answers.get(request.match_info["query_id"])
        return web.json_response({"answer": answer})

    async def _faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.api.faults.append(
            Fault(
                method=body.get("method", "*"),
                status=int(body.get("status", 429)),
                count=int(body.get("count", 1)),
                retry_after=body.get("retry_after"),
                paid_only=bool(body.get("paid_only", False)),
            )
        )
        return web.json_response({"ok": True})


def _keyboard(chat: Chat) -> dict | None:
    """The reply keyboard the bot last gave this chat (or its removal), if any."""
    return next(
        (
            e["message"]["chat_keyboard"]
            for e in reversed(chat.events)
            if e["kind"] == "sent" and "chat_keyboard" in e["message"]
        ),
        None,
    )


def _image_type(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None
