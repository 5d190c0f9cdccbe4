"""Attacks of a hostile operator (the database, its WAL, the logs at DEBUG, the secret key and
the bot's token) on the reshaped questionnaire and rating slip flows, where a respondent's chat
is to read as a non-respondent's: the message taken over is put back on 提交, thanks come in a
pop-up. Each test is one attack; those that worked say what they found and were fixed, those
that failed say what was tried.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from test_forensic_chats import SURVEY, _close, _staff_and_office
from test_mixing import copy_of_chat

from jobs import delivery
from storage import surveys

TYPED = "候诊区的空调坏了三周"


async def _sent_out(running_bot, office) -> None:
    preview = await office.send(SURVEY)
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(running_bot.app):
        pass


async def _send_quietly(person, text: str) -> None:
    """Words the bot may answer with nothing but a deletion."""
    await person.client.post(f"/sandbox/users/{person.id}/text", {"text": text})
    await person.replies(2, allow_none=True)


async def _to_the_text_question(person, invite) -> None:
    await person.press("开始填写", message=invite)
    await person.press("满意")
    await person.press("跳过")
    await person.press("3")


async def test_words_typed_twice_at_a_text_question_leave_no_second_screen(running_bot, client, db, server):
    """Tried, and held. She types her answer, then types it again (she sends it twice). The
    screen already asks 只作为问卷回答 / 也送到意见箱, so the edit to the same text is refused by
    Telegram as 'message is not modified'; had the questionnaire sent its screen again as a new
    message (what it does when the edit fails), 提交 would have put back the new one and the
    invitation stayed on 只作为问卷回答 for good, in the chat of one who answered and of nobody
    else. The bot's transport takes 'not modified' as done (handlers/typed_choice.py), so the
    screen stays the invitation pressed and is put back as everyone's."""
    office, people = await _staff_and_office(client, db)
    await _sent_out(running_bot, office)
    respondent = people[0]
    invite = await respondent.wait_for("门诊环境调查")
    await _to_the_text_question(respondent, invite)
    await respondent.send(TYPED)
    await _send_quietly(respondent, TYPED)  # again: the screen is already the offer
    await respondent.press("只作为问卷回答")
    await respondent.press("提交")
    assert "已提交问卷" in (await respondent.callback_answer())["text"]

    thief = await client.user(666, "token holder")
    answered = await copy_of_chat(client, server, respondent, thief)
    not_answered = await copy_of_chat(client, server, people[1], thief)
    assert not any("只作为问卷回答" in text or "意见箱" in text for text in answered), answered
    about = [t for t in answered if "门诊环境调查" in t]
    assert about == [t for t in not_answered if "门诊环境调查" in t]
    shown = [server.api.chats[p.id].messages[invite.message_id] for p in people[:2]]
    assert shown[0]["text"] == shown[1]["text"]
    assert shown[0].get("reply_markup") == shown[1].get("reply_markup")


SHEET = "/newsheet 行风评议 | 李娜 | 2026-12-11 17:30 | 门诊部"


async def _sheet_sent_out(running_bot, office) -> int:
    preview = await office.send(SHEET)
    created = await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(running_bot.app):
        pass
    return int(re.search(r"#(\d+)", created[-1].text)[1])


# 差 as a rating's screen shows a grade given: 已评：党建重视 差, the review's 5 项均为“差” or
# 廉政勤政 差 (before the review named items: 李娜：差、差, 已评：对党建工作重视程度：差)
GRADED = re.compile(r"[：、\s“]差")


def _about(chat: list[str], title: str) -> list[str]:
    return [text for text in chat if title in text]


async def test_a_restart_at_the_review_leaves_no_grades_in_the_chat(running_bot, client, db, server):
    """Worked before its fix. She rates 李娜 差 on every item and reaches the review (李娜：5 项
    均为“差”); the bot restarts, forgetting the rating; 提交 is answered in a pop-up (start
    again), and the screen stayed as it was: her grades in her chat for good, and once she
    rated again, the ballot the operator reads in the file is hers, grade by grade. The screen
    of a rating a restart forgot is now put back as the invitation, to start again from."""
    from services import of

    office, people = await _staff_and_office(client, db)
    await _sheet_sent_out(running_bot, office)
    rater = people[0]
    invite = await rater.wait_for("行风评议")
    await rater.press("开始评议", message=invite)
    for _ in range(5):
        await rater.press("差")
    assert GRADED.search(server.api.chats[rater.id].messages[invite.message_id]["text"])
    of(running_bot.app).evaluation_ratings.clear()  # what a restart does
    await rater.press("提交")
    assert "重新开始" in (await rater.callback_answer())["text"]
    await rater.press("开始评议", message=invite)
    for _ in range(5):
        await rater.press("差")
    await rater.press("提交")
    assert "已提交" in (await rater.callback_answer())["text"]

    thief = await client.user(666, "token holder")
    rated = await copy_of_chat(client, server, rater, thief)
    unrated = await copy_of_chat(client, server, people[1], thief)
    assert not any(GRADED.search(text) or "已评" in text or "核对" in text for text in rated), rated
    assert _about(rated, "行风评议") == _about(unrated, "行风评议")


