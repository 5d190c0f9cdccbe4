"""Flows split out of another (closures from listing, handlers/__init__.py registers the split-out
one first): a button of the split-out flow tapped in the middle of the other asks its question,
and what is typed next answers that question, as when they were one conversation.

Fast tier (tests/fast.py)."""

from __future__ import annotations

from conftest import join

from storage import problems


async def test_a_return_tapped_while_listing_a_problem_takes_the_comment_typed_next(
    fast_bot, fast_client, invited, db
):
    leader = await join(fast_client, invited, 102, "李娜")
    office = await join(fast_client, invited, 103, "王芳")
    head = await join(fast_client, invited, 104, "刘洋")
    problem_id = problems.create(db, "车棚顶棚漏雨", None)
    await leader.send("/claim")
    await leader.press("接单")
    await leader.press("下单")
    await leader.send("更换车棚顶棚")
    await leader.press("门诊部")
    await leader.send("2099-12-31")
    await leader.press("确认")
    await head.send("/tasks")
    await head.press("申请销号")
    await head.send("顶棚已更换")
    await office.wait_for(f"申请销号 #{problem_id}")

    asked = await office.send("/newproblem")  # the office starts listing a problem by hand
    assert asked and problems.count(db, problems.AWAITING_CLOSURE) == 1
    await office.send("/closures")
    await office.press("退回")
    await office.send("顶棚仍有缝隙，请补胶")
    returned = await head.wait_for("被退回整改")
    assert "补胶" in returned.text
    assert problems.get(db, problem_id).status != "closure_requested"
    assert [p.title for p in problems.each(db)] == ["车棚顶棚漏雨"]  # the comment listed nothing
