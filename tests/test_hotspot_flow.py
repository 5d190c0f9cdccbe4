"""Hotspots end to end: the office sees a group of similar opinions as one card, opens it,
takes one out, and lists the group as one problem linked to every opinion in it."""

from __future__ import annotations

from datetime import date

from conftest import join, submit_opinion

from jobs import opinion_batches
from storage import hotspots, opinions, problems
from storage.opinions import Draft

SHED = [
    "自行车棚太乱了，车子东倒西歪，早上根本推不进去。",
    "腳踏車棚裡面堆滿了廢舊自行車，好幾年都沒人騎，建議統一清理。",
    "车棚里的僵尸车太多了🚲🚲，新来的同事只能把车停在路边。",
    "职工车棚的废旧车辆什么时候清理？已经反映过两次了。",
]


async def test_the_office_sees_one_card_opens_it_and_lists_one_problem(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    head = await join(client, invited, 104, "刘洋")
    office = await join(client, invited, 103, "王芳")
    receipts = [await submit_opinion(staff, SHED[0]), await submit_opinion(head, SHED[1])]
    keys = running_bot.app.bot_data["keys"]
    for text in SHED[2:]:  # more of the same, as if from others
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    await submit_opinion(staff, "食堂的菜太咸了")
    await opinion_batches.release_to_office(running_bot.app)

    shown = await office.send("/inbox")
    [card] = [m for m in shown if m.text and "反映了类似问题" in m.text]
    assert "4 条意见反映了类似问题" in card.text and "门诊部" in card.text
    assert not any("1 条意见反映" in (m.text or "") for m in shown)  # a lone opinion is no hotspot

    members = await office.press("展开各条意见")
    assert all(f"#{opinions.by_receipt(db, keys, r).id}" in members[-1].text for r in receipts)
    taken = opinions.by_receipt(db, keys, receipts[1]).id
    done = await office.press(f"拆出 #{taken}")
    assert "单独成组" in done[-1].text
    assert hotspots.get(db, hotspots.group_of(db, taken)).size == 1
    await office.press_data(members[-1].message_id, f"hs:s:{taken}")  # an old button, again
    assert "已经单独成组" in (await office.callback_answer())["text"]

    cards = await office.send("/hotspots")
    assert "3 条意见反映了类似问题" in cards[-1].text
    await office.press("列为一个问题")
    asked = office.inbox[-1]
    assert "3 条意见列为<b>一个</b>问题" in asked.text
    listed = await office.press("确认")
    assert "关联 3 条意见" in listed[-1].text
    first = opinions.by_receipt(db, keys, receipts[0]).id
    problem_id = problems.problem_of_opinion(db, first)
    assert problem_id is not None
    group = hotspots.members(db, hotspots.group_of(db, first))
    assert {problems.problem_of_opinion(db, o) for o in group} == {problem_id}
    assert problems.problem_of_opinion(db, taken) is None  # taken out: not linked
    await office.press("确认", message=asked)  # twice
    assert "都已列为问题" in (await office.callback_answer())["text"]
    # every receipt of the group leads to the one problem
    card = await staff.send(f"/receipt {receipts[0]}")
    assert "已列为问题" in card[-1].text and f"#{problem_id}" in card[-1].text
    apart = await head.send(f"/receipt {receipts[1]}")  # the one taken out is not on it
    assert "已列为问题" not in apart[-1].text


async def test_the_office_reaches_hotspots_from_more_and_staff_do_not(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    more = await office.send("⋯ 更多")
    assert "🔥 意见热点" in more[-1].labels()
    opened = await office.press("🔥 意见热点")
    assert "目前没有两条以上反映类似问题的待处理意见" in opened[-1].text
    staff = await join(client, invited, 101, "张伟")
    more = await staff.send("⋯ 更多")
    assert "🔥 意见热点" not in more[-1].labels()
    typed = await staff.send("🔥 意见热点")  # the label typed by someone who is not the office
    assert not any("反映类似问题" in (m.text or "") for m in typed)
