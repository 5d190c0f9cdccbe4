"""Faults: the fake Bot API fails 10% of all calls (500, 502, 504, 429) while people submit
opinions, the office turns one into a problem, a leader claims and dispatches it, the head
reports progress and asks to close it, the office closes it, and a broadcast goes out.
Nothing is lost: every person gets their answer or is told it did not work, what was
confirmed is stored, and every queued message arrives."""

from __future__ import annotations

import asyncio

import pytest
from conftest import RECEIPT, ROSTER_CSV, join

from jobs import delivery, opinion_batches
from storage import invitations, outbox, roster
from texts import say

pytestmark = pytest.mark.slow

STAFF = 8


@pytest.fixture
async def campaign(running_bot, client, db):
    csv = ROSTER_CSV + "".join(f"职工{n},门诊部,职工\n" for n in range(STAFF))
    roster.apply(db, roster.parse(csv.encode()), None)
    codes = {
        i.person.name: i.code
        for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    }
    people = {name: await join(client, codes, 7000 + n, name) for n, name in enumerate(codes)}
    return people


async def _press_when_there(person, label: str):
    """A reply may come late (the bot retries what failed): wait for the button, then press."""
    for _ in range(40):
        if any(label in shown for shown in person.all_labels()):
            return await person.press(label, timeout=20)
        await person.replies(timeout=0.5, allow_none=True)
    raise AssertionError(f"no button {label!r}")


async def _opinion(person, n: int) -> str:
    """'receipt', 'told' (the bot said it did not work) or 'silent'."""
    failed = say("zh-CN", "error.generic")
    steps = [
        ("send", "/opinion"),
        ("press", "匿名提交"),
        ("press", "形式主义"),
        ("press", "门诊部"),
        ("send", f"故障测试意见 {n}"),
        ("press", "完成，预览"),
        ("press", "提交"),
    ]
    try:
        for kind, what in steps:
            if kind == "send":
                replies = await person.send(what, timeout=20)
            else:
                replies = await _press_when_there(person, what)
            if any(failed in (m.text or "") for m in replies):
                return "told"
    except AssertionError:
        return "told" if any(failed in (m.text or "") for m in person.inbox) else "silent"
    try:  # the answer to the last press may come after a retry
        receipt = await person.wait_for("<code>", timeout=20)
    except AssertionError:
        return "told" if any(failed in (m.text or "") for m in person.inbox) else "silent"
    return "receipt" if RECEIPT.search(receipt.text) else "silent"


async def _dispatch_report_and_close(people) -> None:
    """The rest of the problem's life, each step through the faulty API."""
    leader, head, office = people["李娜"], people["刘洋"], people["王芳"]
    await _press_when_there(leader, "下单")
    await leader.send("增设自助挂号机两台，高峰期加开窗口", timeout=20)
    await _press_when_there(leader, "门诊部")
    await leader.send("2099-12-31", timeout=20)
    await _press_when_there(leader, "确认")
    dispatched = await head.wait_for("派到本科室的问题", timeout=30)
    await head.press("报告进展", message=dispatched, timeout=20)
    await head.send("已采购两台自助机，正在安装", timeout=20)
    await _press_when_there(head, "完成")
    await _press_when_there(head, "50%")
    await leader.wait_for("进展 50%", timeout=30)
    await _press_when_there(head, "申请销号")
    await head.wait_for("不到 100%", timeout=30)
    await head.send("剩余一台下周到货", timeout=20)
    request = await office.wait_for("申请销号", timeout=30)
    await office.press("销号", message=request, timeout=20)
    await _press_when_there(office, "确认销号")


async def test_ten_percent_faults_lose_nothing(campaign, running_bot, server, db):
    server.api.fault_rate = 0.10
    staff = [campaign[f"职工{n}"] for n in range(STAFF)]
    ids = [r[0] for r in db.execute("select id from people order by id")]
    for n in range(5):
        for person_id in ids:
            outbox.queue(db, person_id, f"BROADCAST-{n}-{person_id}")
    outcomes = await asyncio.gather(*(_opinion(person, n) for n, person in enumerate(staff)))
    assert "silent" not in outcomes
    receipts = outcomes.count("receipt")
    await opinion_batches.release_to_office(running_bot.app)  # what waits in memory is written
    assert db.execute("select count(*) from opinions").fetchone()[0] == receipts
    office, leader = campaign["王芳"], campaign["李娜"]
    await office.send("/inbox", timeout=20)
    for label in ("列为问题", "使用建议的标题", "限期整改", "近期", "不指定科室", "确认"):
        await _press_when_there(office, label)
    await leader.wait_for("新问题待接单", timeout=30)
    await _press_when_there(leader, "接单")
    assert db.execute("select status from problems").fetchone()[0] == "claimed"
    await _dispatch_report_and_close(campaign)
    assert db.execute("select status, progress from problems").fetchone() == ("closed", 100)
    assert db.execute("select count(*) from problem_reports").fetchone()[0] == 1

    for _ in range(60):
        await delivery.send_due(running_bot.app)
        if not outbox.pending_count(db):
            break
        await asyncio.sleep(0.5)
    server.api.fault_rate = 0.0
    assert outbox.pending_count(db) == 0
    assert db.execute("select count(*) from outbox where failed_at is not null").fetchone()[0] == 0
    faults = sum(1 for _, _, status in server.api.answers if status >= 429)
    print(f"{faults} faults injected; outcomes {outcomes}")
    assert faults > 10
