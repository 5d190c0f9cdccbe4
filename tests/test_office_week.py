"""The campaign office's week (活动办) at a real volume: what one screen counts, another says
the same; what the office lists is off its inbox; an act that tells many people previews first."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conftest import held_preview, join, submit_opinion
from test_closure_evidence import dispatched_to_head

from jobs import delivery, opinion_batches
from storage import opinions, self_checks
from storage.opinions import Draft

CANTEEN = [  # one complaint as five people put it (alike enough to group whatever their order)
    "职工食堂晚餐菜品单一，夜班职工吃不上热饭。",
    "职工食堂晚餐菜品单一，夜班职工吃不上热饭！",
    "职工食堂晚餐菜品太单一，夜班职工吃不上热饭。",
    "职工食堂的晚餐菜品单一，夜班职工吃不上热饭。",
    "职工食堂晚餐菜品单一，夜班职工总吃不上热饭。",
]


async def test_a_hotspot_listed_before_the_inbox_was_opened_leaves_the_inbox(
    running_bot, client, invited, db
):
    """Monday: the office lists the canteen group from 🔥 意见热点 without opening each opinion.
    The inbox then counts only what is still to handle (as the digest does), and does not show
    the group's opinions again as 待处理 to be listed twice."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    keys = running_bot.app.bot_data["keys"]
    for text in CANTEEN:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    await submit_opinion(staff, "门诊二楼的饮水机坏了一周了。")
    await opinion_batches.release_to_office(running_bot.app)

    await office.send("/hotspots")
    await office.press("列为一个问题")
    listed = await office.press("确认")
    assert "关联 5 条意见" in listed[-1].text

    shown = await office.send("/inbox")
    pending = [m.text for m in shown if m.text and m.text.startswith("<b>#")]
    assert len(pending) == 1 and "饮水机" in pending[0]
    assert not any("吃不上热饭" in t for t in pending)
    assert "共 1 条待处理" in shown[-1].text
    summary = await office.send("/digest")
    counted = re.search(r"待处理 (\d+)", "\n".join(m.text or "" for m in summary))
    assert counted and counted.group(1) == "1"


