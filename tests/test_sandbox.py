"""The fake Bot API checks what Telegram checks, so mistakes fail in tests, not in production."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import TOKEN
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot_api import AiohttpRequest


@pytest.fixture
async def api_bot(server):
    """A bare Bot on the bot's own transport, so uploads and downloads here go through it."""
    async with Bot(
        TOKEN,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connections=1),
    ) as b:
        yield b


async def test_get_me_and_wrong_token(server, api_bot):
    assert api_bot.username == "rectify_sandbox_bot"
    with pytest.raises(Exception, match="rejected"):
        async with Bot("999:wrong", base_url=f"{server.url}/bot") as wrong:
            await wrong.get_me()


async def test_message_checks(server, client, api_bot):
    await client.user(1, "A")
    await api_bot.send_message(1, "<b>ok</b> &amp; fine", parse_mode="HTML")
    with pytest.raises(BadRequest, match="parse entities"):
        await api_bot.send_message(1, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match="parse entities"):
        await api_bot.send_message(1, "a < b & c", parse_mode="HTML")
    with pytest.raises(BadRequest, match="too long"):
        await api_bot.send_message(1, "字" * 4097)
    await api_bot.send_message(1, "字" * 4096)
    with pytest.raises(BadRequest, match="empty"):
        await api_bot.send_message(1, "")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await api_bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await api_bot.send_message(
            1, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="x" * 65)]])
        )


async def test_a_pop_up_and_the_command_list_are_held_to_telegrams_limits(server, api_bot):
    """answerCallbackQuery's text is 0-200 characters; a command is 1-32 of [a-z0-9_] with a
    description of 1-256 (Bot API). The sandbox let both through until stop 35."""
    with pytest.raises(BadRequest, match="(?i)message_too_long"):
        await api_bot.answer_callback_query("q1", text="字" * 201)
    with pytest.raises(BadRequest, match="(?i)message_too_long"):
        await api_bot.answer_callback_query("q2", text="👍" * 101)  # 202 UTF-16 units
    assert await api_bot.answer_callback_query("q3", text="字" * 200)
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await api_bot.set_my_commands([BotCommand("Ledger", "台账")])
    with pytest.raises(BadRequest, match="(?i)description_invalid"):
        await api_bot.set_my_commands([BotCommand("ledger", "台" * 257)])
    assert await api_bot.set_my_commands([BotCommand("ledger", "台" * 256)])


async def test_blocked_user_and_injected_429(server, client, api_bot):
    user = await client.user(1, "A")
    await user.block()
    with pytest.raises(Forbidden, match="blocked"):
        await api_bot.send_message(1, "hi")
    await user.block(False)
    await client.fail("sendMessage", status=429, count=1, retry_after=3)
    with pytest.raises(RetryAfter) as limited:
        await api_bot.send_message(1, "hi")
    assert limited.value.retry_after in (3, timedelta(seconds=3))
    await api_bot.send_message(1, "hi")


async def test_edit_copy_delete_files(server, client, api_bot):
    user = await client.user(1, "A")
    sent = await api_bot.send_message(1, "first")
    await api_bot.edit_message_text("second", chat_id=1, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not modified"):
        await api_bot.edit_message_text("second", chat_id=1, message_id=sent.message_id)
    document = await api_bot.send_document(1, b"hello", filename="h.txt")
    telegram_file = await api_bot.get_file(document.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == b"hello"
    copy = await api_bot.copy_message(1, from_chat_id=1, message_id=sent.message_id)
    await api_bot.delete_message(1, copy.message_id)
    await user.replies(timeout=1)
    texts = [m.text for m in user.inbox]
    assert texts == ["second", None]  # the copy was deleted; the document has no text


async def test_a_person_sends_a_photo_and_the_bot_can_fetch_it(server, client, api_bot):
    user = await client.user(1, "A")
    await user.upload(b"JPEGDATA", "p.jpg", kind="photo", caption="看这里")
    [update] = await api_bot.get_updates(timeout=1)
    assert update.message.caption == "看这里" and update.message.from_user.id == 1
    photo_file = await api_bot.get_file(update.message.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == b"JPEGDATA"
