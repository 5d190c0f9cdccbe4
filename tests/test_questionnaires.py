"""Questionnaires end to end: the office builds one in chat, sees what will go to how many and
sends it; six people answer (choices, several choices, a scale, typed text with emoji and a
formula), once each; it closes; the office gets the counts, a chart per question and an Excel
file; under k respondents nothing is shown."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import join
from openpyxl import load_workbook

from handlers.typed_choice import TYPED_ANSWER_KEPT
from jobs import delivery, forgetting, opinion_batches, sweeper
from storage import invitations, roster, surveys
from storage.clock import clock
from texts import say

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 12, 7)
STAFF = [f"职工{n}" for n in range(6)]
ROSTER = "姓名,科室,角色\n王芳,组织人事科,活动办\n" + "".join(f"{name},门诊部,职工\n" for name in STAFF)
SURVEY = """/survey 门诊环境调查 | 2026-12-11 17:30 | 门诊部
1. 单选：您对候诊环境满意吗？｜满意/一般/不满意
2. 多选：您觉得哪些方面要改进？｜座椅/指示牌/卫生间
3. 评分：整体满意度
4. 文字：还有什么建议？"""


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def answer(person, n: int) -> None:
    invite = await person.wait_for("门诊环境调查")
    welcome = await person.press("开始填写", message=invite)
    assert "共 4 题" in welcome[0].text and "匿名" in welcome[0].text
    await person.press(("满意", "满意", "一般", "一般", "不满意", "满意")[n])
    for option in (("座椅",), ("座椅", "卫生间"), (), ("指示牌",), ("座椅",), ("座椅", "指示牌"))[n]:
        await person.press(option)
    await person.press("完成" if n != 2 else "跳过")
    await person.press(str((5, 4, 4, 3, 2, 5)[n]))
    typed = ("希望多放几把椅子🪑", "=1+1", None, "厕所太远了，标识不清", "", "无")[n]
    if typed is None or typed == "":
        await person.press("跳过")
    else:
        asked = await person.send(typed)
        assert "送到意见箱" in asked[-1].text
        review = await person.press("也送到意见箱（匿名）" if n == 3 else "只作为问卷回答")
        assert any("已答" in (m.text or "") for m in review)  # (below it, for one, her receipt)
    done = await person.press("提交")
    assert "已提交问卷" in (await person.callback_answer())["text"]  # a pop-up: her chat says nothing
    assert done[-1].message_id == invite.message_id and "开始填写" in done[-1].labels()  # put back


async def test_a_questionnaire_from_creation_to_results(running_bot, client, db):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    people = [await join(client, codes, 1000 + n, name) for n, name in enumerate(STAFF)]

    preview = await office.send(SURVEY)
    assert "将发给 6 人" in preview[-1].text
    assert "[多选] 您觉得哪些方面要改进？ 座椅/指示牌/卫生间" in preview[-1].text
    assert db.execute("select count(*) from surveys").fetchone()[0] == 0  # nothing sent before 确认
    created = await office.press("确认发出", message=preview[-1])
    assert "已发给 6 人" in created[-1].text
    survey_id = int(re.search(r"#(\d+)", created[-1].text)[1])
    while await delivery.send_due(running_bot.app):
        pass

    for n, person in enumerate(people):
        await answer(person, n)
    assert surveys.respondent_count(db, survey_id) == 5  # the first batch of k; one waits in memory
    columns = {r["name"] for r in db.query("pragma table_info(survey_answers)")}
    assert columns == {"id", "survey_id", "question", "value"}  # no respondent
    invitation = next(m for m in people[0].inbox if "开始填写" in m.labels())
    assert not await people[0].press("开始填写", message=invitation)  # nothing in her chat
    assert (await people[0].callback_answer())["text"] == say("zh-CN", "survey.already")

    # the one who chose it has a receipt, and the office's inbox has the text as an opinion
    receipt = re.search(
        r"<code>([0-9A-Z-]+)</code>", next(m.text for m in people[3].inbox if m.text and "回执码" in m.text)
    )[1]
    await opinion_batches.release_to_office(running_bot.app)
    cards = await office.send("/inbox")
    card = next(m for m in cards if m.text and "厕所太远了" in m.text)
    assert "问卷：门诊环境调查" in card.text and "匿名" in card.text
    assert "厕所太远了" in (await people[3].send(f"/receipt {receipt}"))[-1].text

    clock.freeze(at(OPENED + timedelta(days=5), 9))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    closed = await office.wait_for("已截止，共收到 6 份")
    shown = await office.press("查看结果", message=closed)
    while not any(m.document for m in shown):  # charts are drawn one by one: wait for the last file
        shown += await office.replies(timeout=20)
    text = "\n".join(m.text for m in shown if m.text)
    assert "问卷结果：门诊环境调查</b>（6 份）" in text
    assert "满意：3（50%）" in text and "一般：2（33%）" in text and "不满意：1（17%）" in text
    assert "座椅：4（67%）" in text and "卫生间：1（17%）" in text  # shares of all six
    assert "平均 3.83 分" in text
    assert "希望多放几把椅子🪑" in text and "厕所太远了" in text
    charts = [m for m in shown if m.photo]
    assert len(charts) == 3  # one per question with choices
    [xlsx] = [m.document for m in shown if m.document]
    assert xlsx["file_name"] == f"问卷结果-{survey_id}.xlsx"
    book = load_workbook(io.BytesIO(await office.download(xlsx["file_id"])))
    rows = list(book["统计"].iter_rows(values_only=True))
    assert (1, "您对候诊环境满意吗？", "满意", 3, 0.5) in rows
    answers = [r[2] for r in book["文字回答"].iter_rows(min_row=2, values_only=True)]
    assert sorted(answers) == sorted(["希望多放几把椅子🪑", "=1+1", "厕所太远了，标识不清", "无"])
    formula = next(c for c in book["文字回答"]["C"] if c.value == "=1+1")
    assert formula.data_type == "s"  # text, never a formula


async def test_under_k_respondents_nothing_is_shown(running_bot, client, db):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    people = [await join(client, codes, 1000 + n, name) for n, name in enumerate(STAFF[:3])]
    preview = await office.send(SURVEY)
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(running_bot.app):
        pass
    for n, person in enumerate(people):
        await answer(person, n)
    clock.freeze(at(OPENED + timedelta(days=5), 9))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    closed = await office.wait_for("已截止，共收到 3 份")
    shown = await office.press("查看结果", message=closed)
    assert shown[-1].text == say("zh-CN", "survey.too_few", title="门诊环境调查", count=3, k=5)
    assert not any(m.photo or m.document for m in shown)


async def test_the_office_builds_one_from_the_excel_template(running_bot, client, db):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    shown = await office.send("/survey")
    [template] = [m.document for m in shown if m.document]
    assert template["file_name"] == "问卷模板.xlsx" and "Excel 模板" in shown[0].text
    book = load_workbook(io.BytesIO(await office.download(template["file_id"])))
    sheet = book.active
    sheet["B1"] = "食堂满意度"
    sheet["B2"] = "2026-12-11 17:30"
    sheet.append(["单选", "菜价合理吗？", "合理/偏贵"])
    filled = io.BytesIO()
    book.save(filled)
    preview = await office.send_file(filled.getvalue(), "问卷.xlsx", caption="/survey")
    assert "问卷《食堂满意度》</b>，5 题，将发给 6 人" in preview[-1].text
    assert "5. [单选] 菜价合理吗？ 合理/偏贵" in preview[-1].text
    created = await office.press("确认发出", message=preview[-1])
    assert "已发给 6 人" in created[-1].text
    survey = surveys.get(db, int(re.search(r"#(\d+)", created[-1].text)[1]))
    assert [q.kind for q in survey.questions] == ["single", "multiple", "scale", "text", "single"]
    broken = await office.send_file(b"not a workbook", "x.xlsx", caption="/survey")
    assert broken[-1].text == say("zh-CN", "survey.bad_file")


async def test_the_public_answers_through_the_link_once_each(running_bot, client, db, server):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    preview = await office.send(SURVEY.replace("| 门诊部", "| 群众"))
    assert "将发给 0 人" in preview[-1].text and "公开链接" in preview[-1].text
    created = await office.press("确认发出", message=preview[-1])
    code = re.search(r"start=(survey_[0-9a-f]+)", created[-1].text)[1]
    guests = [await client.user(8_000 + n, f"患者{n}") for n in range(6)]
    for n, guest in enumerate(guests):
        welcome = await guest.send(f"/start {code}")
        assert "共 4 题" in welcome[0].text
        await guest.press(("满意", "一般")[n % 2])
        await guest.press("跳过")
        await guest.press(str(4 + n % 2))
        offered = await guest.send(f"挂号太慢 {n}")
        # the poster's name for the office: a patient does not know the 活动办
        assert any("整改工作办公室会像处理其他意见一样" in (m.text or "") for m in offered)
        await guest.press("也送到意见箱（匿名）" if n == 0 else "只作为问卷回答")
        submitted = await guest.press("提交")
        assert not any("活动办" in (m.text or "") or "批次" in (m.text or "") for m in submitted)
        assert "已提交问卷" in (await guest.callback_answer())["text"]
        [shown] = [m for m in guest.inbox if m.message_id == welcome[0].message_id]
        assert shown.text == welcome[0].text and shown.buttons == welcome[0].buttons  # as it was
    again = await guests[0].send(f"/start {code}")
    assert again[-1].text == say("zh-CN", "survey.already")
    clock.freeze(clock.now() + TYPED_ANSWER_KEPT + timedelta(seconds=1))
    await forgetting.sweep(running_bot.app)  # the link and 已经参加过 said she answered: they go
    assert again[-1].message_id not in server.api.chats[guests[0].id].messages
    assert (await guests[1].send("/ledger"))[-1].text == say("zh-CN", "access.not_registered")
    assert db.execute("select count(*) from survey_respondents").fetchone()[0] == 0  # nobody named
    assert surveys.respondent_count(db, 1) == 5
    await opinion_batches.release_to_office(running_bot.app)
    [public] = list(db.query("select public, text from opinions"))
    assert public == {"public": 1, "text": "挂号太慢 0"}  # the guest's choice, marked 群众
    clock.freeze(at(OPENED + timedelta(days=5), 9))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    closed = await office.wait_for("已截止，共收到 6 份")
    shown = await office.press("查看结果", message=closed)
    assert "满意：3（50%）" in shown[0].text


async def test_answers_in_one_message_that_is_put_back_and_never_lost(running_bot, client, db, server):
    """The questionnaire takes over the invitation and shows every question in it. /cancel puts
    the invitation back to start again from; a restart, which forgets the answers, starts again
    at question 1 where she is; words no question took, and the bot's answers to them, leave the
    chat with the questionnaire; 提交 puts the invitation back as it was."""
    from services import of
    from storage import people

    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    person = await join(client, codes, 1000, STAFF[0])
    preview = await office.send(SURVEY)
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(running_bot.app):
        pass
    invite = await person.wait_for("门诊环境调查")
    as_sent = server.api.chats[person.id].messages[invite.message_id]

    first = await person.press("开始填写", message=invite)
    assert first[-1].message_id == invite.message_id and "第 1/4 题" in first[-1].text
    await person.press("满意")
    cancelled = await person.send("/cancel")
    assert any("已退出问卷" in (m.text or "") for m in cancelled)
    shown = server.api.chats[person.id].messages[invite.message_id]
    assert shown["text"] == as_sent["text"] and shown.get("reply_markup") == as_sent.get("reply_markup")

    await person.press("开始填写", message=invite)
    await person.press("一般")
    of(running_bot.app).survey_answering.clear()  # what a restart does
    again = await person.press("座椅")
    assert "刚才的回答没有保存" in (await person.callback_answer())["text"]
    assert again[-1].message_id == invite.message_id and "第 1/4 题" in again[-1].text
    await person.press("一般")
    await person.send("📋 整改台账")  # a menu tap leaves the step; the screen goes on, answers kept
    assert "第 2/4 题" in (await person.press("座椅"))[-1].text
    await person.press("指示牌")
    said = await person.send("随便说说")  # at a choice question: not an answer
    assert "请点上方按钮" in said[-1].text
    unread = [said[-1].message_id, said[-1].message_id - 1]  # her words, and the bot's answer
    await person.press("座椅")
    await person.press("完成")
    await person.press("4")
    offer = await person.send("多开几个窗口")
    # her words leave the chat once read: the offer says which text it asks about
    assert "您刚才输入的回答" in offer[-1].text
    await person.press("只作为问卷回答")
    await person.press("提交")
    assert "已提交问卷" in (await person.callback_answer())["text"]
    chat = server.api.chats[person.id].messages
    assert not [m for m in unread if m in chat], "words no question took stayed in the chat"
    shown = chat[invite.message_id]
    assert shown["text"] == as_sent["text"] and shown.get("reply_markup") == as_sent.get("reply_markup")
    bots_db = running_bot.app.bot_data["db"]  # its pool, where the answers wait
    answered = people.by_telegram_user(bots_db, person.id)
    assert surveys.has_answered(bots_db, surveys.newest_first(db)[0].id, answered.id)


async def test_a_questionnaire_left_waiting_goes_on_where_it_was(server, db_path, client, db, monkeypatch):
    """The step's timeout ends the conversation without a word (a 已自动结束 would stay in the
    chat) and loses nothing: the screen's buttons go on, the answers so far kept."""
    from conftest import BotUnderTest

    from handlers import conversations
    from services import of

    monkeypatch.setattr(conversations, "TIMEOUT", timedelta(seconds=1))
    under_test = BotUnderTest(server, db_path)
    await under_test.start()
    try:
        clock.freeze(at(OPENED, 10))
        roster.apply(db, roster.parse(ROSTER.encode()), None)
        waiting = [p.id for p in invitations.unbound(db)]
        codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
        office = await join(client, codes, 900, "王芳")
        person = await join(client, codes, 1000, STAFF[0])
        preview = await office.send(SURVEY)
        await office.press("确认发出", message=preview[-1])
        while await delivery.send_due(under_test.app):
            pass
        invite = await person.wait_for("门诊环境调查")
        await person.press("开始填写", message=invite)
        await person.press("不满意")
        said = await person.replies(timeout=3, allow_none=True)  # the timeout passes
        assert not [m for m in said if "等了太久" in (m.text or "")]
        [step] = [h for h in under_test.app.handlers[0] if getattr(h, "name", None) == "survey"]
        assert not step._conversations, "the step must have timed out for this to test anything"
        assert "第 3/4 题" in (await person.press("跳过"))[-1].text
        assert of(under_test.app).survey_answering[person.id].answers == {0: "2", 1: None}
    finally:
        await under_test.stop()