async def test_a_listed_opinion_comes_back_when_its_holder_writes_again(running_bot, client, invited, db):
    """Taken off the inbox by listing, an opinion returns when its holder writes again."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    keys = running_bot.app.bot_data["keys"]
    receipt = await submit_opinion(staff, CANTEEN[0])
    opinions.submit(db, Draft(category="其他", text=CANTEEN[1]), None, keys, date.today())
    await opinion_batches.release_to_office(running_bot.app)
    await office.send("/hotspots")
    await office.press("列为一个问题")
    await office.press("确认")
    assert not any("吃不上热饭" in (m.text or "") for m in await office.send("/inbox"))

    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    await staff.send("上周又有三天没有供应晚餐。")
    await opinion_batches.release_to_office(running_bot.app)
    again = await office.send("/inbox")
    assert any("吃不上热饭" in (m.text or "") for m in again)


async def test_selfcheck_typed_in_one_line_previews_and_asks_only_on_confirm(
    running_bot, client, invited, db
):
    """/selfcheck 门诊部 2099-12-04 typed whole: as its guided form, it first says who will be
    asked, by when, the reviewer and how many are told, and nobody is asked before ✅ 确认发出;
    取消 asks nobody; a second tap of 确认 asks nobody twice."""
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    preview = held_preview(await office.send("/selfcheck 门诊部 2099-12-04"))
    assert "自查报告要求预览" in preview.text and "门诊部" in preview.text
    assert "确认后通知 1 人填写" in preview.text and "2099-12-04" in preview.text
    assert self_checks.listing(db) == []
    await deliver_all(running_bot.app)
    assert not any("提交自查报告" in (m.text or "") for m in await head.replies(0.5, allow_none=True))

    cancelled = await office.press("取消", message=preview)
    assert "没有要求自查报告" in cancelled[-1].text
    assert self_checks.listing(db) == []

    preview = held_preview(await office.send("/selfcheck 门诊部 2099-12-04"))
    done = await office.press("确认发出", message=preview)
    assert "已通知 1 人" in done[-1].text
    await office.press_data(preview.message_id, preview.buttons[0][0]["callback_data"])  # twice
    assert len(self_checks.listing(db)) == 1
    await deliver_all(running_bot.app)
    await head.wait_for("请 门诊部 于 2099-12-04 前提交自查报告")


async def test_selfcheck_preview_warns_when_a_department_has_nobody_to_ask(running_bot, client, invited):
    """院办 has no 科室负责人: the preview says nobody would be told, before anything is sent."""
    office = await join(client, invited, 103, "王芳")
    preview = held_preview(await office.send("/selfcheck 院办 2099-12-04"))
    assert "确认后通知 0 人填写" in preview.text and "没有科室负责人" in preview.text


async def deliver_all(app) -> None:
    while await delivery.send_due(app):
        pass


async def test_the_closures_card_shows_why_a_department_asks_to_close_short_of_100(
    running_bot, client, invited, db
):
    """刘洋 asks to close at 0% with a reason (整改完毕，制度已印发). The office, working through
    ✅ 待销号 days later, read 尚无进展报告 and nothing else on the card it signs from: the reason
    was only in a notice somewhere up the chat, or behind 📜 进展记录."""
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    await head.send("/tasks")
    asked = await head.press("申请销号")
    assert "不到 100%" in asked[-1].text
    await head.send("制度已印发，夜巡签到已执行两周")
    await office.wait_for(f"申请销号 #{problem_id}")

    cards = await office.send("/closures")
    card = next(m for m in cards if m.text and f"#{problem_id}" in m.text and m.buttons)
    assert "制度已印发，夜巡签到已执行两周" in card.text and "刘洋" in card.text
    assert "0%" in card.text


async def test_returning_and_closing_say_how_many_were_told(running_bot, client, invited, db):
    """退回 answered only "#1 已退回整改。" and 销号 "#1 已销号。": not whether the department
    and the leader heard of it. Each now says how many were told, as its preview promised."""
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    await head.send("/tasks")
    await head.press("申请销号")
    await head.send("座椅已到货")
    request = await office.wait_for(f"申请销号 #{problem_id}")
    await office.press("退回", message=request)
    returned = await office.send("签收单没有上传，请补上后再申请")
    assert f"#{problem_id} 已退回整改" in returned[-1].text and "已告知 2 人" in returned[-1].text
    await head.wait_for("签收单没有上传")

    await head.send("/tasks")
    await head.press("申请销号")
    await head.send("签收单已上传")
    cards = await office.send("/closures")
    card = next(m for m in cards if m.buttons and f"#{problem_id}" in (m.text or ""))
    confirm = await office.press("销号", message=card)
    asked = next(m for m in confirm if any("确认销号" in label for label in m.labels()))
    done = await office.press("确认销号", message=asked)
    assert any(f"#{problem_id} 已销号" in (m.text or "") and "已告知 2 人" in m.text for m in done)


def _closed_problem(db, department: str = "门诊部") -> int:
    from storage import people, problems

    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', department_id = ?, measures = '增加座椅', "
        "deadline = '2026-10-30', closed_at = '2026-11-01T02:00:00+00:00' where id = ?",
        [people.department_id(db, department), problem_id],
    )
    db.conn.commit()
    return problem_id


async def test_lookback_typed_with_its_number_previews_how_many_are_asked(running_bot, client, invited, db):
    """/lookback 1 typed whole started the round at once (门诊部 asked to vote, its head to
    confirm), while the same round picked from /lookback's list was previewed and asked: the
    typed form now shows the same preview, with how many will be asked, and acts on 确认 only."""
    office = await join(client, invited, 103, "王芳")
    await join(client, invited, 101, "张伟")
    await join(client, invited, 104, "刘洋")
    problem_id = _closed_problem(db)
    preview = held_preview(await office.send(f"/lookback {problem_id}"))
    assert "确认发起吗" in preview.text and "2 人" in preview.text  # 张伟 and 刘洋 of 门诊部
    assert db.execute("select count(*) from lookbacks").fetchone()[0] == 0
    await office.press("取消", message=preview)
    assert db.execute("select count(*) from lookbacks").fetchone()[0] == 0

    picked = await office.send("/lookback")
    listed = await office.press(f"#{problem_id} 候诊区座椅不足", message=picked[-1])
    assert "2 人" in listed[-1].text  # the list's preview says it too

    preview = held_preview(await office.send(f"/lookback {problem_id}"))
    started = await office.press("确认", message=preview)
    assert any(f"#{problem_id} 的回头看已发起" in (m.text or "") and "2 人" in m.text for m in started)
    await office.press_data(preview.message_id, preview.buttons[0][0]["callback_data"])  # twice
    assert db.execute("select count(*) from lookbacks").fetchone()[0] == 1


def test_opinions_listed_unopened_before_the_upgrade_leave_the_inbox(db, running_bot):
    """m320: a database from before the fix, where a listed group's opinions stayed unread (in
    the inbox's count), is put right; one whose holder wrote back stays in the inbox."""
    from storage import migrations, problems

    keys = running_bot.app.bot_data["keys"]
    for text in CANTEEN[:3]:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    opinions.release(db)
    ids = opinions.pending_ids(db)
    problems.create(db, "夜班职工吃不上热饭", None, opinion_ids=tuple(ids))
    db.execute("update opinions set unread = 1")  # as the code before the fix left them
    db.execute(
        "insert into opinion_messages (opinion_id, seq, sender, text, on_date) "
        "values (?, 1, 'submitter', ?, ?)",
        [ids[0], "又反映一次", date.today().isoformat()],
    )
    db.conn.commit()
    migrations.m320_listed_opinions_leave_the_inbox(db)
    assert opinions.pending_ids(db) == [ids[0]]


