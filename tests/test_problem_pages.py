"""A leader's 待接单 and 我的问题, a head's 本科室任务 and the office's 待销号 reach every problem,
page by page. Before, each showed its first 10 cards and "……另有 15 项未列出，完整清单见 /ledger
或 /export": the ledger's cards carry no buttons, so a head with 25 tasks could report on 10 of
them, and a leader after a meeting's 60 findings could claim 10 at a time only by claiming.

Fast tier (tests/fast.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conftest import join
from test_digest_screen import dispatched, who  # a problem dispatched to 刘洋's department

from callbacks import CLAIM_PAGE
from storage import problems

DUE = date(2099, 1, 1)
NONE_TO_CLAIM = "目前没有待接单的问题。"
CARD = re.compile(r"\S+ <b>#(\d+) ")


def numbers_in(messages) -> list[int]:
    """The problems whose cards these messages are (a card opens with its light and <b>#N)."""
    return [int(found.group(1)) for m in messages if (found := CARD.match(m.text or ""))]


async def page_through(person, first, pages: int, total: int) -> list[int]:
    """Every page from the first, by 下一页; the cards' problems in order."""
    seen, shown = [], first
    for page in range(1, pages + 1):
        footer = shown[-1]
        assert f"第 {page} 页，共 {total} 项" in footer.text, footer.text
        seen += numbers_in(shown)
        if page < pages:
            shown = await person.press("下一页", message=footer)
    assert not footer.buttons  # the last page has no next
    return seen


async def test_a_leader_claims_from_the_third_page(fast_bot, fast_client, invited):
    db = fast_bot.db
    leader = await join(fast_client, invited, 102, "李娜")
    listed = [problems.create(db, f"民主生活会查摆问题{n}", None) for n in range(25)]

    seen = await page_through(leader, await leader.send("/claim"), 3, 25)
    assert sorted(seen) == sorted(listed) and len(seen) == 25  # each once, none left out

    last = seen[-1]
    await leader.press("接单", message=next(m for m in leader.inbox if f":{last}" in str(m.buttons)))
    assert problems.get(db, last).leader_id == who(db, "李娜").id

    # a page button from before the list emptied: said, not a silent nothing
    for number in listed:
        if problems.get(db, number).status == problems.LISTED:
            problems.claim(db, number, who(db, "李娜"))
    stale = CLAIM_PAGE.data(2, problems.After(None, listed[9]).token())
    await leader.press_data(leader.inbox[-1].message_id, stale)
    assert "后面已经没有了" in leader.inbox[-1].text
    assert (await leader.send("/claim"))[-1].text == NONE_TO_CLAIM  # and from the start: none


async def test_a_head_reports_on_the_twelfth_task_and_the_office_closes_from_page_two(
    fast_bot, fast_client, invited
):
    db = fast_bot.db
    head = await join(fast_client, invited, 104, "刘洋")
    office = await join(fast_client, invited, 103, "王芳")
    tasks = [dispatched(db, f"整改任务{n}", DUE + timedelta(days=n)) for n in range(12)]

    seen = await page_through(head, await head.send("/tasks"), 2, 12)
    assert seen == tasks  # deadline order, each once
    page_two = [m for m in head.inbox if f":{tasks[-1]}" in str(m.buttons)]
    assert any("报告进展" in b["text"] for row in page_two[-1].buttons for b in row)

    for number in tasks:
        problems.act(db, number, "request_closure", who(db, "刘洋"))
    seen = await page_through(office, await office.send("/closures"), 2, 12)
    assert sorted(seen) == sorted(tasks)

    mine = await join(fast_client, invited, 102, "李娜")
    shown = await mine.send("/mine")
    assert "第 1 页，共 12 项" in shown[-1].text and len(numbers_in(shown)) == 10
