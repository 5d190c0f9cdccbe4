"""The bot's short cuts past python-telegram-bot's layers (issue 24, CPU per update) send exactly
what the library would: an inline keyboard serialised directly is the library's `to_dict()`, and
a press answered past the method's layers is the same request. Anything the short cut does not
know is left to the library."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from telegram import (
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LoginUrl,
    ReplyKeyboardMarkup,
    WebAppInfo,
)
from telegram.ext import ExtBot
from telegram.request import BaseRequest

from handlers.typed_choice import OfferingBot, wire_markup

TOKEN = "1000000001:lean-calls-test-token-0123456789abcdef"


class Recording(BaseRequest):
    """Answers every call with `True` and keeps what was sent (URL's method, JSON body)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    @property
    def read_timeout(self):
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url, method, request_data=None, **timeouts):
        self.sent.append((url.rsplit("/", 1)[-1], json.loads(json.dumps(request_data.parameters))))
        return 200, b'{"ok": true, "result": true}'


def _keyboards() -> list[InlineKeyboardMarkup]:
    return [
        InlineKeyboardMarkup([[InlineKeyboardButton("匿名提交", callback_data="op:mode:anon:7f3a")]]),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("✅ 较好", callback_data="ev:2"),
                    InlineKeyboardButton("好", callback_data="ev:1"),
                ],
                [InlineKeyboardButton("👨‍⚕️ 门诊部 🏥", callback_data="d:" + "9" * 60)],
                [InlineKeyboardButton("说明", url="https://example.org/整改?a=1&b=2")],
                [],  # an empty row is kept as the library keeps it
            ]
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton("付款", pay=True)]]),
        InlineKeyboardMarkup([[InlineKeyboardButton("零宽\u200b空格", callback_data="x\u200by")]]),
    ]


@pytest.mark.parametrize("markup", _keyboards())
def test_a_plain_keyboard_is_serialised_as_the_library_does(markup):
    wired = wire_markup(markup)
    assert isinstance(wired, dict)
    assert wired == markup.to_dict()
    assert json.dumps(wired, sort_keys=True) == json.dumps(markup.to_dict(), sort_keys=True)


@pytest.mark.parametrize(
    "button",
    [
        InlineKeyboardButton("应用", web_app=WebAppInfo("https://example.org/app")),
        InlineKeyboardButton("登录", login_url=LoginUrl("https://example.org/login")),
        InlineKeyboardButton("复制", copy_text=CopyTextButton("RX-1234")),
        InlineKeyboardButton("额外", callback_data="x", api_kwargs={"future_field": 1}),
    ],
)
def test_anything_else_is_left_to_the_library(button):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")], [button]])
    assert wire_markup(markup) is markup
    assert wire_markup(InlineKeyboardMarkup([])) is not None  # no rows: the library's own form
    assert not isinstance(wire_markup(InlineKeyboardMarkup([])), dict)


async def _sent_by(bot_class, call):
    request = Recording()
    bot = bot_class(token=TOKEN, request=request, get_updates_request=Recording())
    result = await call(bot)
    return result, request.sent


ANSWERS = [
    lambda bot: bot.answer_callback_query("q1"),
    lambda bot: bot.answer_callback_query("q2", "已提交"),
    lambda bot: bot.answer_callback_query("q3", text="按钮已过期", show_alert=True),
    lambda bot: bot.answer_callback_query(
        "q4", url="https://t.me/bot?start=x", cache_time=timedelta(seconds=30)
    ),
    lambda bot: bot.answer_callback_query("q5", cache_time=5, read_timeout=1.5),
    lambda bot: bot.answer_callback_query("q6", api_kwargs={"future_field": "x"}),
]


@pytest.mark.parametrize("call", ANSWERS)
async def test_a_press_is_answered_with_the_librarys_request(call):
    ours = await _sent_by(OfferingBot, call)
    library = await _sent_by(ExtBot, call)
    assert ours == library
    assert ours[0] is True and len(ours[1]) == 1 and ours[1][0][0] == "answerCallbackQuery"


async def test_keyboards_go_out_as_the_library_sends_them_and_are_remembered():
    markup = _keyboards()[1]
    reply = ReplyKeyboardMarkup([["意见箱", "帮助"]], resize_keyboard=True)
    for send in (
        lambda bot: bot.send_message(42, "请选择科室", reply_markup=markup),
        lambda bot: bot.edit_message_text("请选择科室", 42, 7, reply_markup=markup),
        lambda bot: bot.send_message(42, "菜单", reply_markup=reply),
    ):
        ours = await _sent_by(OfferingBot, send)
        library = await _sent_by(ExtBot, send)
        assert ours[1] == library[1]
    request = Recording()
    bot = OfferingBot(token=TOKEN, request=request, get_updates_request=Recording())
    await bot.edit_in_place(42, 7, "请选择科室", markup)
    assert bot.offered[42][0].markup is markup  # the typed-label matching still sees the keyboard
    assert request.sent[0][1]["reply_markup"] == markup.to_dict()
