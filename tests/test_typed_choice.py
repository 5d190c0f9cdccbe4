"""Typing instead of tapping, everywhere: every conversation step that offers buttons takes a
button's label typed (full-width, padded, with an invisible character, in traditional
characters) as a tap on it, and answers anything else by pointing at the buttons above; every
other button is reached by typing its label too. The first two tests enumerate the steps and
the button registry, so a step or a button added without it fails here."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from conftest import join
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update, User
from telegram.ext import CallbackQueryHandler, ConversationHandler

import callbacks
from handlers import typed_choice
from handlers.typed_choice import Offered, TypedStep
from storage import evaluations
from texts import say

USER = 4242
LABEL = "✅ 较好"  # what the button says
TYPED_AS = ["较好", " 较 好 ", "较好。", "较\u200b好", "較好", "較　好", "ＡＢ"]  # the last: see below
OTHER = "好"  # a button next to it that must not be taken for 较好


def typed(app, text: str, update_id: int = 1) -> Update:
    chat = Chat(USER, "private")
    command = [MessageEntity("bot_command", 0, len(text.split()[0]))] if text.startswith("/") else None
    message = Message(
        update_id, datetime.now(UTC), chat, from_user=User(USER, "张伟", False), text=text, entities=command
    )
    update = Update(update_id, message=message)
    update.set_bot(app.bot)
    message.set_bot(app.bot)
    return update


def offer(app, data: str, label: str = LABEL, message_id: int = 77) -> None:
    """As if the bot had just shown a keyboard with the button `data` labelled `label`, next to
    another button labelled 好."""
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=data),
                InlineKeyboardButton(OTHER, callback_data="zz:other"),
            ]
        ]
    )
    app.bot.offered[USER] = [Offered(USER, message_id, markup)]
    app.bot.latest[USER] = message_id


def buttons_of(handler: CallbackQueryHandler) -> tuple[callbacks.Button, ...]:
    return handler.pattern.buttons


def steps_with_buttons(app):
    for group in app.handlers.values():
        for conversation in group:
            if not isinstance(conversation, ConversationHandler):
                continue
            for state, step in conversation.states.items():
                if any(isinstance(h, CallbackQueryHandler) for h in step):
                    yield conversation.name, state, step


async def test_every_step_that_offers_buttons_takes_a_typed_label_and_points_at_them_otherwise(
    fast_bot, fast_client
):
    app = fast_bot.app
    person = await fast_client.user(USER, "张伟")
    steps = list(steps_with_buttons(app))
    assert len(steps) >= 25  # every conversation's button steps, not a handful
    for conversation in (c for c in app.handlers[0] if isinstance(c, ConversationHandler)):
        # a menu tap in the middle of any step leaves it (menu.leave_on_menu_tap)
        assert any(getattr(h.callback, "__name__", "") == "leave_step" for h in conversation.fallbacks), (
            conversation.name
        )
    for name, state, step in steps:
        assert isinstance(step[0], TypedStep), f"{name}.{state}: typed labels are not taken here"
        typed_step: TypedStep = step[0]
        # a menu tap or a command is left to the conversation's fallbacks
        for label in (
            say("zh-CN", "btn.ledger"),
            say("zh-TW", "btn.ledger"),
            say("en", "btn.ledger"),
            "/cancel",
        ):
            assert not typed_step.check_update(typed(app, label)), (name, state, label)
        for handler in (h for h in step if isinstance(h, CallbackQueryHandler)):
            for button in buttons_of(handler):
                data = button.sample()
                if button.name == "opinion_department":  # 0 is "no department", a button of its own
                    data = button.data(1, "000000")
                offer(app, data)
                if typed_step.own_first is not None and button not in typed_step.own_first:
                    # a toggle of a list step: the typed label is the whole answer, read by the step
                    assert typed_step.own(typed(app, TYPED_AS[0])) is not None, (name, state)
                for text in TYPED_AS[:-1]:
                    found = typed_step.resolve(typed(app, text))
                    assert found is not None, f"{name}.{state}: {text!r} for {button.name}"
                    chosen, tap, _ = found
                    assert tap.callback_query.data == data and chosen in step, (name, state, text)
                    assert tap.callback_query.message.message_id == 77
                # 好 names the other button, which this step does not answer; ＡＢ names none
                for text in (OTHER, TYPED_AS[-1]):
                    assert typed_step.resolve(typed(app, text)) is None, (name, state, text)
        # not a label: the step's own answer to text, or a pointer at the buttons above
        update = typed(app, "随便说点什么")
        if typed_step.own(update) is None:
            context = app.context_types.context.from_update(update, app)
            assert await typed_step.handle_update(update, app, True, context) is None
            [hint] = person._new()
            assert hint.text == say("zh-CN", "choice.hint"), (name, state)


def test_every_button_is_answered_inside_its_step_or_by_typing_outside(fast_bot):
    """Every button in the registry: either a step of a conversation answers it (the test
    above), or, typed outside any conversation, its label reaches a handler that is not the
    catch-all for stale buttons."""
    app = fast_bot.app
    in_steps = {
        b.name
        for _, _, step in steps_with_buttons(app)
        for h in step
        if isinstance(h, CallbackQueryHandler)
        for b in buttons_of(h)
    }
    outside = [
        h
        for h in app.handlers[0]
        if not isinstance(h, ConversationHandler)
        and not (isinstance(h, CallbackQueryHandler) and h.pattern is None)
    ]
    entry = [h for c in app.handlers[0] if isinstance(c, ConversationHandler) for h in c.entry_points]
    for button in callbacks.REGISTRY.values():
        if button.name in in_steps:
            continue
        offer(app, button.sample())
        [tap] = typed_choice.taps(typed(app, "較好"))
        assert tap.callback_query.data == button.sample()
        assert any(h.check_update(tap) for h in outside + entry), f"{button.name}: no handler"


async def test_grades_typed_on_a_rating_sheet_in_simplified_and_traditional(
    fast_bot, fast_client, invited, db
):
    office = await join(fast_client, invited, 103, "王芳")
    staff = await join(fast_client, invited, 101, "张伟")
    taiwan = await join(fast_client, invited, 102, "李娜", language_code="zh-hant")
    preview = await office.send("/newsheet 年度评议 ｜ 门诊部 ｜ 7天 ｜")
    created = await office.send("确认发出")  # typed where the preview offers 确认发出 / 取消
    assert "已邀请" in created[-1].text, created[-1].text
    sheet_id = int(re.search(r"#(\d+)", created[-1].text)[1])
    sheet = evaluations.get(db, sheet_id)
    items = len(sheet.items)
    assert preview[-1].buttons
    for person, answers in (
        (staff, ["好", "较 好", "一般。", "差", "好"]),
        (taiwan, ["較好", "較　好", "好\u200b", "一般", "差"]),
    ):
        await person.send("/evaluate")
        await person.press("年度评议")
        reply = await person.send("很好")  # not a grade: pointed at the buttons, nothing taken
        assert reply[-1].text == say("zh-TW" if person is taiwan else "zh-CN", "choice.hint")
        for answer in (answers * 2)[:items]:
            await person.send(answer)
        review = person.inbox[-1].text
        assert "请核对后提交" in review or "請核對後提交" in review, review
        done = await person.send("提交")
        assert any("已提交" in (m.text or "") for m in done), [m.text for m in done]
    rated = {
        name: evaluations.has_rated(fast_bot.db, sheet_id, person_id)
        for person_id, name in db.execute("select id, name from people where name in ('张伟', '李娜')")
    }
    assert rated == {"张伟": True, "李娜": True}


async def test_a_form_answered_by_typing_the_quick_buttons_and_its_confirmation(
    fast_bot, fast_client, invited, db
):
    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/phase")
    await office.send("查摆问题")
    await office.send("今天")  # the quick button 今天, typed
    reply = await office.send("本月底")
    assert any("确认" in b["text"] for row in reply[-1].buttons for b in row), reply[-1].text
    reply = await office.send("好的")  # not 确认 / 取消: the preview stays, nothing is added
    assert reply[-1].text == say("zh-CN", "choice.hint")
    assert db.execute("select count(*) from events").fetchone()[0] == 0
    await office.send("确 认")
    assert db.execute("select count(*) from events").fetchone()[0] == 1


async def test_a_look_back_vote_typed_and_typed_again(fast_bot, fast_client, db):
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from jobs import sweeper
    from storage import invitations, lookbacks, people, problems, roster
    from storage.clock import clock

    shanghai = ZoneInfo("Asia/Shanghai")
    roster.apply(
        db,
        roster.parse(
            (
                "姓名,科室,角色\n"
                + "".join(f"护士{n},门诊部,职工\n" for n in range(5))
                + "刘洋,门诊部,科室负责人\n李娜,院办,班子成员\n"
            ).encode()
        ),
        None,
    )
    by_name = {p.name: p for p in people.everyone(db)}
    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', leader_id = ?, department_id = ?, deadline = ?, "
        "measures = '增加座椅', closed_at = ? where id = ?",
        [
            by_name["李娜"].id,
            by_name["刘洋"].department_id,
            "2026-10-30",
            "2026-11-01T02:00:00+00:00",
            problem_id,
        ],
    )
    db.conn.commit()
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    nurse = await join(fast_client, codes, 9100, "护士0")
    taiwan = await join(fast_client, codes, 9101, "护士1", language_code="zh-hant")
    for moment in (time(8), time(9, 0, 30)):
        clock.freeze(datetime.combine(date(2026, 12, 1), moment, tzinfo=shanghai))
        await sweeper.sweep_app(fast_bot.app)
    await nurse.wait_for("您对整改效果满意吗")
    await taiwan.wait_for("滿意")
    reply = await nurse.send("还行吧")  # not one of the answers: pointed at the buttons
    assert reply[-1].text == say("zh-CN", "choice.hint")
    await nurse.send("基本 满意")
    await taiwan.send("不滿意")
    [lookback_id] = [r[0] for r in db.execute("select id from lookbacks")]
    for name in ("护士0", "护士1"):
        assert lookbacks.has_voted(fast_bot.db, lookback_id, lookbacks.staff_voter(by_name[name].id)), name
    # the ask keeps its buttons after the vote (the chat must not show who voted): typed again,
    # a second tap, answered as a press would be (and the answer leaves the chat soon after)
    again = await nurse.send("满意")
    assert again[-1].text == say("zh-CN", "lookback.already")


async def test_a_rating_started_by_typing_leaves_no_screen_saying_she_rated(
    fast_bot, fast_client, invited, db
):
    """开始评议 typed rather than pressed takes no message over (the one above is where her words
    were not): the screen comes as a message of its own. 提交 (thanked in a pop-up, typed: in an
    answer that leaves within minutes) deletes that screen: edited into 已提交, it stayed, and
    told anyone copying her chat with the bot's token that she had rated."""
    from datetime import timedelta

    from handlers.typed_choice import TYPED_ANSWER_KEPT
    from jobs import forgetting
    from storage.clock import clock

    office = await join(fast_client, invited, 103, "王芳")
    staff = await join(fast_client, invited, 101, "张伟")
    preview = await office.send("/newsheet 年度评议 ｜ 门诊部 ｜ 7天 ｜")
    await office.press("确认发出", message=preview[-1])
    await staff.send("/evaluate")
    shown = await staff.send("年度评议")  # the list's button, typed
    [screen] = [m.message_id for m in shown if m.buttons and "年度评议" in (m.text or "")]
    items = len(evaluations.open_sheets(db)[0].items)
    for _ in range(items):
        await staff.send("好")
    await staff.send("提交")
    assert screen not in fast_bot.api.chats[staff.id].messages, "the screen stayed in her chat"
    clock.freeze(clock.now() + TYPED_ANSWER_KEPT + timedelta(seconds=1))
    await forgetting.sweep(fast_bot.app)
    left = [m.get("text") or "" for m in fast_bot.api.chats[staff.id].messages.values()]
    assert not [text for text in left if "已提交" in text], left
