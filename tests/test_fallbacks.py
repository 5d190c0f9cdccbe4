"""Forged and stale buttons, unknown commands and failures get a polite answer, not a crash."""

from __future__ import annotations

import logging

from handlers.people import profile


async def _joined(client, invited, user_id=101, name="张伟"):
    person = await client.user(user_id, "X")
    await person.send(f"/start {invited[name]}")
    return person


async def test_forged_callbacks_get_a_polite_answer(running_bot, client, invited, caplog):
    staff = await _joined(client, invited)
    menu_message = staff.inbox[-1].message_id
    for forged in ("lang:xx", "invite:go:999", "claim:1", "nonsense", "roster:apply"):
        await staff.press_data(menu_message, forged)
        answer = await staff.callback_answer()
        assert answer is not None, forged
        assert "失效" in answer["text"] or "只对" in answer["text"], (forged, answer)
    assert "Traceback" not in caplog.text


async def test_unknown_command_and_stray_text(running_bot, client, invited):
    staff = await _joined(client, invited)
    assert "没有这个命令" in (await staff.send("/frobnicate"))[-1].text
    assert "没有看懂" in (await staff.send("随便说点什么"))[-1].text
    assert "没有进行中的操作" in (await staff.send("/cancel"))[-1].text


async def test_a_failing_handler_tells_the_user_and_logs(running_bot, client, invited, monkeypatch, caplog):
    staff = await _joined(client, invited)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(profile, "LANGUAGE_NAMES", None)  # /me will fail to render
    monkeypatch.setattr("storage.people.set_language", broken)
    with caplog.at_level(logging.ERROR):
        reply = await staff.send("/me")
    assert "没有完成" in reply[-1].text and "没有丢失" in reply[-1].text
    assert "handler failed" in caplog.text
