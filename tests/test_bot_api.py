"""The bot's transport maps what goes wrong on the way to the errors python-telegram-bot and
the pacer act on: a slow answer is TimedOut (tried again), a refused connection NetworkError."""

from __future__ import annotations

import asyncio

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
        return web.json_response({"ok": True, "result": dict(await request.post())})

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


async def test_form_fields_arrive_and_a_late_answer_times_out(slow_server, transport):
    fields = {"chat_id": 7, "text": "意见"}
    data = RequestData([RequestParameter.from_input(name, value) for name, value in fields.items()])
    status, body = await transport.do_request(slow_server, "POST", data)
    assert status == 200 and '"text": "\\u610f\\u89c1"' in body.decode()
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