async def test_no_second_lookback_while_one_is_still_open(running_bot, client, invited, db):
    """#3's 30-day look-back was still open (until 12-12) when the office started an extra round
    on 12-02: 组织人事科 was asked to vote twice at once, and the digest listed 投票不足 twice
    for the same problem. The office is told the round that is open, and nothing starts."""
    from storage import lookbacks

    office = await join(client, invited, 103, "王芳")
    problem_id = _closed_problem(db)
    lookbacks.start(db, problem_id, "30d", date.today(), 14)
    shown = await office.send(f"/lookback {problem_id}")
    assert not any(m.buttons for m in shown)
    last_day = date.today() + timedelta(days=13)  # the last day to vote, as the voters are told
    assert "还在进行" in shown[-1].text and f"投票到 {last_day.isoformat()}" in shown[-1].text
    assert len(lookbacks.of_problem(db, problem_id)) == 1


async def test_assign_with_the_leaders_name_offers_that_leader(running_bot, client, invited, db):
    """/assign 13 李明华: the name was dropped and every leader offered again, as if it had not
    been typed. Now the named leader is the one button; a name that is no leader is said so,
    above the whole list."""
    from storage import problems

    office = await join(client, invited, 103, "王芳")
    await join(client, invited, 102, "李娜")
    db.execute("update people set roles = roles || ' leader' where name = '刘洋'")  # a second leader
    db.conn.commit()
    problem_id = problems.create(db, "候诊区座椅不足", None)
    assert len((await office.send(f"/assign {problem_id}"))[-1].labels()) == 2
    named = await office.send(f"/assign {problem_id} 李娜")
    assert named[-1].labels() == ["李娜（院办）"] and "李娜" in named[-1].text
    done = await office.press("李娜", message=named[-1])
    assert f"#{problem_id} 已指定由 李娜 负责" in done[-1].text
    other = problems.create(db, "食堂饭菜偏咸", None)
    unknown = await office.send(f"/assign {other} 张伟")  # staff, no leader
    assert "“张伟”不是班子成员" in unknown[-1].text and "李娜（院办）" in unknown[-1].labels()


