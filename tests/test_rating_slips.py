"""Rating slips (评议票): the office prints one-time QR slips for a sheet; each slip casts one
ballot, from anyone holding it, on or off the roster; its ballots are counted and shown as their
own group under the same k; a slip is kept only as a keyed hash and cannot vote twice."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import join

from jobs import delivery, sweeper
from storage import evaluations, invitations, roster
from storage.clock import clock
from texts import say

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 12, 7)
ROSTER = "姓名,科室,角色\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n张伟,门诊部,职工\n"
SLIPS = 7


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def rate_with_slip(holder, code: str, grade: str) -> list:
    shown = await holder.send(f"/start {evaluations.SLIP_PREFIX}{code}")
    assert "评议票" in shown[0].text and "只能用一次" in shown[0].text
    for _ in range(5):  # one subject (李娜), five items
        await holder.press(grade)
    return await holder.press("提交")


async def test_slips_vote_once_each_and_count_as_their_own_group(running_bot, client, db, monkeypatch):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    preview = await office.send("/newsheet 行风评议 | 李娜 | 2026-12-11 17:30 | 门诊部")
    created = await office.press("确认发出", message=preview[-1])
    sheet_id = int(re.search(r"#(\d+)", created[-1].text)[1])

    issued: list[str] = []  # the codes are on the paper only: read them as they are made
    real_issue = evaluations.issue_slips
    monkeypatch.setattr(
        evaluations, "issue_slips", lambda *a, **k: issued.extend(real_issue(*a, **k)) or list(issued)
    )
    shown = await office.send(f"/slips {sheet_id} {SLIPS}")
    [pdf] = [m.document for m in shown if m.document]
    assert pdf["file_name"] == f"评议票-{sheet_id}-{SLIPS}张.pdf"
    assert f"{SLIPS} 张一次性评议票" in shown[-1].text
    assert len(set(issued)) == SLIPS
    stored = [r[0] for r in db.execute("select slip_hash from evaluation_slips")]
    assert len(stored) == SLIPS and not any(code in h for code in issued for h in stored)

    holders = [await client.user(7_000 + n, f"代表{n}") for n in range(SLIPS)]
    grades = ["好"] * 5 + ["一般"] * 2
    for holder, code, grade in zip(holders, issued, grades, strict=True):
        await rate_with_slip(holder, code, grade)
        assert "已提交" in (await holder.callback_answer())["text"]  # a pop-up: the chat stays as it was
    # a used slip cannot vote again: written with its batch, or still waiting in the pool
    assert evaluations.slip_turnout(db, sheet_id) == (5, SLIPS)  # the first batch of k = 5
    assert db.execute("select count(*) from evaluation_slips where used = 1").fetchone()[0] == 5
    for code in (issued[0], issued[-1]):
        again = await client.user(7_100, "又一人")
        answer = await again.send(f"/start {evaluations.SLIP_PREFIX}{code}")
        assert answer[-1].text == say("zh-CN", "evaluation.slip_used")
    forged = await holders[0].send(f"/start {evaluations.SLIP_PREFIX}{'a' * evaluations.SLIP_LENGTH}")
    assert forged[-1].text == say("zh-CN", "evaluation.slip_unknown")
    # a slip holder off the roster reaches nothing else
    assert (await holders[0].send("/ledger"))[-1].text == say("zh-CN", "access.not_registered")

    # a staff member rates too, in the staff's group
    staff = await join(client, codes, 901, "张伟")
    await staff.send("/evaluate")
    await staff.press("行风评议")
    for _ in range(5):
        await staff.press("较好")
    await staff.press("提交")

    clock.freeze(at(OPENED + timedelta(days=5), 9))  # closed
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    await office.wait_for("已截止")
    results = (await office.press("查看结果"))[-1].text
    assert "服务对象代表/监督员（评议票已投 7 张，共发 7 张）" in results
    staff_part, slip_part = results.split("服务对象代表/监督员")
    assert "有效票 1 张，不足以公布结果" in staff_part  # one staff ballot: withheld under k
    assert "好 71%" in slip_part and "一般 29%" in slip_part  # 5 好 and 2 一般 of 7 slips
    rows = dict(db.execute("select grp, count(*) from evaluation_ballots group by grp").fetchall())
    assert rows == {"slip": SLIPS * 5, "staff": 5}
    # after closing, no slip votes
    late = await client.user(7_200, "迟到")
    assert (await late.send(f"/start {evaluations.SLIP_PREFIX}{issued[3]}"))[-1].text in (
        say("zh-CN", "evaluation.slip_used"),
        say("zh-CN", "evaluation.closed"),
    )


async def test_a_second_tap_on_submit_tells_the_holder_the_rating_arrived(
    running_bot, client, db, monkeypatch
):
    """A 服务对象代表 taps 提交 twice (a phone's double tap): the second pop-up read
    已经参加过评议的，这张评议票已用完……若评议中途机器人重启过，进度已丢失：请重新扫描, just after
    her thanks, which sent her back to the slip, to be told it was used."""
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(client, codes, 900, "王芳")
    preview = await office.send("/newsheet 行风评议 | 李娜 | 2026-12-11 17:30 | 门诊部")
    sheet_id = int(re.search(r"#(\d+)", (await office.press("确认发出", message=preview[-1]))[-1].text)[1])
    [code] = evaluations.issue_slips(db, sheet_id, 1, running_bot.app.bot_data["keys"])
    holder = await client.user(7_200, "服务对象代表")
    await holder.send(f"/start {evaluations.SLIP_PREFIX}{code}")
    for _ in range(5):
        await holder.press("好")
    review = next(m for m in reversed(holder.inbox) if "✅ 提交" in m.labels())
    submit = next(b["callback_data"] for row in review.buttons for b in row if b["text"] == "✅ 提交")
    await holder.press_data(review.message_id, submit)
    assert "已提交" in (await holder.callback_answer())["text"]
    await holder.press_data(review.message_id, submit)
    again = (await holder.callback_answer())["text"]
    assert again.startswith("如果您已经参加过评议（点过“提交”），评议已经收到"), again
    assert len(again) <= 200  # a pop-up's limit
