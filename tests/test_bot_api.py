"""The bot's transport maps what goes wrong on the way to the errors python-telegram-bot and
the pacer act on: a slow answer is TimedOut (tried again), a refused connection NetworkError."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot_api import AiohttpRequest


@pytest.fixture
async def slow_server():
    async def answer_late(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("after", "0")))
        json_body = request.content_type == "application/json"
        sent = await request.json() if json_body else dict(await request.post())
        return web.json_response({"ok": True, "result": sent})

    app = web.Application()
    app.router.add_post("/call", answer_late)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/call"
    await runner.cleanup()


@pytest.fixture
async def transport():
    request = AiohttpRequest(read=0.3)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_fields_arrive_as_json_and_a_late_answer_times_out(slow_server, transport):
    fields = {
        "chat_id": 7,
        "text": "意见 👍\u200b",
        "reply_markup": {"inline_keyboard": [[{"text": "提交", "callback_data": "s"}]]},
    }
    data = RequestData([RequestParameter.from_input(name, value) for name, value in fields.items()])
    status, body = await transport.do_request(slow_server, "POST", data)
    assert status == 200 and json.loads(body)["result"] == fields  # nested values as JSON, not strings
    with pytest.raises(TimedOut):
        await transport.do_request(f"{slow_server}?after=2", "POST", data)
    status, _ = await transport.do_request(f"{slow_server}?after=2", "POST", data, read_timeout=5)
    assert status == 200  # a call's own read timeout (getUpdates adds its long poll) wins


async def test_a_refused_connection_is_a_network_error(transport):
    with pytest.raises(NetworkError) as raised:
        await transport.do_request("http://127.0.0.1:9/call", "POST")
    assert not isinstance(raised.value, TimedOut)


async def test_it_must_be_initialized_first():
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:9/call", "POST")


async def test_a_proxy_from_the_environment_is_used(slow_server, monkeypatch):
    """Many institutions reach Telegram only through a proxy: HTTPS_PROXY (here HTTP_PROXY, for a
    plain-HTTP stand-in) in the environment or .env is enough, as with httpx before; NO_PROXY
    still names the hosts reached directly."""
    monkeypatch.setenv("HTTP_PROXY", slow_server.removesuffix("/call"))
    monkeypatch.setenv("NO_PROXY", "direct.invalid")
    monkeypatch.delenv("no_proxy", raising=False)
    async with AiohttpRequest() as transport:
        status, body = await transport.do_request("http://api.telegram.invalid/call", "POST")
        assert status == 200 and b'"ok": true' in body
        with pytest.raises(NetworkError):
            await transport.do_request("http://direct.invalid/call", "POST")


async def test_an_error_never_carries_the_token(transport):
    with pytest.raises(NetworkError) as raised:
        await transport.do_request("http://127.0.0.1:99999/bot123456:AAHsecret-token_x/getMe", "POST")
    assert "AAHsecret" not in str(raised.value) and "bot<token>" in str(raised.value)


SECRET = "AAHsecretTokenForTheTestOnly_0123456789"


def _logged(error: BaseException) -> str:
    """The error logged with its traceback, as the bot's log handler writes it."""
    import io
    import logging

    from bot_api import redact_logs

    stream = io.StringIO()
    logger = logging.getLogger("test.redaction")
    logger.propagate, logger.handlers = False, [logging.StreamHandler(stream)]
    redact_logs(logger)
    logger.error("handler failed for bot123456:%s", SECRET, exc_info=error)
    logger.error("the token on its own: 123456:%s", SECRET)
    return stream.getvalue()


async def _failure(call) -> BaseException:
    try:
        await call
    except Exception as error:  # noqa: BLE001 - what the transport raised, whatever it is
        return error
    raise AssertionError("the call did not fail")


async def test_every_transport_error_is_logged_without_the_token(slow_server):
    """Connect timeout (waiting for a free connection), read timeout, refused connection,
    malformed URL: each error, its causes and the log line around it never show the token."""
    import traceback

    path = f"/bot123456:{SECRET}/getMe"
    base = slow_server.removesuffix("/call")
    async with AiohttpRequest(connections=1, read=0.3, connect=0.2, pool=0.0) as transport:
        busy = asyncio.ensure_future(transport.do_request(f"{slow_server}?after=1", "POST", read_timeout=3))
        await asyncio.sleep(0.05)
        errors = {
            "connect timeout": await _failure(transport.do_request(f"{base}{path}", "POST")),
        }
        await busy
        errors["read timeout"] = await _failure(transport.do_request(f"{slow_server}?after=2", "POST"))
        errors["refused"] = await _failure(transport.do_request(f"http://127.0.0.1:9{path}", "POST"))
        malformed = f"http://127.0.0.1:99999{path}"
        errors["malformed URL"] = await _failure(transport.do_request(malformed, "POST"))
    assert isinstance(errors["connect timeout"], TimedOut) and isinstance(errors["read timeout"], TimedOut)
    raw = "".join(traceback.format_exception(errors["connect timeout"]))
    assert SECRET in raw  # aiohttp's own message, in the cause, carries the URL
    for what, error in errors.items():
        logged = _logged(error)
        assert SECRET not in logged, what
        assert "bot<token>" in logged and "the token on its own: <token>" in logged, what
