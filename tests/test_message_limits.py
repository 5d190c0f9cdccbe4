"""Every message built from user text fits Telegram's limits (counted in UTF-16 units; an emoji
outside the BMP counts twice): the longest allowed inputs, and all-emoji inputs, go through
each template over the fake Bot API, which refuses what Telegram would refuse. Nothing a person
wrote is cut: what does not fit one message comes in several."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from conftest import join

from jobs import delivery, opinion_batches
from storage import problems
from storage.clock import clock
from texts import fit

EMOJI = "😀"
LIMIT = 2000  # OPINION_MAX_CHARS' default


def longest(kind: str, length: int) -> str:
    return {"emoji": EMOJI * length, "chinese": "长" * length, "html": "&<>" * (length // 3)}[kind]


def visible(messages) -> str:
    """What the new messages say, tags and entities undone (as Telegram shows it)."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", m.text or "")) for m in messages if m.kind == "sent")


@pytest.mark.parametrize("kind", ["emoji", "chinese", "html"])
async def test_the_opinion_box_at_its_limits(running_bot, client, invited, server, kind):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    text = longest(kind, LIMIT)
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("门诊部")
    await staff.send(text)
    preview = await staff.press("完成，预览")
    assert text in visible(preview).replace("\n", "")  # the whole text, in as many messages as it takes
    receipt = (await staff.press("提交"))[-1].text
    assert "回执码" in receipt
    code = receipt.split("<code>")[1].split("</code>")[0]
    await opinion_batches.release_to_office(running_bot.app)

    cards = await office.send("/inbox")
    assert text in visible(cards).replace("\n", "")
    await office.press("回复")
    answer = longest(kind, LIMIT)
    await office.send(answer)
    shown = await staff.send(f"/receipt {code}")
    assert visible(shown).replace("\n", "").count(answer) == 2  # the text and the reply, both whole

    await office.send("/inbox")
    await office.press("转给领导")
    await office.press("李娜")
    got = await leader.replies()
    assert text in visible(got).replace("\n", "")
    assert all(fit.units(m.text or "") <= fit.TEXT_LIMIT for m in cards + shown + got)
    assert server.api.refusals() == []


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("kind", ["emoji", "chinese"])
async def test_a_self_check_of_three_long_parts_reaches_author_and_reviewer(running_bot, client, invited,
                                                                            db, server, kind):
    clock.freeze(datetime.combine(date(2026, 11, 30), time(10), tzinfo=SHANGHAI))
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    leader = await join(client, invited, 102, "李娜")
    problem_id = problems.create(db, "挂号排队时间长", None)
    db.execute("update problems set leader_id = (select id from people where name = '李娜'), "
               "department_id = (select id from departments where name = '门诊部'), status = 'claimed' "
               "where id = ?", [problem_id])
    db.conn.commit()
    await office.send("/selfcheck 门诊部 2026-12-04")
    while await delivery.send_due(running_bot.app):
        pass
    await head.wait_for("提交自查报告")
    await head.press("写自查报告")
    parts = [longest(kind, 1500) for _ in range(3)]  # 1,500 each: 4,535 in one message before
    await head.send(parts[0])
    await head.send(parts[1])
    preview = await head.send(parts[2])
    assert visible(preview).replace("\n", "").count(parts[0]) == 3
    assert "已提交" in (await head.press("提交"))[-1].text
    while await delivery.send_due(running_bot.app):
        pass
    await leader.wait_for("提交了自查报告")
    card = await leader.press("查看")
    assert visible(card).replace("\n", "").count(parts[0]) == 3
    assert "通过" in " ".join(card[-1].labels())
    assert server.api.refusals() == []
