"""Webhook mode: chosen by WEBHOOK_URL, guarded by Telegram's secret token on every request,
never dropping what waited; the sandbox posts updates to the webhook as Telegram does. The
flows themselves run in both modes (see conftest.CORE_FLOWS)."""

from __future__ import annotations

import json

import aiohttp
import pytest
from conftest import TOKEN, BotUnderTest

import config


async def _api(server, method: str, **params) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/bot{TOKEN}/{method}", json=params) as answer:
            return answer.status, await answer.json()


async def _post_to_webhook(settings: config.Settings, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    url = f"http://127.0.0.1:{settings.webhook_port}{settings.webhook_path}"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=json.dumps(update), headers=headers) as answer:
            return answer.status


def test_polling_is_the_default_and_a_webhook_has_a_secret_whatever_is_set():
    polling = config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv=False)
    assert polling.webhook_url is None and polling.webhook_secret_token is None

    derived = config.load(
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.org/tg/"}, dotenv=False
    )
    assert derived.webhook_path == "/tg" and derived.webhook_listen == "127.0.0.1"
    assert derived.webhook_port == 8443
    secret = derived.webhook_secret_token
    assert secret and TOKEN.split(":")[1] not in secret and len(secret) == 64
    other_bot = config.load(
        env={"TELEGRAM_BOT_TOKEN": "654321:other", "WEBHOOK_URL": "https://x.org/tg"}, dotenv=False
    )
    assert other_bot.webhook_secret_token != secret

    chosen = config.load(
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/", "WEBHOOK_SECRET": "my_secret-1"},
        dotenv=False,
    )
    assert chosen.webhook_secret_token == "my_secret-1"
    for bad in ("has space", "émoji", "x" * 257):
        with pytest.raises(config.ConfigError, match="WEBHOOK_SECRET"):
            config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": bad}, dotenv=False)
    with pytest.raises(config.ConfigError, match="WEBHOOK_URL"):
        config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "bot.example.org"}, dotenv=False)
    with pytest.raises(config.ConfigError, match="WEBHOOK_PORT"):
        config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_PORT": "70000"}, dotenv=False)


@pytest.mark.parametrize("bot_mode", ["webhook"], indirect=True)
async def test_the_bot_sets_its_webhook_and_polling_is_refused_meanwhile(
    running_bot, server, client, invited
):
    status, info = await _api(server, "getWebhookInfo")
    assert info["result"]["url"] == running_bot.settings.webhook_url
    assert server.api.webhook.secret_token == running_bot.settings.webhook_secret_token

    status, answer = await _api(server, "getUpdates")
    assert status == 409 and "webhook is active" in answer["description"]

    staff = await client.user(101, "Zhang")
    reply = await staff.send(f"/start {invited['张伟']}")
    assert "欢迎，张伟（门诊部）" in reply[-1].text
    assert server.api.webhook_answers and set(server.api.webhook_answers) == {200}


@pytest.mark.parametrize("bot_mode", ["webhook"], indirect=True)
async def test_a_request_without_the_right_secret_is_refused_and_handled_by_no_one(
    running_bot, server, client, invited, db
):
    staff = await client.user(101, "Zhang")
    forged = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 101, "type": "private"},
            "from": {"id": 101, "is_bot": False, "first_name": "Zhang"},
            "text": f"/start {invited['张伟']}",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    settings = running_bot.settings
    assert await _post_to_webhook(settings, forged, secret=None) == 403
    assert await _post_to_webhook(settings, forged, secret="guessed") == 403
    assert await _post_to_webhook(settings, forged, secret=settings.webhook_secret_token + "x") == 403
    assert not await staff.replies(timeout=0.5, allow_none=True)
    assert db.execute("select count(*) from people where telegram_user_id = 101").fetchone()[0] == 0


@pytest.mark.parametrize("bot_mode", ["webhook"], indirect=True)
async def test_the_sandbox_with_a_wrong_secret_is_refused_and_keeps_the_update(
    running_bot, server, client, invited
):
    right = server.api.webhook.secret_token
    server.api.webhook.secret_token = "not-the-secret"
    staff = await client.user(101, "Zhang")
    await client.post(f"/sandbox/users/{staff.id}/text", {"text": f"/start {invited['张伟']}"})
    assert not await staff.replies(timeout=0.6, allow_none=True)
    status, info = await _api(server, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 1
    assert info["result"]["last_error_message"].startswith("Wrong response from the webhook: 403")
    assert 403 in server.api.webhook_answers and 200 not in server.api.webhook_answers[-3:]

    server.api.webhook.secret_token = right  # the update was kept and now goes through
    reply = await staff.replies(timeout=5)
    assert "欢迎，张伟（门诊部）" in reply[-1].text
    status, info = await _api(server, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 0


@pytest.mark.parametrize("bot_mode", ["webhook"], indirect=True)
async def test_what_was_sent_while_the_bot_was_down_is_answered_when_it_is_back(
    running_bot, server, client, invited
):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    await running_bot.stop()
    await client.post(f"/sandbox/users/{staff.id}/text", {"text": "/me"})
    assert not await staff.replies(timeout=0.5, allow_none=True)
    status, info = await _api(server, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 1  # the bot down: Telegram keeps it
    assert "Connection failed" in info["result"]["last_error_message"]

    await running_bot.start()  # never drop_pending_updates: the update waiting is answered
    reply = await staff.replies(timeout=5)
    assert "门诊部" in reply[-1].text


async def test_back_to_polling_removes_the_webhook(server, client, invited, db_path):
    hooked = BotUnderTest(server, db_path, "webhook")
    await hooked.start()
    await hooked.stop()
    assert server.api.webhook is not None  # stopping leaves it: Telegram queues meanwhile

    polling = BotUnderTest(server, db_path, "polling")
    await polling.start()
    try:
        assert server.api.webhook is None
        staff = await client.user(101, "Zhang")
        reply = await staff.send(f"/start {invited['张伟']}")
        assert "欢迎" in reply[-1].text
    finally:
        await polling.stop()


async def test_the_sandbox_checks_set_webhook_as_telegram_does(server):
    status, answer = await _api(server, "setWebhook", url="http://bot.example.org/tg")
    assert status == 400 and "HTTPS URL must be provided" in answer["description"]
    status, answer = await _api(server, "setWebhook", url="https://bot.example.org/tg", secret_token="a b")
    assert status == 400 and "secret token contains unallowed characters" in answer["description"]
    await server.api.push({"message": {"text": "waiting"}})
    status, _ = await _api(
        server, "setWebhook", url="https://127.0.0.1:9/tg", secret_token="ok", drop_pending_updates=False
    )
    assert status == 200 and len(server.api.updates) == 1
    status, answer = await _api(server, "deleteWebhook", drop_pending_updates=True)
    assert status == 200 and server.api.webhook is None and server.api.updates == []
    status, answer = await _api(server, "getUpdates")
    assert status == 200 and answer["result"] == []
