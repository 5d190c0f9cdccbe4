"""Forged callback data (a modified client can send any 64 bytes): huge ids, unknown actions and
garbage after a valid button get the polite "this button is out of date", never an exception,
never a message to the office; and the registry that declares every button keeps its data
within Telegram's 64 bytes and reads back exactly what it builds."""

from __future__ import annotations

import logging

import pytest
from conftest import change_settings, join

import callbacks
from storage import problems
from texts import say

OFFICE_CHAT = 999

FORGED = [
    "lg:" + "9" * 25,  # OverflowError at SQLite
    "pd:" + "9" * 25,
    "claim:" + "9" * 25,
    "ib:zap:ABCD2345",  # an unknown inbox action
    "er:zz:1",  # an unknown results step
    "ev:g:1:0:0:0:extra",
    "sc:l:1x",
    "pp:１００",  # full-width digits
    "lbv:1:maybe",
    "pa:1:" + "9" * 30,
    "lgp:" + "9" * 40,
    "ib:page:-1",
]


@pytest.fixture
async def office_chat(running_bot, client):
    """The office's group chat, where the error handler reports failures."""
    change_settings(running_bot.app, office_chat_id=OFFICE_CHAT)
    return await client.user(OFFICE_CHAT, "活动办群")


async def test_forged_data_is_answered_as_a_stale_button(
    running_bot, client, invited, db, office_chat, caplog
):
    caplog.set_level(logging.ERROR)
    problems.create(db, "职工食堂膳食单一", None)
    office = await join(client, invited, 103, "王芳")
    leader = await join(client, invited, 102, "李娜")
    stale = say("zh-CN", "stale_button")
    for person in (office, leader):
        for data in FORGED:
            await person.press_data(person.inbox[-1].message_id, data, timeout=3)
            answer = await person.callback_answer() or {}
            assert answer.get("text") == stale, (data, answer)
    assert [r.getMessage() for r in caplog.records] == []
    assert await office_chat.replies(timeout=1, allow_none=True) == []


def test_every_button_reads_back_what_it_builds_within_64_bytes():
    for button in callbacks.REGISTRY.values():
        assert button.widest <= callbacks.CALLBACK_LIMIT, button.name
        sample = button.sample()
        assert button.parse(sample) is not None
        assert callbacks.parse(sample)[0] is button
    assert len(callbacks.REGISTRY) >= 55


def test_a_button_refuses_to_build_what_it_could_not_read():
    with pytest.raises(ValueError):
        callbacks.DISPATCH.data(10**20)
    with pytest.raises(ValueError):
        callbacks.LOOKBACK_VOTE.data(1, "maybe")
    with pytest.raises(ValueError):
        callbacks.DISPATCH.data(1, 2)
    with pytest.raises(ValueError):
        callbacks.declare("too_wide", "zz", *(callbacks.number(f"n{i}") for i in range(6)))


@pytest.mark.parametrize("data", FORGED + ["", "pd:1:", "pd:01x", "pd: 1", "pd:1\n", "x" * 65])
def test_the_parser_says_stale_for_forged_data(data):
    with pytest.raises(callbacks.StaleButton):
        callbacks.parse(data)
