"""Issue 18, week one: the opinion box behaves as the office and the submitters expect.
Each test does what the person did in the demo, through the fake Bot API."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

from conftest import join, submit_opinion

from jobs import opinion_batches
from storage import opinions
from storage.opinions import Draft

CARD_ID = re.compile(r"<b>#([0-9A-Z]{8})</b>")


async def release(running_bot):
    return await opinion_batches.release_to_office(running_bot.app)


def seed_opinions(running_bot, count: int, first_day: date) -> list[str]:
    """`count` anonymous opinions over several days, as if staff had written them."""
    keys = running_bot.app.bot_data["keys"]
    return [
        opinions.submit(
            running_bot.db,
            Draft(category="形式主义", text=f"意见第{n}条"),
            None,
            keys,
            first_day + timedelta(days=n % 4),
        )[0]
        for n in range(count)
    ]


def card_ids(messages) -> list[str]:
    return [found.group(1) for m in messages if m.text and (found := CARD_ID.search(m.text))]


async def test_paging_through_the_inbox_shows_every_pending_opinion_once(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    ids = seed_opinions(running_bot, 23, date(2026, 3, 2))
    await release(running_bot)
    seen = card_ids(await office.send("/inbox"))
    assert "第 1/5 页，共 23 条待处理" in office.inbox[-1].text
    for page in range(2, 6):
        shown = await office.press("下一页")
        seen += card_ids(shown)
        assert f"第 {page}/5 页" in office.inbox[-1].text
    assert "下一页 ▶" not in office.inbox[-1].labels()
    assert sorted(seen) == sorted(ids) and len(seen) == 23


async def test_paging_stays_stable_while_the_office_works_the_list(running_bot, client, invited):
    """Follow-ups turn opinions unread and listing takes some out while the office pages."""
    office = await join(client, invited, 103, "王芳")
    ids = seed_opinions(running_bot, 12, date(2026, 3, 2))
    await release(running_bot)
    seen = card_ids(await office.send("/inbox"))
    for opinion_id in ids:  # every holder writes again; the batch marks them all unread
        opinions.write_back(running_bot.db, opinion_id, "补充", date(2026, 3, 9))
    await release(running_bot)
    seen += card_ids(await office.press("下一页"))
    seen += card_ids(await office.press("下一页"))
    assert sorted(seen) == sorted(ids)


async def test_an_opinion_on_the_problem_list_says_so_and_offers_only_what_fits(
    running_bot, client, invited, db
):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    receipt = await submit_opinion(staff, "门诊叫号屏经常黑屏")
    await release(running_bot)
    [card] = [m for m in await office.send("/inbox") if m.text and "叫号屏" in m.text]
    assert card.labels() == ["💬 回复", "✅ 办结答复", "➡️ 转给领导", "🔁 标为重复", "📋 列为问题"]
    await office.press("列为问题", message=card)
    await office.press("使用建议的标题")
    await office.press("限期整改")
    await office.press("近期")
    await office.press("不指定科室")
    await office.press("确认")
    [problem_id] = [r[0] for r in db.execute("select id from problems")]
    card = next(m for m in office.inbox if m.message_id == card.message_id)
    assert card.labels() == ["💬 回复", "✅ 办结答复"]  # no second listing, no forwarding
    await office.press_data(card.message_id, f"ib:prob:{CARD_ID.search(card.text).group(1)}")  # a double tap
    assert "已列为问题" in (await office.callback_answer())["text"]
    assert db.execute("select count(*) from problems").fetchone()[0] == 1

    reply = await staff.send(f"/receipt {receipt}")
    assert f"已列为问题 #{problem_id} · 待接单" in reply[-1].text and "待处理" not in reply[-1].text


async def test_a_closed_published_opinion_cannot_be_listed(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "书屋开放时间太短")
    await release(running_bot)
    [card] = [m for m in await office.send("/inbox") if m.text and "书屋" in m.text]
    opinion_id = CARD_ID.search(card.text).group(1)
    await office.press("办结答复", message=card)
    await office.send("书屋延长至晚上九点。")
    await office.press_data(card.message_id, f"ib:prob:{opinion_id}")  # the old card's button
    assert "已办结" in (await office.callback_answer())["text"]
    assert db.execute("select count(*) from problems").fetchone()[0] == 0


async def test_a_double_tap_on_submit_says_submitted_not_restarted(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("门诊部")
    await staff.send("会议太多")
    photos_prompt = staff.inbox[-1]
    await staff.press("完成，预览")
    preview = next(m for m in reversed(staff.inbox) if "✅ 提交" in m.labels())
    photos_prompt = next(m for m in staff.inbox if m.message_id == photos_prompt.message_id)
    assert "完成，预览" not in photos_prompt.labels()  # a finished step cannot be pressed again
    submit_data = next(b["callback_data"] for row in preview.buttons for b in row if b["text"] == "✅ 提交")
    # A double tap: both presses reach Telegram before the bot has answered the first (after
    # that the preview is deleted, since the chat forgets an anonymous text, and cannot be tapped).
    taps = [
        await client.post(
            f"/sandbox/users/{staff.id}/press", {"message_id": preview.message_id, "data": submit_data}
        )
        for _ in range(2)
    ]
    await staff.wait_for("回执码")
    answers = []
    for tap in taps:
        for _ in range(50):
            answer = (await client.get(f"/sandbox/callback_answers/{tap['query_id']}"))["answer"]
            if answer is not None:
                break
            await asyncio.sleep(0.1)
        answers.append(answer)
    assert "已提交" in answers[1]["text"] and "重启" not in answers[1]["text"]
    assert not any("草稿已经不在了" in (m.text or "") for m in staff.inbox)
    await opinion_batches.release_to_office(running_bot.app)  # the opinion waits for its batch
    assert db.execute("select count(*) from opinions").fetchone()[0] == 1
    receipt = next(m for m in reversed(staff.inbox) if "回执码" in (m.text or ""))
    assert receipt.labels() == ["🔔 有回复时通知我", "✅ 我已保存"]  # the draft's own buttons are gone


async def test_old_buttons_of_a_finished_draft_do_not_act_on_the_next_one(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/opinion")
    # 署名: an anonymous draft's cards leave the chat with it (test_nurse_walk); a signed one's stay
    first = await staff.press("署名提交")
    category_card = first[-1]
    await staff.send("/cancel")
    await staff.send("/opinion")
    old_data = category_card.buttons[0][0]["callback_data"]
    await staff.press_data(category_card.message_id, old_data)
    answer = (await staff.callback_answer())["text"]
    assert "已经结束" in answer and "重启" not in answer
    # the new draft is untouched: it still asks for the mode
    assert "👤 署名提交" in staff.inbox[-1].labels()


async def test_a_real_restart_still_says_restart(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await running_bot.restart()
    reply = await staff.press("形式主义")
    assert "重启" in reply[-1].text


async def test_publishing_previews_redacts_confirms_and_counts_who_got_it(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    await submit_opinion(staff, "放射科王医生态度很差，还收红包")
    await release(running_bot)
    [card] = [m for m in await office.send("/inbox") if m.text and "王医生" in m.text]
    await office.press("办结答复", message=card)
    await office.send("已约谈当事人，红包已退还并通报。")
    preview = await office.press("向全体公开答复")
    assert "全体 4 人" in preview[0].text and "王医生" in preview[-1].text  # nothing sent yet
    assert not any("意见答复公开" in (m.text or "") for m in leader.inbox)

    await office.press("修改公开的文字")
    preview = await office.send("有职工反映个别医生服务态度差、收受红包。")
    assert "个别医生" in preview[-1].text and "王医生" not in preview[-1].text
    await head.block()  # one person blocked the bot: the office must not be told everyone got it
    asked = next(m for m in reversed(office.inbox) if "✅ 确认发给 4 人" in m.labels())
    confirm = next(b["callback_data"] for row in asked.buttons for b in row if "确认发给" in b["text"])
    await office.press("确认发给 4 人")
    got = await leader.wait_for("意见答复公开")
    assert "个别医生" in got.text and "王医生" not in got.text
    report = await office.wait_for("已送达")
    assert "已送达 3 人" in report.text and "1 人未能送达" in report.text
    # the original stays on record, and a second press sends nothing again
    assert db.execute("select text from opinions").fetchone()[0] == "放射科王医生态度很差，还收红包"
    await office.press_data(asked.message_id, confirm)
    assert "不能公开" in (await office.callback_answer())["text"]
    assert db.execute("select count(*) from outbox where dedup_key like 'published:%'").fetchone()[0] == 4


async def test_cancelling_a_publication_sends_nothing(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "食堂太咸")
    await release(running_bot)
    await office.send("/inbox")
    await office.press("办结答复")
    await office.send("已减盐。")
    asked = (await office.press("向全体公开答复"))[-1]
    confirm = next(b["callback_data"] for row in asked.buttons for b in row if "确认发给" in b["text"])
    assert "没有发给任何人" in (await office.press("取消"))[-1].text
    await office.press_data(asked.message_id, confirm)  # the 确认 above, pressed after 取消
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert db.execute("select count(*) from outbox where dedup_key like 'published:%'").fetchone()[0] == 0
    assert db.execute("select published from opinions").fetchone()[0] == 0


async def test_the_receipt_follows_the_whole_life_of_the_problem(running_bot, client, invited, db):
    """Listed, dispatched, reported, closed, looked back on: the holder sees each under
    /receipt, is told of the look-back (having opted in), and votes there."""
    from jobs import lookbacks as lookback_job
    from storage import people, problems

    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    receipt = await submit_opinion(staff, "门诊叫号屏经常黑屏")
    await staff.press("有回复时通知我")
    await staff.press("我了解，开启通知")
    await release(running_bot)
    await office.send("/inbox")
    await list_it(office)
    [problem_id] = [r[0] for r in db.execute("select id from problems")]
    leader = next(p for p in people.everyone(db) if p.name == "李娜")
    head = next(p for p in people.everyone(db) if p.name == "刘洋")
    office_person = next(p for p in people.everyone(db) if p.name == "王芳")
    department_id = head.department_id
    problems.claim(db, problem_id, leader)
    problems.act(
        db,
        problem_id,
        "dispatch",
        leader,
        measures="更换叫号屏",
        department_id=department_id,
        deadline=date(2026, 12, 31),
    )
    problems.act(db, problem_id, "report", head, actor_id=head.id, text="已换新屏", percent=100)
    card = (await staff.send(f"/receipt {receipt}"))[-1].text
    assert f"已列为问题 #{problem_id}" in card and "责任科室：门诊部" in card
    assert "完成时限：2026-12-31" in card and "进展 100%" in card
    problems.act(db, problem_id, "request_closure", head)
    problems.act(db, problem_id, "close", office_person)
    lookback = lookbacks_start(db, problem_id)
    lookback_job.ask(running_bot.app, lookback)
    news = await staff.wait_for("正在回头看")
    assert "/receipt" in news.text
    shown = await staff.send(f"/receipt {receipt}")
    card = shown[-1]
    assert "已销号" in card.text and "回头看" in card.text and "正在投票" in card.text
    assert {"满意", "基本满意", "不满意", "不了解"} <= set(card.labels())


def lookbacks_start(db, problem_id: int):
    from storage import lookbacks

    return lookbacks.start(db, problem_id, "30", date.today(), 7)


async def list_it(
    office,
    title: str | None = None,
    kind: str = "限期整改",
    horizon: str = "近期",
    department: str = "不指定科室",
):
    await office.press("列为问题")
    if title:
        await office.send(title)
    else:
        await office.press("使用建议的标题")
    await office.press(kind)
    await office.press(horizon)
    await office.press(department)
    return await office.press("确认")


async def test_listing_asks_a_short_title_kind_horizon_and_department_then_previews(
    running_bot, client, invited, db
):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "门诊大厅的自助机经常死机，老人不会用也没人教，排队的人越来越多，" * 3)
    await release(running_bot)
    await office.send("/inbox")
    asked = await office.press("列为问题")
    assert "自助机经常死机" in asked[-1].text and "使用建议的标题" in asked[-1].labels()[0]
    assert "不超过 40 字" in (await office.send("长" * 41))[-1].text
    await office.send("自助机常死机、无人指导")
    await office.press("立行立改")
    await office.press("中期")
    preview = (await office.press("门诊部"))[-1]
    assert "自助机常死机、无人指导" in preview.text and "立行立改 · 中期" in preview.text
    assert "涉及科室：门诊部" in preview.text and "1 位班子成员" in preview.text
    assert db.execute("select count(*) from problems").fetchone()[0] == 0  # nothing before confirming
    done = await office.press("确认")
    assert "已列为问题 #1" in done[-1].text
    row = db.execute(
        "select title, kind, horizon, d.name from problems p join departments d on d.id = p.department_id"
    ).fetchone()
    assert row == ("自助机常死机、无人指导", "immediate", "medium", "门诊部")
    assert "自助机常死机、无人指导" in (await leader.wait_for("新问题待接单")).text


async def test_a_duplicate_is_picked_from_the_latest_opinions(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "书屋开放时间太短")
    await submit_opinion(staff, "书屋晚上不开")
    await release(running_bot)
    await office.send("/inbox")
    [original] = [r[0] for r in db.execute("select id from opinions where text like '%时间太短'")]
    card = next(m for m in office.inbox if m.text and "书屋晚上不开" in m.text)
    asked = await office.press("标为重复", message=card)
    assert asked[-1].labels() == [f"#{original} 书屋开放时间太短"]  # not itself: no typing of ids
    done = await office.press(f"#{original}")
    assert f"与 #{original} 重复" in done[-1].text
    [marked] = db.execute("select duplicate_of from opinions where status = 'duplicate'").fetchall()
    assert marked[0] == original


async def forward(office, leader, text: str):
    await office.send("/inbox")
    card = next(m for m in reversed(office.inbox) if m.text and text in m.text)
    await office.press("转给领导", message=card)
    await office.press("李娜")
    return next(m for m in reversed(await leader.replies()) if m.labels())


async def test_a_leader_replies_to_a_forwarded_opinion_through_the_office(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    receipt = await submit_opinion(staff, "值班室空调坏了一个月")
    await release(running_bot)
    card = await forward(office, leader, "值班室空调")
    assert card.labels() == ["💬 回复（经活动办）", "📋 列为问题并接单", "↩️ 退回活动办"]
    await leader.press("回复（经活动办）")
    await leader.send("已通知后勤本周修好。")
    assert "李娜 回复了转去的意见" in (await office.wait_for("回复了转去的意见")).text
    cards = await office.send("/inbox")
    assert any("已通知后勤本周修好" in (m.text or "") for m in cards)  # in the office's thread
    shown = await staff.send(f"/receipt {receipt}")
    assert "已通知后勤本周修好" in shown[-1].text and "李娜" not in shown[-1].text


async def test_a_leader_lists_and_claims_or_hands_back_a_forwarded_opinion(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "值班室空调坏了一个月")
    await submit_opinion(staff, "停车场收费不透明")
    await release(running_bot)
    card = await forward(office, leader, "值班室空调")
    done = await leader.press("列为问题并接单", message=card)
    assert "由您接单" in done[-1].text and "下单" in done[-1].labels()[0]
    assert db.execute("select status, leader_id is not null from problems").fetchone() == ("claimed", 1)
    await office.wait_for("列为问题 #1 并接单")

    card = await forward(office, leader, "停车场收费")
    await leader.press("退回活动办", message=card)
    await office.wait_for("退回活动办")
    cards = await office.send("/inbox")
    back = next(m for m in cards if m.text and "停车场收费" in m.text)
    assert "转给领导" in " ".join(back.labels())  # the office's own actions again
    await leader.press_data(card.message_id, card.buttons[0][0]["callback_data"])  # an old button
    assert "不在您这里" in (await leader.callback_answer())["text"]


async def test_a_look_back_that_cannot_reach_k_tells_the_office_who_widens_it(
    running_bot, client, invited, db
):
    """门诊部 has two people: its look-back can never count 5 votes. The office hears so at
    once and widens it to everyone with one tap; someone not asked may still say 不了解."""
    from jobs import lookbacks as lookback_job
    from storage import lookbacks, problems

    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    await join(client, invited, 104, "刘洋")
    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', closed_at = '2026-11-01T02:00:00+00:00', "
        "department_id = (select id from departments where name = '门诊部') where id = ?",
        [problem_id],
    )
    db.conn.commit()
    lookback = lookbacks.start(db, problem_id, "30d", date(2026, 12, 1), 14)
    lookback_job.ask(running_bot.app, lookback)
    ask = await staff.wait_for("您对整改效果满意吗")
    warning = await office.wait_for("达不到")
    assert "只有 2 人" in warning.text and "5 票" in warning.text
    assert not any("您对整改效果满意吗" in (m.text or "") for m in leader.inbox)  # 院办 was not asked

    # 李娜 was not asked: a rating is refused, 不了解 is taken without counting
    unknown = next(b["callback_data"] for row in ask.buttons for b in row if b["text"] == "不了解")
    satisfied = next(b["callback_data"] for row in ask.buttons for b in row if b["text"] == "满意")
    await leader.press_data(leader.inbox[-1].message_id, satisfied)
    assert "不请您投票" in (await leader.callback_answer())["text"]
    await leader.press_data(leader.inbox[-1].message_id, unknown)
    assert "不计入" in (await leader.callback_answer())["text"]

    # widening to a department, a role or everyone: each previewed with how many, then confirmed
    menu = (await office.press("扩大到某科室", message=warning))[-1]
    assert {"院办", "门诊部", "组织人事科", "班子成员", "活动办", "👥 扩大到全体"} <= set(menu.labels())
    preview = previewed(await office.press("院办", message=menu))
    assert "院办" in preview.text and "新询问 1 人，共 3 人可以投票" in preview.text, preview.text
    assert not any("您对整改效果满意吗" in (m.text or "") for m in leader.inbox)  # nothing before 确认
    await office.press("确认", message=preview)
    assert "已扩大到院办，共 3 人可以投票" in (await office.wait_for("已扩大到院办")).text
    widened = await leader.wait_for("您对整改效果满意吗")
    preview = previewed(await office.press("活动办", message=menu))
    assert "新询问 1 人，共 4 人可以投票" in preview.text
    old_confirm = next(b["callback_data"] for row in preview.buttons for b in row if "确认" in b["text"])
    await office.press("取消", message=preview)
    assert "已取消" in (await office.wait_for("已取消")).text
    await office.press_data(preview.message_id, old_confirm)  # the 确认 above, after 取消
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert not any("您对整改效果满意吗" in (m.text or "") for m in office.inbox)
    preview = previewed(await office.press("扩大到全体", message=warning))
    assert "全体" in preview.text and "新询问 1 人，共 4 人可以投票" in preview.text
    await office.press("确认", message=preview)
    assert "共 4 人可以投票" in (await office.wait_for("已扩大到全体")).text
    await office.wait_for("您对整改效果满意吗")
    assert ("department", str(problem_department(db, "院办"))) in lookbacks.electorate(db, lookback.id)
    assert ("role", "office") not in lookbacks.electorate(db, lookback.id)  # cancelled: not added
    await leader.press("满意", message=widened)
    # a ballot waits in the mixing pool for k voters; a look-back that closes writes what is left
    running_bot.app.bot_data["anonymous_pool"].write_closing([lookback.id], [])
    assert lookbacks.tally(db, lookback.id)["satisfied"] == 1
    assert sum(1 for m in staff.inbox if "您对整改效果满意吗" in (m.text or "")) == 1  # not asked twice


def previewed(messages):
    """The widening preview among what came back (the outbox may deliver a notice meanwhile)."""
    return next(m for m in reversed(messages) if "扩大回头看" in (m.text or ""))


def problem_department(db, name: str) -> int:
    return db.execute("select id from departments where name = ?", [name]).fetchone()[0]


async def test_the_holder_of_a_duplicate_can_still_write_back(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "书屋开放时间太短")
    receipt = await submit_opinion(staff, "书屋晚上不开")
    await release(running_bot)
    await office.send("/inbox")
    card = next(m for m in office.inbox if m.text and "书屋晚上不开" in m.text)
    await office.press("标为重复", message=card)
    await office.press("书屋开放时间太短")
    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    assert "下一批次" in (await staff.send("我说的是周末晚上"))[-1].text
    await release(running_bot)
    cards = await office.send("/inbox")
    card = next(m for m in cards if m.text and "周末晚上" in m.text)
    assert card.labels() == ["💬 回复"]
    await office.press("回复", message=card)
    await office.send("周末晚上也延长到九点。")
    assert "周末晚上也延长" in (await staff.send(f"/receipt {receipt}"))[-1].text
