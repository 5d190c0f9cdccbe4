"""/meeting as a short conversation: name, a day from quick buttons or typed, a time, a place,
attendees tapped or typed, a preview that says how many will be told, and confirmation."""

from __future__ import annotations

from datetime import timedelta

from conftest import confirmed, join

from storage import calendar
from storage.clock import clock


async def test_a_meeting_by_buttons(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    leader = await join(client, invited, 102, "李娜")
    reply = await office.send("/meeting")
    assert "请输入会议名称" in reply[-1].text
    reply = await office.send("专题民主生活会")
    assert {"今天", "明天", "下周一", "本月底"} <= set(reply[-1].labels())
    reply = await office.press("明天")
    assert "几点开始" in reply[-1].text
    reply = await office.send("25点")
    assert "看不懂时间“25点”" in reply[-1].text  # the step is kept
    await office.send("下午2点半")
    await office.press("跳过")
    await office.press("班子成员")
    reply = await office.press("门诊部")
    assert {"✓ 班子成员", "✓ 门诊部"} <= set(reply[-1].labels())
    await office.press("✓ 门诊部")  # tapped again: undone
    reply = await office.press("选好了")
    preview = reply[-1].text
    assert "专题民主生活会" in preview and "14:30" in preview and "共 1 人" in preview
    assert calendar.upcoming(db, clock.now()) == []  # nothing before confirmation
    await office.press("确认")
    [event] = calendar.upcoming(db, clock.now())
    zone = running_bot.settings.timezone
    tomorrow = (clock.now().astimezone(zone) + timedelta(days=1)).date()
    assert event.starts_at.astimezone(zone).date() == tomorrow
    assert event.roles == ("leader",) and event.departments == ()
    await leader.wait_for("专题民主生活会")


async def test_a_meeting_typed_all_the_way(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    await office.send("/meeting")
    await office.send("动员大会")
    reply = await office.send("尽快")
    assert "看不懂“尽快”" in reply[-1].text
    reply = await office.send("12月10日 下午2点半")  # a whole moment: no time step
    assert "在哪里开" in reply[-1].text
    await office.send("礼堂")
    reply = await office.send("董事会")
    assert "不认识“董事会”" in reply[-1].text
    reply = await office.send("班子成员、门诊部")
    assert "共 3 人" in reply[-1].text and "礼堂" in reply[-1].text
    reply = await office.press("取消")
    assert calendar.upcoming(db, clock.now()) == []


async def test_the_one_liner_still_works_and_the_form_leaves_on_a_menu_tap(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    reply = await confirmed(office, "/meeting 2099-12-10 14:30 ｜ 总结大会 ｜ 礼堂")
    assert any("已加入日程" in (m.text or "") for m in reply)  # and the office, attending, is told
    await office.send("/meeting")
    await office.send("📋 整改台账")  # the menu, not a meeting called 📋 整改台账
    reply = await office.send("下周一")
    assert len(calendar.upcoming(db, clock.now())) == 1
    assert not any("几点开始" in (m.text or "") for m in reply)


async def test_a_phase_by_buttons_and_by_typing(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    reply = await office.send("/phase")
    assert "查摆问题、开展批评" in reply[-1].labels()
    await office.press("查摆问题、开展批评")
    await office.press("明天")
    reply = await office.send("昨天")
    assert "看不懂“昨天”" in reply[-1].text
    reply = await office.send("两个月")
    assert "阶段预览" in reply[-1].text and calendar.upcoming(db, clock.now()) == []
    await office.press("确认")
    [phase] = [e for e in calendar.upcoming(db, clock.now()) if e.kind == "phase"]
    zone = running_bot.settings.timezone
    assert phase.title == "查摆问题、开展批评"
    assert phase.starts_at.astimezone(zone).strftime("%H:%M") == "00:00"
    assert phase.ends_at.astimezone(zone).strftime("%H:%M") == "23:59"
    reply = await confirmed(office, "/phase 2099-12-01 ｜ 2099-12-31 ｜ 整改落实、建章立制")
    assert "已加入日程" in reply[-1].text


async def test_a_rating_sheet_by_buttons(running_bot, client, invited, db):
    from storage import evaluations

    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    reply = await office.send("/newsheet")
    suggestion = reply[-1].labels()[0]
    assert "年度民主评议" in suggestion
    await office.press(suggestion)
    reply = await office.press("选好了")  # nothing chosen yet
    assert "还没有选评议对象" in reply[-1].text
    await office.press("班子成员")
    await office.press("门诊部")
    reply = await office.press("选好了")
    assert "2 个评议对象" in reply[-1].text  # 李娜 and 门诊部
    reply = await office.send("昨天")
    assert "看不懂截止时间" in reply[-1].text
    await office.press("本月底")
    await office.press("门诊部")
    reply = await office.press("选好了")
    preview = reply[-1].text
    assert "李娜（院办）" in preview and "17:30" in preview and "门诊部（2 人" in preview
    assert evaluations.get(db, 1) is None
    reply = await office.press("确认")
    assert "已邀请 2 人参评" in reply[-1].text
    await staff.wait_for("请参加民主评议")


async def test_a_rating_sheet_typed(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    await office.send("/newsheet")
    await office.send("2099年度科室负责人评议")
    reply = await office.send("张三")
    assert "不认识评议对象“张三”" in reply[-1].text
    await office.send("刘洋")
    await office.send("2099-12-10 17:00")
    reply = await office.send("全体")
    assert "（4 人" in reply[-1].text
    reply = await office.press("取消")
    assert "已取消" in reply[-1].text


async def test_assign_without_a_number_offers_the_problems_waiting(running_bot, client, invited, db):
    from storage import problems

    office = await join(client, invited, 103, "王芳")
    leader = await join(client, invited, 102, "李娜")
    assert "没有待接单的问题" in (await office.send("/assign"))[-1].text
    first = problems.create(db, "自行车棚漏雨", None)
    problems.create(db, "食堂排队长" * 20, None)  # a long title is shortened on its button
    reply = await office.send("/assign")
    labels = reply[-1].labels()
    assert labels[0] == f"#{first} 自行车棚漏雨" and all(len(label) <= 60 for label in labels)
    reply = await office.press(f"#{first} 自行车棚漏雨")
    assert "指定哪位领导负责" in reply[-1].text
    await office.press("李娜")
    await leader.wait_for(f"指定您负责 #{first}")
    assert problems.get(db, first).leader == "李娜"


async def test_a_self_check_request_by_buttons(running_bot, client, invited, db):
    from storage import self_checks

    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    reply = await office.send("/selfcheck")
    assert "门诊部" in reply[-1].labels()
    await office.press("门诊部")
    reply = await office.send("昨天")
    assert "看不懂“昨天”" in reply[-1].text
    await office.press("本月底")
    reply = await office.send("无此人")
    assert "无此人" in reply[-1].text
    reply = await office.press("按默认规则")
    assert "门诊部" in reply[-1].text and self_checks.listing(db) == []
    await office.press("确认")
    assert len(self_checks.listing(db)) == 1
    await head.wait_for("自查")


async def test_lookback_without_a_number_offers_the_closed_problems_and_asks(
    running_bot, client, invited, db
):
    from storage import people, problems

    office = await join(client, invited, 103, "王芳")
    assert "还没有已销号的问题" in (await office.send("/lookback"))[-1].text
    problem_id = problems.create(db, "候诊区座椅不足", None)
    head = next(p for p in people.everyone(db) if p.name == "刘洋")
    db.execute(
        "update problems set status = 'closed', department_id = ?, measures = '增加座椅', "
        "deadline = '2026-10-30', closed_at = '2026-11-01T02:00:00+00:00' where id = ?",
        [head.department_id, problem_id],
    )
    db.conn.commit()
    reply = await office.send("/lookback")
    reply = await office.press(f"#{problem_id} 候诊区座椅不足")
    assert "确认发起吗" in reply[-1].text
    asked = reply[-1]
    old_confirm = next(b["callback_data"] for row in asked.buttons for b in row if "确认" in b["text"])
    await office.press("取消", message=asked)
    await office.press_data(asked.message_id, old_confirm)  # the 确认 above, after 取消
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert db.execute("select count(*) from lookbacks").fetchone()[0] == 0  # nothing before 确认
    reply = await office.press(f"#{problem_id} 候诊区座椅不足")
    reply = await office.press("确认", message=reply[-1])
    assert any(f"#{problem_id} 的回头看已发起" in (m.text or "") for m in reply)
    assert db.execute("select count(*) from lookbacks").fetchone()[0] == 1