async def test_a_slip_holders_screen_a_restart_forgot_shows_no_grades(
    running_bot, client, db, server, monkeypatch
):
    """Worked before its fix. A slip holder grades two items 差 (已评：对党建工作重视程度：差、…),
    the bot restarts; her next tap is answered in a pop-up (scan again), and the screen kept
    her grades so far. It is now put back as the slip's welcome, as it first came."""
    from services import of
    from storage import evaluations

    office, _ = await _staff_and_office(client, db)
    sheet_id = await _sheet_sent_out(running_bot, office)
    issued: list[str] = []
    real_issue = evaluations.issue_slips
    monkeypatch.setattr(
        evaluations, "issue_slips", lambda *a, **k: issued.extend(real_issue(*a, **k)) or list(issued)
    )
    await office.send(f"/slips {sheet_id} 2")
    holders = [await client.user(7_000 + n, f"代表{n}") for n in range(2)]
    for holder, code in zip(holders, issued, strict=True):
        await holder.send(f"/start {evaluations.SLIP_PREFIX}{code}")
    holder = holders[0]
    await holder.press("差")
    await holder.press("差")
    of(running_bot.app).evaluation_ratings.clear()  # what a restart does
    await holder.press("差")
    assert "评议票" in (await holder.callback_answer())["text"]

    thief = await client.user(666, "token holder")
    pressed = await copy_of_chat(client, server, holder, thief)
    untouched = await copy_of_chat(client, server, holders[1], thief)
    assert not any(GRADED.search(text) for text in pressed), pressed
    assert _about(pressed, "行风评议") == _about(untouched, "行风评议")


async def test_a_sheet_closing_mid_rating_leaves_no_grades_in_the_chat(running_bot, client, db, server):
    """Worked before its fix. She has graded two items 差 when the sheet closes; her next tap
    was answered in her chat (评议已截止), and the screen kept 已评：…差、…差: what she thought
    of 李娜, and that she was rating, for good. Now the screen is put back and the refusal comes
    in a pop-up, as under anyone's invitation after the close."""
    office, people = await _staff_and_office(client, db)
    await _sheet_sent_out(running_bot, office)
    rater = people[0]
    invite = await rater.wait_for("行风评议")
    await rater.press("开始评议", message=invite)
    await rater.press("差")
    await rater.press("差")
    await _close(running_bot)
    await rater.press("差")
    await rater.callback_answer()
    await people[1].press("开始评议", message=await people[1].wait_for("行风评议"))
    await people[1].callback_answer()

    thief = await client.user(666, "token holder")
    pressed = await copy_of_chat(client, server, rater, thief)
    untouched = await copy_of_chat(client, server, people[1], thief)
    assert not any(GRADED.search(text) for text in pressed), pressed
    assert _about(pressed, "行风评议") == _about(untouched, "行风评议")


async def test_a_rating_begun_by_typing_and_cancelled_leaves_no_grades(fast_bot, fast_client, invited, db):
    """Worked before its fix. 开始评议 typed rather than pressed brings the screen as a message
    of its own; two grades in, she sends /cancel: 已退出 and her /cancel left after 5 minutes,
    and the screen stayed, with 已评：…差 on it (what she thought of the subject, and that she
    had begun), in the chat for good. /cancel now deletes that screen, as 提交 does."""
    from conftest import join

    from handlers.typed_choice import TYPED_ANSWER_KEPT
    from jobs import forgetting
    from storage import evaluations
    from storage.clock import clock

    office = await join(fast_client, invited, 103, "王芳")
    staff = await join(fast_client, invited, 101, "张伟")
    preview = await office.send("/newsheet 年度评议 ｜ 门诊部 ｜ 7天 ｜")
    await office.press("确认发出", message=preview[-1])
    await staff.send("/evaluate")
    shown = await staff.send("年度评议")  # the list's button, typed
    assert any(m.buttons and "年度评议" in (m.text or "") for m in shown)
    assert len(evaluations.open_sheets(db)[0].items) > 2
    await staff.press("差")
    await staff.press("差")
    await staff.send("/cancel")
    clock.freeze(clock.now() + TYPED_ANSWER_KEPT + timedelta(seconds=1))
    await forgetting.sweep(fast_bot.app)
    left = [m.get("text") or "" for m in fast_bot.api.chats[staff.id].messages.values()]
    assert not [text for text in left if GRADED.search(text) or "已评" in text], left


