"""How the bot reaches the Bot API: python-telegram-bot's requests over aiohttp.

python-telegram-bot sends through httpx by default. Measured against the fake Bot API
(bench/updates.py), httpx was most of what the bot spent per update: the same bot sending
through aiohttp handled about twice the updates a second. aiohttp is already what the sandbox
runs on. The PTB team keeps an aiohttp request in ptbcontrib, but it is not on the package
index, so this is our own, with httpx's defaults: the same timeouts, 256 connections for
sending and one for getUpdates, proxies from the environment (HTTPS_PROXY) as httpx reads them.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_NONE = BaseRequest.DEFAULT_NONE
_JSON = {"Content-Type": "application/json"}
_TOKEN_IN_URL = re.compile(r"bot\d+:[\w-]+")
_TOKEN = re.compile(r"\d{5,}:[\w-]{30,}")  # a bare token, as BotFather gives it


def redact(text: str) -> str:
    """Text with every bot token in it cut out (in a URL's path or on its own)."""
    return _TOKEN.sub("<token>", _TOKEN_IN_URL.sub("bot<token>", text))


class TokenRedaction(logging.Filter):
    """On a handler: every record it formats, message, exception chain and stack alike, has the
    token cut out. An error raised `from` aiohttp's keeps aiohttp's message (with the URL, and
    so the token) in its cause, which a traceback prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:  # a malformed log call: logging reports it itself, as without us
            record.msg = redact(str(record.msg))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_logs(logger: logging.Logger | None = None) -> None:
    """Put TokenRedaction on every handler of `logger` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, TokenRedaction) for f in handler.filters):
            handler.addFilter(TokenRedaction())


class AiohttpRequest(BaseRequest):
    """A BaseRequest on one aiohttp session, opened by initialize() inside the running loop."""

    __slots__ = ("_connections", "_proxies", "_proxy_of_origin", "_session", "_timeouts", "too_many_requests")

    def __init__(
        self,
        connections: int = 256,
        *,
        read: float | None = 5.0,
        write: float | None = 5.0,
        connect: float | None = 5.0,
        pool: float | None = 1.0,
        media_write: float | None = 20.0,
    ):
        self._connections = connections
        self._timeouts = {
            "read": read,
            "write": write,
            "connect": connect,
            "pool": pool,
            "media_write": media_write,
        }
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_of_origin: dict[str, str | None] = {}
        self.too_many_requests = 0  # 429s received, for the health endpoint's metrics

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The proxy settings are read here, once: aiohttp's trust_env reads the whole
            # environment on every request, which cost a third of the bot's time per update.
            self._proxies, self._proxy_of_origin = urllib.request.getproxies_environment(), {}
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=DEFAULT_NONE,
        write_timeout=DEFAULT_NONE,
        connect_timeout=DEFAULT_NONE,
        pool_timeout=DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        uploading = bool(request_data and request_data.contains_files)
        timeout = self._timeout(uploading, read_timeout, write_timeout, connect_timeout, pool_timeout)
        body, proxy = _body(request_data), self._proxy(url)
        headers = _JSON if isinstance(body, bytes) else None
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=proxy
            ) as answer:
                if answer.status == 429:
                    self.too_many_requests += 1
                return answer.status, await answer.read()
        except TimeoutError as error:  # aiohttp's timeouts, a full pool among them
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # The message ends up in the log; a URL in it would carry the token.
            said = redact(str(error))
            raise NetworkError(f"aiohttp.{type(error).__name__}: {said}") from error

    def _proxy(self, url: str) -> str | None:
        """HTTPS_PROXY or HTTP_PROXY for the URL's scheme, unless NO_PROXY names its host."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxy_of_origin:
            bypass = urllib.request.proxy_bypass_environment(parts.hostname or "", self._proxies)
            self._proxy_of_origin[origin] = None if bypass else self._proxies.get(parts.scheme)
        return self._proxy_of_origin[origin]

    def _timeout(self, uploading: bool, read, write, connect, pool) -> aiohttp.ClientTimeout:
        """httpx's four timeouts in aiohttp's terms: waiting for a connection and making it is
        `connect`; a file upload's write time is added to the wait for the answer."""

        def chosen(value, name: str) -> float | None:
            return self._timeouts[name] if value is DEFAULT_NONE else value

        read, connect, pool = chosen(read, "read"), chosen(connect, "connect"), chosen(pool, "pool")
        write = chosen(write, "media_write" if uploading else "write")
        return aiohttp.ClientTimeout(
            total=None,
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=_sum(read, write) if uploading else read,
        )


def _sum(first: float | None, second: float | None) -> float | None:
    return None if first is None or second is None else first + second


def _body(request_data: RequestData | None) -> bytes | aiohttp.FormData | None:
    """A call's parameters as one JSON body (which Telegram takes as it takes a form), multipart
    when there are files. Not a form: aiohttp makes a multipart writer for every dict it is
    given (a fresh random boundary from os.urandom, even for a urlencoded body) and then
    percent-encodes the body byte by byte, three bytes a Chinese character; measured
    (bench/updates.py --profile), that was a tenth of the bot's CPU per update."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return json.dumps(request_data.parameters).encode()  # ASCII: a lone surrogate typed stays sendable
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