async def test_the_office_chases_an_overdue_problem_from_its_card(running_bot, client, invited, db):
    """An overdue problem's card (🔎 查看 under the escalation, the ledger's #N) showed the office
    its history and no next step: the office phoned. 📣 催办 now says whom it will remind and
    how late, reminds the department's head and the leader on 确认, once however often pressed,
    and the trail records it."""
    from storage import problems

    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    db.execute("update problems set deadline = '2026-01-05' where id = ?", [problem_id])
    db.conn.commit()
    card = await office.send(f"/history {problem_id}")
    assert "📣 催办" in card[-1].labels()
    asked = await office.press("催办", message=card[-1])
    assert "已逾期" in asked[-1].text and "2 人" in asked[-1].text and "刘洋" in asked[-1].text
    done = await office.press("确认催办", message=asked[-1])
    assert any("已催办" in (m.text or "") and "已提醒 2 人" in m.text for m in done)
    await office.press_data(asked[-1].message_id, asked[-1].buttons[0][0]["callback_data"])  # twice
    await head.wait_for(f"活动办催办 #{problem_id}")
    await leader.wait_for(f"活动办催办 #{problem_id}")
    assert sum(r["action"] == "problem.chase" for r in problems.history(db, problem_id)) == 1
    assert "王芳 · 催办 已提醒 2 人" in (await office.send(f"/history {problem_id}"))[-1].text
    assert len([m for m in head.inbox if f"活动办催办 #{problem_id}" in (m.text or "")]) == 1

    on_time = problems.create(db, "食堂饭菜偏咸", None)  # not overdue: nothing to chase
    assert "📣 催办" not in (await office.send(f"/history {on_time}"))[-1].labels()
    assert "📣 催办" not in (await head.send(f"/history {problem_id}"))[-1].labels()  # office only


OTHER_TOPICS = [
    "门诊二楼的饮水机坏了一周了。",
    "住院部电梯高峰期等十分钟。",
    "停车场晚上没有路灯。",
    "报销要跑五个办公室签字。",
    "职工体检项目多年没有更新。",
    "护士站的电脑开机要十分钟。",
    "会议通知总是临时才发。",
    "药房窗口中午只开一个。",
    "自行车棚没有雨棚。",
]


async def test_a_duplicate_is_picked_from_the_similar_ones_not_only_the_latest(
    running_bot, client, invited, db
):
    """With 60 opinions in the inbox, 标为重复 offered the 8 latest: the canteen complaint from
    last week, the one this copies, was not among them and its 8-character code had to be found
    and typed. The opinions grouped with it (🔥) come first now."""
    office = await join(client, invited, 103, "王芳")
    keys = running_bot.app.bot_data["keys"]
    original = opinions.submit(
        db, Draft(category="其他", text=CANTEEN[0]), None, keys, date.today() - timedelta(days=5)
    )
    for text in OTHER_TOPICS:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    opinions.submit(db, Draft(category="其他", text=CANTEEN[1]), None, keys, date.today())
    await opinion_batches.release_to_office(running_bot.app)
    original_id = original[0]
    copy_id = next(o for o in opinions.pending_ids(db) if o != original_id and _text(db, o) == CANTEEN[1])

    shown = await office.send("/inbox")
    while not any(f"#{copy_id}" in (m.text or "") for m in shown):  # page on to the copy
        shown = await office.press("下一页", message=shown[-1])
    card = next(m for m in shown if f"#{copy_id}" in (m.text or ""))
    asked = await office.press("重复", message=card)
    offered = " ".join(asked[-1].labels())
    assert f"#{original_id}" in offered, offered


def _text(db, opinion_id: str) -> str:
    return db.execute("select text from opinions where id = ?", [opinion_id]).fetchone()[0]