# ---- from the files and the logs ----------------------------------------------------------------


async def _files_and_logs_while(fast_bot, db_path, caplog, walk) -> tuple[int, list[str]]:
    """How many times the files changed, and every log line, while `walk` runs (persistence
    flushed at the end, as its timer would)."""
    from test_forensics import Observer

    import bot

    app = fast_bot.app
    await app.update_persistence()
    await app.persistence.flush()
    observer = Observer(db_path)
    observer.copy("start")
    bot.quiet_libraries()
    caplog.set_level(logging.DEBUG)
    await walk()
    await app.update_persistence()
    await app.persistence.flush()
    observer.copy("after")
    return len(observer.snapshots), [r.getMessage() + " " + str(r.args) for r in caplog.records]


@pytest.fixture
def codes(db):
    from test_forensic_attacks import ROSTER

    from storage import invitations, roster

    roster.apply(db, roster.parse(ROSTER.encode()), None)
    return {i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)}


async def test_answering_a_questionnaire_writes_nothing_until_its_batch(
    fast_bot, fast_client, codes, db, db_path, caplog
):
    """Tried, and held. The operator copies the files as often as the bot writes, and reads
    the logs at DEBUG, while one member answers (开始填写, a tap, several taps, a scale, typed
    words, a menu tap halfway, 提交, 开始填写 again): a write at the tap or at 提交 (a step kept
    by the persistence, a last-seen time, a message id in her user data) would date her answer
    and name her, and a log line with her id the same. Not a byte changes (her answers wait in
    the pool, fewer than k), and no log line holds her Telegram id."""
    from test_forensic_attacks import _join, _office

    office = await _office(fast_client, codes)
    person = await _join(fast_client, codes, 0)
    preview = await office.send(SURVEY.replace("门诊部", ""))
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(fast_bot.app):
        pass
    invite = await person.wait_for("门诊环境调查")

    async def walk() -> None:
        await person.press("开始填写", message=invite)
        await person.press("不满意")
        await person.send("📋 整改台账")  # a menu tap: the answers wait, the buttons go on
        await person.press("座椅")
        await person.press("完成")
        await person.press("2")
        await person.send(TYPED)
        await person.press("只作为问卷回答")
        await person.press("提交")
        await person.press("开始填写")

    changed, logged = await _files_and_logs_while(fast_bot, db_path, caplog, walk)
    assert changed == 1, "answering wrote to the files before its batch"
    assert not [line for line in logged if str(person.id) in line or TYPED in line], logged


async def test_rating_writes_nothing_until_its_batch(fast_bot, fast_client, codes, db, db_path, caplog):
    """Tried, and held: the same for a rating sheet, from 开始评议 to 提交 and a second press
    (已经参加过 in a pop-up): no byte of the files changes, no log line holds her id."""
    from test_forensic_attacks import _join, _office

    office = await _office(fast_client, codes)
    person = await _join(fast_client, codes, 0)
    preview = await office.send("/newsheet 行风评议 | 李娜 | 7天 |")
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(fast_bot.app):
        pass
    invite = await person.wait_for("行风评议")

    async def walk() -> None:
        await person.press("开始评议", message=invite)
        for _ in range(5):
            await person.press("差")
        await person.press("提交")
        await person.press("开始评议")
        assert "已经参加过" in ((await person.callback_answer()) or {}).get("text", "")

    changed, logged = await _files_and_logs_while(fast_bot, db_path, caplog, walk)
    assert changed == 1, "rating wrote to the files before its batch"
    assert not [line for line in logged if str(person.id) in line], logged


