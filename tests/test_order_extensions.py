"""A 督办 problem's deadline is bounded by the bureau's: the leader cannot dispatch it past the
order's date (tests/test_third_walk.py), and now neither can an extension move it there. The
department asked ⏳ 申请延期 to a day after the bureau's, the leader approved, and the
institution planned to a date after the bureau's 告诫 and 约谈 had gone out.

Fast tier (tests/fast.py), over the in-process fake Bot API."""

from __future__ import annotations

from datetime import date

from test_supervision import confirmed, county, everyone_joins, view

from storage import problems


async def test_an_extension_of_an_ordered_problem_stops_at_the_bureaus_date(fast_bot, fast_client, db_path):
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    leader, head = people["甲院长"], people["甲主任"]
    await confirmed(people["周督导"], "/order 甲医院 2099-12-14 家庭医生签约服务履约率低")
    await leader.press("接单", message=await leader.wait_for("新问题待接单"))
    await leader.press("下单")
    await leader.send("提高签约履约率")
    await leader.press("门诊部")
    await leader.send("2099-12-10")
    await leader.press("确认")
    unit_db = view(fast_bot, "甲医院").bot_data["db"]
    problem = problems.get(
        unit_db, unit_db.execute("select id from problems where title like ?", ["%家庭医生%"]).fetchone()[0]
    )
    assert problem.deadline == date(2099, 12, 10)

    await head.send("/tasks")
    await head.press("申请延期")
    asked = await head.send("签约居民随访需要更多时间")
    assert "督导组要求 2099-12-14 前办结" in asked[-1].text, asked[-1].text
    late = await head.send("2099-12-31")
    assert "2099-12-31 晚于它" in late[-1].text and "不晚于 2099-12-14" in late[-1].text, late[-1].text
    confirm = (await head.send("2099-12-14"))[-1]
    assert "2099-12-10 → 2099-12-14" in confirm.text, confirm.text
    await head.press("提交申请", message=confirm)
    await leader.press("批准延期", message=await leader.wait_for("申请延期"))
    assert problems.get(unit_db, problem.id).deadline == date(2099, 12, 14)

    await head.send("/tasks")
    bound = await head.press("申请延期")
    assert "不能再延期" in bound[-1].text and "2099-12-14" in bound[-1].text, bound[-1].text
    assert "理由" not in bound[-1].text  # not asked for a reason it cannot use
    assert problems.get(unit_db, problem.id).deadline == date(2099, 12, 14)


async def test_an_ordinary_problems_extension_is_the_leaders_as_before(fast_bot, fast_client, db_path):
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    leader, head = people["甲院长"], people["甲主任"]
    problems.create(view(fast_bot, "甲医院").bot_data["db"], "食堂排队太久", None)
    await leader.press("接单", message=(await leader.send("/claim"))[-1])
    await leader.press("下单")
    await leader.send("增设窗口")
    await leader.press("门诊部")
    await leader.send("2099-12-10")
    await leader.press("确认")
    await head.send("/tasks")
    await head.press("申请延期")
    asked = await head.send("窗口改造要等设备")
    assert "督导组" not in asked[-1].text, asked[-1].text
    confirm = (await head.send("2099-12-31"))[-1]
    assert "2099-12-10 → 2099-12-31" in confirm.text, confirm.text
