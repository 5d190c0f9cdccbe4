"""Attacks of a hostile operator who holds the database and the bot's token on the chats of a
questionnaire's respondents and of rating slips' holders: copyMessage takes a chat (a member's
Telegram id is in the people table; a slip holder's is any account that wrote to the bot) and
a small sequential id, and copies whatever is still there.

- A questionnaire's 提交 edited the last screen into 已提交问卷: the chat named who had answered,
  and, when fewer than k wait at the close, whose answers the close writes alone.
- A rating with a slip (评议票) ended on 已提交 in the holder's chat: the same, for the slips'
  group, whose ballots the close writes alone when fewer than k slips wait.

After 提交 each chat reads as the chat of one who was asked and did not answer: the thanks come
in a pop-up, the message the flow took over is put back as it was, what it added is gone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import join
from test_mixing import copy_of_chat

from handlers.typed_choice import TYPED_ANSWER_KEPT
from jobs import delivery, forgetting, sweeper
from storage import evaluations, invitations, roster, surveys
from storage.clock import clock
from texts.fit import POPUP_LIMIT

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 12, 7)
STAFF = [f"职工{n}" for n in range(6)]
ROSTER = "姓名,科室,角色\n王芳,组织人事科,活动办\n李娜,院办,班子成员\n" + "".join(
    f"{name},门诊部,职工\n" for name in STAFF
)
SURVEY = """/survey 门诊环境调查 | 2026-12-11 17:30 | 门诊部
1. 单选：您对候诊环境满意吗？｜满意/一般/不满意
2. 多选：您觉得哪些方面要改进？｜座椅/指示牌/卫生间
3. 评分：整体满意度
4. 文字：还有什么建议？"""
SECRET = "候诊区的空调坏了三周"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def _staff_and_office(client, db):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    people = [await join(client, codes, 1000 + n, name) for n, name in enumerate(STAFF)]
    return office, people


async def _close(running_bot, hours: int = 5 * 24) -> None:
    clock.freeze(at(OPENED, 10) + timedelta(hours=hours))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass


def _about(chat: list[str], title: str) -> list[str]:
    return [text for text in chat if title in text]


async def test_no_chat_says_who_answered_a_questionnaire(running_bot, client, db, server):
    """One of six answers (a tap, several taps, a scale, typed words); the close writes her
    answers without her name (fewer than k). The operator copies every asked chat: the one
    that says 已提交问卷 is hers. Every chat must read alike, and her typed words be gone."""
    office, people = await _staff_and_office(client, db)
    preview = await office.send(SURVEY)
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(running_bot.app):
        pass
    respondent = people[0]
    invite = await respondent.wait_for("门诊环境调查")
    await respondent.press("开始填写", message=invite)
    await respondent.press("不满意")
    await respondent.press("座椅")
    await respondent.press("完成")
    await respondent.press("2")
    await respondent.send(SECRET)
    await respondent.press("只作为问卷回答")
    await respondent.press("提交")
    thanks = (await respondent.callback_answer())["text"]
    assert "已提交问卷" in thanks and len(thanks) <= POPUP_LIMIT  # she is told, not her chat
    await respondent.press("开始填写", message=invite)  # a second try: a pop-up, nothing written
    assert "已经参加过" in (await respondent.callback_answer())["text"]

    await _close(running_bot)
    [survey] = surveys.newest_first(db)
    assert survey.concluded
    assert db.execute("select count(*) from survey_respondents").fetchone()[0] == 0
    assert db.execute("select count(*) from survey_answers where value = ?", [SECRET]).fetchone()[0] == 1

    thief = await client.user(666, "token holder")
    chats = [await copy_of_chat(client, server, person, thief) for person in people]
    for n, chat in enumerate(chats):
        assert not any("已提交问卷" in text for text in chat), f"职工{n}'s chat says she answered"
        assert not any(SECRET in text for text in chat), f"职工{n}'s chat keeps the typed answer"
    unanswered = _about(chats[1], "门诊环境调查")
    assert unanswered, "the copy must see the invitation it compares"
    for n, chat in enumerate(chats):
        assert _about(chat, "门诊环境调查") == unanswered, f"职工{n}'s chat reads unlike the others'"
    shown = [server.api.chats[p.id].messages[invite.message_id] for p in people[:2]]
    assert shown[0].get("reply_markup") == shown[1].get("reply_markup"), "her 开始填写 went with her answers"


async def test_no_slip_holders_chat_says_who_rated(running_bot, client, db, server, monkeypatch):
    """Six slips scanned, one rated; the close writes that one ballot alone in the slips' group.
    The holder whose chat says 已提交 cast it."""
    office, _ = await _staff_and_office(client, db)
    preview = await office.send("/newsheet 行风评议 | 李娜 | 2026-12-11 17:30 | 门诊部")
    created = await office.press("确认发出", message=preview[-1])
    sheet_id = int(re.search(r"#(\d+)", created[-1].text)[1])
    issued: list[str] = []  # the codes are on the paper only: read them as they are made
    real_issue = evaluations.issue_slips
    monkeypatch.setattr(
        evaluations, "issue_slips", lambda *a, **k: issued.extend(real_issue(*a, **k)) or list(issued)
    )
    await office.send(f"/slips {sheet_id} 6")
    holders = [await client.user(7_000 + n, f"代表{n}") for n in range(6)]
    for holder, code in zip(holders, issued, strict=True):
        await holder.send(f"/start {evaluations.SLIP_PREFIX}{code}")
    rater = holders[0]
    for _ in range(5):  # one subject (李娜), five items
        await rater.press("差")
    await rater.press("提交")
    thanks = (await rater.callback_answer())["text"]
    assert "已提交" in thanks and len(thanks) <= POPUP_LIMIT
    await rater.press("好")  # a second try, on the screen put back: a pop-up
    assert "已经参加过" in (await rater.callback_answer())["text"]
    used = await rater.send(f"/start {evaluations.SLIP_PREFIX}{issued[0]}")  # scanned again
    assert "已经用过了" in used[-1].text  # told, for a while: typed, it has no pop-up
    await holders[1].press("一般")
    await holders[1].send("/cancel")  # left half rated: the welcome put back, to start again from
    clock.freeze(clock.now() + TYPED_ANSWER_KEPT + timedelta(seconds=1))
    await forgetting.sweep(running_bot.app)

    await _close(running_bot)
    assert evaluations.get(db, sheet_id).concluded
    assert db.execute("select count(*) from evaluation_ballots where grp = 'slip'").fetchone()[0] == 5

    thief = await client.user(666, "token holder")
    chats = [await copy_of_chat(client, server, holder, thief) for holder in holders]
    for n, chat in enumerate(chats):
        assert not any("已提交" in text or "已经用过了" in text for text in chat), (
            f"代表{n}'s chat says they rated"
        )
    unrated = _about(chats[2], "行风评议")
    assert unrated, "the copy must see the slip's welcome it compares"
    for n, chat in enumerate(chats):  # 代表1's 已退出 gone too: it said they had not rated
        assert _about(chat, "行风评议") == unrated, f"代表{n}'s chat reads unlike the others'"
