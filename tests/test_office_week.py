"""The campaign office's week (活动办) at a real volume: what one screen counts, another says
the same; what the office lists is off its inbox; an act that tells many people previews first."""

from __future__ import annotations

import re
from datetime import date

from conftest import join, submit_opinion

from jobs import opinion_batches
from storage import opinions
from storage.opinions import Draft

CANTEEN = [
    "职工食堂晚餐菜品单一，夜班同事下班后吃不上热饭。",
    "食堂晚上的菜总是那几样，夜班职工吃不上热饭菜。",
    "夜班下班食堂已经关门，职工吃不上热饭，建议延长供餐。",
    "食堂晚餐品种太少，夜班职工经常吃不上热饭。",
    "夜班职工吃不上热饭，食堂晚餐能不能多几个菜。",
]


async def test_a_hotspot_listed_before_the_inbox_was_opened_leaves_the_inbox(
    running_bot, client, invited, db
):
    """Monday: the office lists the canteen group from 🔥 意见热点 without opening each opinion.
    The inbox then counts only what is still to handle (as the digest does), and does not show
    the group's opinions again as 待处理 to be listed twice."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    keys = running_bot.app.bot_data["keys"]
    for text in CANTEEN:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    await submit_opinion(staff, "门诊二楼的饮水机坏了一周了。")
    await opinion_batches.release_to_office(running_bot.app)

    await office.send("/hotspots")
    await office.press("列为一个问题")
    listed = await office.press("确认")
    assert "关联 5 条意见" in listed[-1].text

    shown = await office.send("/inbox")
    pending = [m.text for m in shown if m.text and m.text.startswith("<b>#")]
    assert len(pending) == 1 and "饮水机" in pending[0]
    assert not any("吃不上热饭" in t for t in pending)
    assert "共 1 条待处理" in shown[-1].text
    summary = await office.send("/digest")
    counted = re.search(r"待处理 (\d+)", "\n".join(m.text or "" for m in summary))
    assert counted and counted.group(1) == "1"


async def test_a_listed_opinion_comes_back_when_its_holder_writes_again(running_bot, client, invited, db):
    """Taken off the inbox by listing, an opinion returns when its holder writes again."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    keys = running_bot.app.bot_data["keys"]
    receipt = await submit_opinion(staff, CANTEEN[0])
    opinions.submit(db, Draft(category="其他", text=CANTEEN[1]), None, keys, date.today())
    await opinion_batches.release_to_office(running_bot.app)
    await office.send("/hotspots")
    await office.press("列为一个问题")
    await office.press("确认")
    assert not any("吃不上热饭" in (m.text or "") for m in await office.send("/inbox"))

    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    await staff.send("上周又有三天没有供应晚餐。")
    await opinion_batches.release_to_office(running_bot.app)
    again = await office.send("/inbox")
    assert any("吃不上热饭" in (m.text or "") for m in again)
