"""A menu that fits a phone (six daily buttons a role and 更多), and taps that mean what they say:
a menu tap in the middle of a typed step leaves the step and opens what was tapped."""

from __future__ import annotations

from conftest import join

from handlers import menu
from storage import problems
from storage.people import HEAD, LEADER, OFFICE, STAFF, Person
from texts import say


def person(*roles: str) -> Person:
    return Person(1, "某人", 1, "门诊部", frozenset({STAFF, *roles}), 1, 1, "zh-CN", True, True)


def test_every_role_gets_at_most_six_daily_buttons_and_the_rest_under_more():
    for roles in [
        (),
        (HEAD,),
        (LEADER,),
        (OFFICE,),
        (HEAD, LEADER),
        (LEADER, OFFICE),
        (HEAD, LEADER, OFFICE),
    ]:
        who = person(*roles)
        daily, more = menu.daily_and_more(who)
        assert len(daily) <= menu.MAX_DAILY
        every = [(c, b) for c, b in menu.entries_for(who) if b]
        assert sorted(daily + more) == sorted(every)  # nothing lost, nothing twice
        rows = menu.keyboard(who, "zh-CN").keyboard
        assert sum(len(r) for r in rows) == len(daily) + bool(more) and len(rows) <= 4


async def test_more_opens_the_rest_inline_and_a_tap_there_opens_it(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    reply = await office.send("⋯ 更多")
    assert {"📥 导入名单", "✉️ 生成邀请", "👥 人员名单", "🔑 回执查询", "❓ 帮助"} <= set(reply[-1].labels())
    reply = await office.press("📥 导入名单")
    assert "请发送人员名单文件" in reply[-1].text
    reply = await office.send("/cancel")
    await office.send("⋯ 更多")
    reply = await office.press("👥 人员名单")
    assert "张伟" in reply[-1].text


async def test_a_stale_or_forged_more_button_is_refused_politely(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/start")
    reply = await staff.press_data(1, "mm:roster")  # not staff's: refused, nothing opened
    assert not any("请发送人员名单" in (m.text or "") for m in reply)


async def test_a_menu_tap_in_the_middle_of_a_typed_step_opens_what_was_tapped(
    running_bot, client, invited, db
):
    office = await join(client, invited, 103, "王芳")
    await office.send("/newproblem")
    reply = await office.send("📋 整改台账")  # the title step, and the ledger tapped
    assert "问题清单还是空的" in reply[-1].text and problems.count(db) == 0  # the ledger, opened
    # the step was left: typed text is no longer taken as a title
    reply = await office.send("门诊挂号排队时间长")
    assert problems.count(db) == 0
    # and in English, the same
    await office.send("/newproblem")
    await office.send("📋 Ledger")
    assert problems.count(db) == 0


async def test_a_menu_tap_leaves_an_opinion_draft(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("门诊部")
    reply = await staff.send("👤 我的信息")  # at the writing step
    assert "门诊部" in reply[-1].text
    reply = await staff.send("会议太多")
    assert not any("预览" in (m.text or "") or "照片" in (m.text or "") for m in reply)


# ---- typing instead of tapping -----------------------------------------------------------


def test_typed_text_matches_a_button_in_normalised_form():
    from handlers.typed_choice import match

    offered = {"门诊部": "1", "住院部": "2", "形式主义": "c0", "不指定科室": "0"}
    for typed, value in [
        ("门诊部", "1"),
        (" 门诊 部 ", "1"),
        ("门诊部。", "1"),
        ("门\u200b诊部", "1"),
        ("ｍ", None),
        ("门诊", None),
        ("形式主义", "c0"),
        ("不指定科室", "0"),
        ("", None),
    ]:
        assert match(typed, offered) == value, typed


async def test_an_opinion_by_typing_category_and_department(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    reply = await staff.send("会议太多")  # not a category: pointed at the buttons, step kept
    assert "请点上方按钮选择" in reply[-1].text
    await staff.send("形式主义")
    reply = await staff.send("门诊 部")
    assert "请输入意见内容" in reply[-1].text
    reply = await staff.send("会议太多，文件太多")  # now the text step
    assert "可以发送图片作为佐证" in reply[-1].text


async def test_a_leader_types_the_department_at_dispatch(running_bot, client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    problem_id = problems.create(db, "门诊挂号排队时间长", None)
    await leader.send("/claim")
    await leader.press("接单")
    await leader.press("下单")
    await leader.send("增设自助挂号机")
    reply = await leader.send("外科")
    assert "请点上方按钮选择，或直接输入科室名称" in reply[-1].text
    reply = await leader.send("门诊部")
    assert reply[-1].text.startswith(say("zh-CN", "dispatch.deadline", department="门诊部")[:8])
    reply = await leader.send("两周")
    assert "门诊部" in reply[-1].text and "增设自助挂号机" in reply[-1].text
    await leader.press("确认")
    assert problems.get(db, problem_id).department == "门诊部"


async def test_a_new_problem_by_typing_where_buttons_are_offered(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    await office.send("/newproblem")
    await office.send("门诊挂号排队时间长")
    await office.send("-")
    reply = await office.send("尽快")  # not one of 立行立改 / 限期整改 / 长期坚持
    assert "请点上方按钮选择" in reply[-1].text and problems.count(db) == 0
    reply = await office.send("限期整改")
    assert "近期" in reply[-1].labels()
    reply = await office.send("中期")
    [problem] = [problems.get(db, 1)]
    assert (problem.title, problem.kind, problem.horizon) == ("门诊挂号排队时间长", "deadline", "medium")