async def test_a_text_answer_typed_during_a_kept_step_is_not_taken_by_it(fast_bot, fast_client, codes, db):
    """Worked before its fix. The office member is at a step the bot keeps on disk (回复
    pressed under an opinion, her words awaited) when she presses 开始填写 and types her answer
    to the questionnaire's text question. The kept step took the words (已回复 #…): they went
    out as the office's signed reply to the opinion's holder and into opinion_messages under
    her name, her questionnaire answer named. Beginning a questionnaire now sets such a step
    aside, as a tap into the opinion box does: the words go where the screen asked."""
    from test_forensic_box_steps import _replying

    office = await _replying(fast_bot, fast_client, codes, db)
    preview = await office.send(SURVEY.replace("门诊部", ""))
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(fast_bot.app):
        pass
    invite = await office.wait_for("📋 问卷调查《门诊环境调查》")
    await office.press("开始填写", message=invite)
    await office.press("满意")
    await office.press("跳过")
    await office.press("3")
    said = await office.send(TYPED)
    assert "只作为问卷回答" in " ".join(" ".join(m.labels()) for m in said), [m.text for m in said]
    assert not db.execute("select count(*) from opinion_messages where sender = 'office'").fetchone()[0]


async def test_a_grade_typed_during_a_kept_step_is_not_taken_by_it(fast_bot, fast_client, codes, db):
    """The same on a rating sheet: the office member at 回复's step presses 开始评议 and types
    差 rather than tapping it. Taken by the kept step, 差 went to the opinion's holder as her
    signed reply, a grade of hers named (it worked, before its fix); the rating takes it."""
    from test_forensic_box_steps import _replying

    office = await _replying(fast_bot, fast_client, codes, db)
    preview = await office.send("/newsheet 行风评议 | 李娜 | 7天 |")
    await office.press("确认发出", message=preview[-1])
    while await delivery.send_due(fast_bot.app):
        pass
    invite = await office.wait_for("请参加民主评议《行风评议》")
    await office.press("开始评议", message=invite)
    said = await office.send("差")
    assert not [m for m in said if "已回复" in (m.text or "")], [m.text for m in said]
    assert not db.execute("select count(*) from opinion_messages where sender = 'office'").fetchone()[0]


# ---- a screen left halfway, at the close ---------------------------------------------------------


async def test_a_questionnaire_left_halfway_reads_at_the_close_as_one_never_begun(
    running_bot, client, db, server
):
    """Worked before its fix. One member answers and submits; another begins, taps one answer
    and walks away (or her phone dies). At the close her invitation still showed 第 2/4 题:
    she had not submitted, for good, which narrows whom the close's lone answers can be (as
    /cancel's 已退出 did, bda6e0e). The close now puts the screens of answers still in memory
    back as they were, and drops those answers, as /cancel does."""
    office, people = await _staff_and_office(client, db)
    await _sent_out(running_bot, office)
    invites = [await p.wait_for("门诊环境调查") for p in people[:2]]
    await people[0].press("开始填写", message=invites[0])
    for label in ("满意", "跳过", "3", "跳过", "提交"):
        await people[0].press(label)
    await people[1].press("开始填写", message=invites[1])
    await people[1].press("不满意")
    await people[1].press("座椅")  # a several-choice question's ✅, left on the screen
    await _close(running_bot)
    assert surveys.newest_first(db)[0].concluded

    thief = await client.user(666, "token holder")
    chats = [await copy_of_chat(client, server, p, thief) for p in people[:3]]
    for n, chat in enumerate(chats):
        assert _about(chat, "门诊环境调查") == _about(chats[2], "门诊环境调查"), f"职工{n}'s chat differs"


async def test_a_rating_left_halfway_reads_at_the_close_as_one_never_begun(running_bot, client, db, server):
    """The same on a rating sheet, where the screen left also showed her grades so far
    (已评：…差): put back at the close."""
    office, people = await _staff_and_office(client, db)
    await _sheet_sent_out(running_bot, office)
    invite = await people[0].wait_for("行风评议")
    await people[0].press("开始评议", message=invite)
    await people[0].press("差")
    await _close(running_bot)

    thief = await client.user(666, "token holder")
    chats = [await copy_of_chat(client, server, p, thief) for p in people[:2]]
    assert not any(GRADED.search(text) for text in chats[0]), chats[0]
    assert _about(chats[0], "行风评议") == _about(chats[1], "行风评议")


# ---- the message's edit state --------------------------------------------------------------------


