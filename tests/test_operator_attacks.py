"""Attacks of a hostile operator on the newest flows (operator4): the operator holds the database,
its WAL, the backups, the logs, the key and the bot's token, and may copy any message still in
a person's chat (copyMessage takes a chat and a small sequential id: the chat of every member is
their Telegram id, in the people table)."""

from __future__ import annotations

import uuid

import pytest
from conftest import RECEIPT, join
from test_mixing import copy_of_chat


async def _typed_in_the_wrong_place(person, marker: str, step: str) -> str:
    """The opinion flow as people use it: the opinion typed (or pasted) at a step that waits for
    a button, answered with a hint; then the flow finished as asked, the same text typed again."""
    await person.send("/opinion")
    if step == "mode":
        await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("匿名提交")
    if step == "category":
        await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("形式主义")
    if step == "department":
        await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("门诊部")
    await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("完成，预览")
    if step == "review":
        await person.send(f"补充：中午最咸 {marker}")
    reply = await person.press("提交")
    receipt = RECEIPT.search(reply[-1].text or "").group(1)
    await person.press("我已保存")
    return receipt


@pytest.mark.parametrize("step", ["mode", "category", "department", "review"])
async def test_an_opinion_typed_where_a_button_was_expected_leaves_the_chat(
    running_bot, client, invited, server, step
):
    """The attack: a member types their opinion where the flow waits for a button (匿名提交, a
    category, a department, 提交). The step answers with a hint and the message stays in the
    chat, while the same words typed at the writing step are deleted once read. The operator
    copies every message of every member's chat (copyMessage, their Telegram ids from the
    people table) and finds the words of an opinion in the database: its author. Worked before
    the fix; now every message sent while an anonymous draft is open leaves the chat with it."""
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    await _typed_in_the_wrong_place(staff, marker, step)
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if marker in text], f"typed at the {step} step, it stays"


async def test_words_of_a_cancelled_draft_leave_the_chat_before_the_next_draft_submits_them(
    running_bot, client, invited, server
):
    """The same words typed where a button was expected, and over the limit at the writing step,
    in a draft that is then cancelled; the next draft submits them. What the cancelled draft left
    in the chat would name the author of the next one."""
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.send(f"食堂饭菜太咸 {marker}")  # at the category step
    await staff.press("形式主义")
    await staff.press("门诊部")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    too_long = await staff.send(f"{marker} " + "咸" * limit)
    assert "字" in too_long[-1].text  # told it is too long; the message stays to be shortened
    copied = await copy_of_chat(client, server, staff, thief)
    assert sum(marker in text for text in copied) == 2, "kept while the draft is open"
    await staff.send("/cancel")
    await _typed_in_the_wrong_place(staff, marker, "none")
    copied = await copy_of_chat(client, server, staff, thief)
    assert not [text for text in copied if marker in text]


