"""Hotspots with a month of opinions: every group, every member of a large group and every group
to merge into or move to is reachable, page by page. Before, /hotspots showed the 5 largest
groups and said "send /hotspots" to see them (the same 5 again), an opened group listed 20 of
its opinions and "另有 N 条未列出" with no way to split or move the rest, and the merge and move
pickers offered the 8 largest groups only: with 462 opinions (the blind set) in one box, the
office could reach 5 of some 60 groups.

Fast tier (tests/fast.py): the groups are made by the office's own merges and splits through
storage, so their sizes are exact whatever the grouping would have made of the texts."""

from __future__ import annotations

from datetime import date

from conftest import join

from callbacks import HOTSPOT_MEMBERS_PAGE, HOTSPOT_PAGE
from jobs import opinion_batches
from storage import hotspots, opinions
from storage.opinions import Draft

PLACES = ["门诊", "病房", "食堂", "车棚", "电梯", "药房", "机房", "后勤", "宿舍", "会议室"]


async def box_of(fast_bot, count: int) -> list[str]:
    """`count` released opinions, each in a group of its own (the office's splits)."""
    keys = fast_bot.app.bot_data["keys"]
    for n in range(count):
        text = f"第{n}条：{PLACES[n % len(PLACES)]}的问题{n * 7919 % 1000}号，一直没有解决"
        opinions.submit(fast_bot.db, Draft(category="其他", text=text), None, keys, date.today())
    await opinion_batches.release_to_office(fast_bot.app)
    ids = [r[0] for r in fast_bot.db.execute("select id from opinions order by id")]
    for opinion_id in ids:
        group_id = hotspots.group_of(fast_bot.db, opinion_id)
        if group_id is None or hotspots.size(fast_bot.db, group_id) > 1:
            hotspots.split(fast_bot.db, [opinion_id], 1)
    return ids


def grouped(db, ids: list[str], sizes: list[int]) -> list[str]:
    """Groups of these sizes made of the first opinions, by merges; returns their ids."""
    made, left = [], iter(ids)
    for size in sizes:
        members = [next(left) for _ in range(size)]
        into = hotspots.group_of(db, members[0])
        for other in members[1:]:
            hotspots.merge(db, into, hotspots.group_of(db, other), 1)
        made.append(into)
    return made


def cards_in(messages) -> list[str]:
    return [
        m.buttons[0][0]["callback_data"].split(":")[-1]
        for m in messages
        if "反映了类似问题" in (m.text or "")
    ]


async def test_the_office_pages_through_every_hotspot(fast_bot, fast_client, invited):
    office = await join(fast_client, invited, 103, "王芳")
    ids = await box_of(fast_bot, 40)
    groups = grouped(fast_bot.db, ids, [2] * 12)

    seen, page = [], await office.send("/hotspots")
    for number in (1, 2, 3):
        footer = page[-1]
        assert f"第 {number}/3 页，共 12 组" in footer.text, footer.text
        seen += cards_in(page)
        if number < 3:
            page = await office.press("下一页", message=footer)
    assert not footer.buttons  # the last page has no next
    assert sorted(seen) == sorted(groups) and len(seen) == 12  # each group once

    inbox = await office.send("/inbox")
    assert any("以上是最大的 5 组，共 12 组" in (m.text or "") for m in inbox)

    await office.press_data(footer.message_id, HOTSPOT_PAGE.data(9))  # an old page, groups gone
    assert "这一页已经没有了" in office.inbox[-1].text
    await office.press_data(footer.message_id, "hs:pg:0")  # forged: there is no page 0
    assert "按钮已失效" in (await office.callback_answer())["text"]


async def test_a_large_group_opens_page_by_page_and_its_last_opinion_can_be_split(
    fast_bot, fast_client, invited
):
    office = await join(fast_client, invited, 103, "王芳")
    ids = await box_of(fast_bot, 46)
    [bike_shed] = grouped(fast_bot.db, ids, [45])

    cards = await office.send("/hotspots")
    shown = await office.press("展开各条意见", message=[m for m in cards if "45 条意见" in (m.text or "")][0])
    listed: list[str] = []
    for first, last in ((1, 20), (21, 40), (41, 45)):
        page = shown[-1]
        assert f"这一组的 45 条意见</b>（第 {first}–{last} 条）" in page.text, page.text
        splits = [b["text"] for row in page.buttons for b in row if "拆出" in b["text"]]
        assert len(splits) == last - first + 1
        listed += [s.split("#")[1] for s in splits]
        if last < 45:
            assert f"另有 {45 - last} 条" in page.text
            shown = await office.press("下一页", message=page)
    assert not any("下一页" in b["text"] for row in page.buttons for b in row)
    assert sorted(listed) == sorted(hotspots.members(fast_bot.db, bike_shed))  # each once

    done = await office.press(f"拆出 #{listed[-1]}", message=page)
    assert "单独成组" in done[-1].text and hotspots.size(fast_bot.db, bike_shed) == 44
    await office.press_data(page.message_id, HOTSPOT_MEMBERS_PAGE.data(bike_shed, 3))  # page 3 again
    assert "第 41–44 条" in office.inbox[-1].text  # what is there now


async def test_merge_and_move_offer_every_group_page_by_page(fast_bot, fast_client, invited):
    office = await join(fast_client, invited, 103, "王芳")
    ids = await box_of(fast_bot, 44)
    groups = grouped(fast_bot.db, ids, [3] + [2] * 11)  # and 19 opinions alone: 31 groups in all
    everyone = {g for g, _, _ in hotspots.largest_open(fast_bot.db, 100)}
    assert len(everyone) == 31

    cards = await office.send("/hotspots")
    largest = [m for m in cards if "3 条意见" in (m.text or "")][0]
    picker = (await office.press("并入另一组", message=largest))[-1]
    offered: set[str] = set()
    for number in (2, 3, 4, 5):
        rows = [b for row in picker.buttons for b in row]
        offered |= {
            b["callback_data"].split(":")[-1] for b in rows if b["callback_data"].startswith("hs:mg:")
        }
        more = [b["text"] for b in rows if "更多组" in b["text"]]
        if number == 5:
            assert not more
            break
        assert more == [f"更多组 ▶（第 {number}/4 页）"], more
        await office.press(more[0], message=picker)
        picker = office.inbox[-1]  # the same message, its buttons replaced
    assert offered == everyone - {groups[0]}  # every other group, the group itself never

    last_one = [b for row in picker.buttons for b in row][-1]
    target = last_one["callback_data"].split(":")[-1]
    merged = await office.press_data(picker.message_id, last_one["callback_data"])  # that very button
    assert "已合并" in merged[-1].text and hotspots.size(fast_bot.db, target) == 4

    # moving one opinion: its own group is left out, the rest reachable the same way
    second = [m for m in cards if "反映了类似问题" in (m.text or "")][1]
    mover = hotspots.members(fast_bot.db, cards_in([second])[0])[0]
    opened = await office.press("展开各条意见", message=second)
    picker = (await office.press(f"移动 #{mover}", message=opened[-1]))[-1]
    pages = 1
    while any("更多组" in b["text"] for row in picker.buttons for b in row):
        await office.press("更多组", message=picker)
        picker, pages = office.inbox[-1], pages + 1
    assert pages == 4  # 30 groups now, 8 a page