async def test_a_message_put_back_differs_from_an_untouched_one_only_in_being_edited(
    running_bot, client, db, server
):
    """Tried: everything the token holder can read of the invitation put back by 提交, beside an
    untouched one. Text, its HTML (and so its entities), the buttons and their data are the
    same; copyMessage carries the content only. What differs is that it was edited: Telegram
    marks it (in her own app, 'edited'; `edit_date` on the Message object). Through the Bot
    API a holder of the token reads a message of another chat only by copyMessage (content) or
    forwardMessage, whose copy carries the original's origin and date, not its edit date; and
    an edit of their own returns the time of that edit, not an earlier one. So this is left as
    it is (README, "What this does not cover"): an edit cannot be undone, and the alternative,
    a message of its own deleted on 提交, leaves a gap in the numbering that copyMessage finds."""
    office, people = await _staff_and_office(client, db)
    await _sent_out(running_bot, office)
    invite = await people[0].wait_for("门诊环境调查")
    await people[0].press("开始填写", message=invite)
    for label in ("满意", "跳过", "3", "跳过", "提交"):
        await people[0].press(label)
    await people[1].wait_for("门诊环境调查")
    answered, untouched = (dict(server.api.chats[p.id].messages[invite.message_id]) for p in people[:2])
    assert answered.pop("edited", False) and not untouched.pop("edited", False)  # Telegram's mark
    for message in (answered, untouched):
        message.pop("chat"), message.pop("date")  # (whose chat, and the second it was sent)
    assert answered == untouched


# ---- the restart path ----------------------------------------------------------------------------


async def test_a_restart_mid_answer_leaves_nothing_of_her_answers_on_disk(
    running_bot, client, db, server, db_path
):
    """Tried, and held (what is left is README's "A restart in the middle of answering"). She
    answers three questions and types her text answer, then the bot stops and starts again. The
    operator reads the database file, its WAL and the persisted user, chat and conversation data
    for her typed words, her Telegram id beside the questionnaire, or a step she was at: none is
    there (the answers were in memory, and are gone); her typed words are not in her chat either.
    What the chat keeps is the screen as the restart left it (第 4/4 题's 提交), until she presses
    it: pressed, it starts again at question 1, and 提交 puts it back as the invitation."""
    office, people = await _staff_and_office(client, db)
    await _sent_out(running_bot, office)
    person = people[0]
    invite = await person.wait_for("门诊环境调查")
    await _to_the_text_question(person, invite)
    await person.send(TYPED)
    await person.press("只作为问卷回答")
    await running_bot.restart()

    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        if path.exists():
            assert TYPED.encode() not in path.read_bytes(), f"{path.name} keeps her words"
    steps = db.execute("select * from conversation_states").fetchall()
    assert not [row for row in steps if "survey" in str(row)], steps
    assert surveys.newest_first(db), "the questionnaire is on disk"
    assert not db.execute("select count(*) from survey_respondents").fetchone()[0]
    thief = await client.user(666, "token holder")
    chat = await copy_of_chat(client, server, person, thief)
    assert not any(TYPED in text for text in chat)

    again = await person.press("提交")  # the screen the restart left: it starts again, in place
    assert again[-1].message_id == invite.message_id and "第 1/4 题" in again[-1].text
    for label in ("满意", "跳过", "3", "跳过", "提交"):
        await person.press(label)
    untouched = await copy_of_chat(client, server, people[1], thief)
    chat = await copy_of_chat(client, server, person, thief)
    assert _about(chat, "门诊环境调查") == _about(untouched, "门诊环境调查")


async def test_rating_with_a_slip_writes_nothing_until_its_batch(
    fast_bot, fast_client, codes, db, db_path, caplog, monkeypatch
):
    """Tried, and held: a slip scanned (its code checked against the file's keyed hashes),
    rated, submitted, scanned again (已经用过了): no byte of the files changes before the
    slips' batch of k (the slip is marked used only then), and no log line holds the holder's
    Telegram id or the slip's code."""
    from test_forensic_attacks import _office, _open_sheet

    from storage import evaluations

    office = await _office(fast_client, codes)
    _, made = await _open_sheet(office, monkeypatch, slips=2)
    holder = await fast_client.user(7_777, "代表")

    async def walk() -> None:
        await holder.send(f"/start {evaluations.SLIP_PREFIX}{made[0]}")
        for _ in range(5):
            await holder.press("差")
        await holder.press("提交")
        assert "已提交" in ((await holder.callback_answer()) or {}).get("text", "")
        said = await holder.send(f"/start {evaluations.SLIP_PREFIX}{made[0]}")
        assert "已经用过了" in said[-1].text

    changed, logged = await _files_and_logs_while(fast_bot, db_path, caplog, walk)
    assert changed == 1, "rating with a slip wrote to the files before its batch"
    assert not [line for line in logged if str(holder.id) in line or made[0] in line], logged