async def test_a_rating_typed_instead_of_tapped_leaves_the_chat(running_bot, client, invited, server):
    """The attack on a rating sheet (民主评议): a rater types the grades (差) where buttons are
    offered, as typed_choice takes them. The ballot goes into the pool, k-anonymous, but the
    typed words stay in the rater's chat: copied with the token, they are the rater's ballot."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    preview = await office.send("/newsheet 民主评议 | 李娜 | 7天 | 门诊部")
    await office.press("确认发出", message=preview[-1])
    thief = await client.user(666, "token holder")
    invite = await staff.wait_for("请参加民主评议")  # (delivered by the outbox: its keyboard first)
    await staff.press("开始评议", message=invite)
    for _ in range(5):
        await staff.send("差")
    assert "已提交" in (await staff.press("提交"))[-1].text
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert "差" not in copied, "the rater's typed grades are in their chat"


async def test_a_look_back_vote_typed_instead_of_tapped_leaves_the_chat(
    running_bot, client, invited, server, db
):
    """The same attack on a look-back (回头看): the member asked types 不满意 under the question."""
    from jobs import lookbacks as lookback_job
    from storage import lookbacks, problems
    from storage.clock import clock, iso

    staff = await join(client, invited, 101, "张伟")  # 门诊部
    thief = await client.user(666, "token holder")
    clinic = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', department_id = ?, closed_at = ? where id = ?",
        [clinic, iso(clock.now()), problem_id],
    )
    db.conn.commit()
    lookback = lookbacks.start(db, problem_id, "30d", clock.now().date(), 14)
    lookback_job.ask(running_bot.app, lookback)
    await staff.wait_for("您对整改效果满意吗")
    answer = await staff.send("不满意")
    assert "谢谢" in answer[-1].text or "记录" in answer[-1].text, answer[-1].text
    assert "不满意" not in await copy_of_chat(client, server, staff, thief)


async def test_a_questionnaire_choice_typed_instead_of_tapped_leaves_the_chat(
    running_bot, client, invited, server
):
    """And on a questionnaire: the choice typed (否) where its buttons are offered."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    survey = await office.send("/survey 食堂调查 | 7天 | 门诊部\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
    assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
    invite = await staff.wait_for("食堂调查")
    await staff.press("开始填写", message=invite)
    await staff.send("否")
    await staff.send("建议多放座椅")
    await staff.press("只作为问卷回答")
    assert "已提交问卷" in (await staff.press("提交"))[-1].text
    copied = await copy_of_chat(client, server, staff, thief)
    assert "否" not in copied and not [t for t in copied if "建议多放座椅" in t]


async def test_a_write_back_typed_before_its_button_leaves_the_chat(running_bot, client, invited, server):
    """A holder opens the receipt's card and types the addition straight away, before tapping
    回复活动办; told how, they tap it and type the words again. The first copy stays in the
    chat, and the write-back in the database has the same words: its holder, the opinion's
    author."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send(f"/receipt {receipt}")
    await staff.send(f"补充：二楼也一样 {marker}")
    await staff.press("回复活动办")
    await staff.send(f"补充：二楼也一样 {marker}")
    await staff.press("看完了")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if marker in text]


async def test_an_answer_typed_at_a_choice_question_leaves_the_chat(running_bot, client, invited, server):
    """A respondent types their suggestion at the choice question (told to use the buttons),
    then answers and types it again at the text question, where it is the answer."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    survey = await office.send("/survey 食堂调查 | 7天 | 门诊部\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
    assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
    invite = await staff.wait_for("食堂调查")
    await staff.press("开始填写", message=invite)
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send(f"饭菜太咸 {marker}")
    await staff.press("否")
    await staff.send(f"饭菜太咸 {marker}")
    await staff.press("只作为问卷回答")
    assert "已提交问卷" in (await staff.press("提交"))[-1].text
    copied = await copy_of_chat(client, server, staff, thief)
    assert not [text for text in copied if marker in text]


@pytest.mark.parametrize("typed", ["bare", "asked"])
async def test_a_receipt_typed_without_its_command_leaves_the_chat(
    running_bot, client, invited, server, typed
):
    """A holder pastes the receipt code alone (no /receipt), or types it when /receipt asks for
    it. Left in the chat, the token copies it, and the code leads to its opinion: the author."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    if typed == "asked":
        await staff.send("/receipt")
    shown = await staff.send(receipt)
    assert any("候诊区座椅不足" in (m.text or "") for m in shown), "read as /receipt with it"
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if receipt in text or receipt.replace("-", "") in text]


async def test_a_write_back_over_the_limit_leaves_with_the_card(running_bot, client, invited, server):
    """A write-back over the limit is not read (never cut) and stays to be shortened; the
    shortened one is stored. The long one leaves with the card (看完了)."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    assert "字" in (await staff.send(f"{marker} " + "长" * limit))[-1].text
    assert [t for t in await copy_of_chat(client, server, staff, thief) if marker in t], "kept to shorten"
    await staff.send(f"{marker} 二楼也一样")
    await staff.press("看完了")
    assert not [t for t in await copy_of_chat(client, server, staff, thief) if marker in t]
