"""The office's inbox pages through the opinions pending when it was opened: 第 n/N 页 and
共 T 条 stay as they were at /inbox, ◀ 上一页 goes back to the same cards, and opinions that
arrive meanwhile are announced on the page rather than shifting the count (the first walk saw
第1页/共3页 then 第2页/共4页). /inbox again starts a new round that includes them.

Fast tier (tests/fast.py)."""

from __future__ import annotations

from datetime import date

from conftest import join
from test_opinion_box_trust import card_ids as _cards
from test_opinion_box_trust import seed_opinions


async def test_paging_forward_and_back_keeps_its_count_and_says_what_arrived(fast_bot, fast_client, invited):
    from jobs import opinion_batches

    office = await join(fast_client, invited, 103, "王芳")
    first = seed_opinions(fast_bot, 12, date(2026, 3, 2))
    await opinion_batches.release_to_office(fast_bot.app)
    opened = await office.send("/inbox")
    page_one = _cards(opened)
    assert len(page_one) == 5 and "第 1/3 页，共 12 条待处理" in opened[-1].text, opened[-1].text

    # three more arrive while the office reads: a day before, inside, and after the first ones
    later = seed_opinions(fast_bot, 3, date(2026, 3, 1))
    await opinion_batches.release_to_office(fast_bot.app)
    shown = await office.press("下一页")
    page_two = _cards(shown)
    assert "第 2/3 页，共 12 条待处理" in shown[-1].text, shown[-1].text
    assert "又到了 3 条新意见" in shown[-1].text and "/inbox" in shown[-1].text, shown[-1].text
    assert len(page_two) == 5 and not set(page_two) & (set(page_one) | set(later))

    back = await office.press("上一页")
    assert _cards(back) == page_one
    assert "第 1/3 页，共 12 条待处理" in back[-1].text, back[-1].text
    assert "上一页" not in " ".join(back[-1].labels())
    assert _cards(await office.press("下一页")) == page_two
    last = await office.press("下一页")
    assert "第 3/3 页，共 12 条待处理" in last[-1].text and "下一页" not in " ".join(last[-1].labels())
    assert sorted(page_one + page_two + _cards(last)) == sorted(first)  # each once, none of the new
    stale = last[-1]

    again = await office.send("/inbox")
    assert "第 1/3 页，共 15 条待处理" in again[-1].text and "又到了" not in again[-1].text, again[-1].text
    old_back = next(b["callback_data"] for row in stale.buttons for b in row if "上一页" in b["text"])
    nothing = await office.press_data(stale.message_id, old_back)  # a page of the first round
    assert not _cards(nothing)
    assert "/inbox" in (await office.callback_answer())["text"]


async def test_an_inbox_of_one_page_says_one_of_one_and_offers_no_paging(fast_bot, fast_client, invited):
    from jobs import opinion_batches

    office = await join(fast_client, invited, 103, "王芳")
    seed_opinions(fast_bot, 3, date(2026, 3, 2))
    await opinion_batches.release_to_office(fast_bot.app)
    opened = await office.send("/inbox")
    assert "第 1/1 页，共 3 条待处理" in opened[-1].text and not opened[-1].buttons
