"""The outbox and its delivery: limits obeyed, nothing lost, the office told of the unreachable."""

from __future__ import annotations

import asyncio

from conftest import join

from jobs import delivery
from storage import outbox, people


async def _queue_to(db, names: list[str], text: str) -> None:
    for person in people.everyone(db):
        if person.name in names:
            outbox.queue(db, person.id, text)


async def test_429_is_obeyed_and_nothing_is_lost(running_bot, client, invited, server, db):
    everyone = [await join(client, invited, 100 + n, name)
                for n, name in enumerate(["张伟", "李娜", "王芳", "刘洋"], start=1)]
    await client.fail("sendMessage", status=429, count=3, retry_after=1)
    await _queue_to(db, ["张伟", "李娜", "王芳", "刘洋"], "通知：明天开会")
    for person in everyone:
        await person.wait_for("通知：明天开会", timeout=20)
    limited = [t for method, t, status in server.api.answers if method == "sendMessage" and status == 429]
    assert len(limited) == 3
    accepted = [t for method, t, status in server.api.answers if method == "sendMessage" and status == 200]
    after_first_429 = [t for t in accepted if t > limited[0]]
    assert after_first_429 and min(after_first_429) >= limited[0] + 1 - 0.05  # waited retry_after
    assert outbox.pending_count(db) == 0


async def test_a_person_who_blocked_the_bot_is_marked_and_the_office_told(running_bot, client, invited, db):
    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    await staff.block()
    await _queue_to(db, ["张伟"], "提醒：请报告进展")
    notice = await office.wait_for("收不到机器人的消息了")
    assert "张伟" in notice.text
    assert not next(p for p in people.everyone(db) if p.name == "张伟").reachable
    await _queue_to(db, ["张伟"], "第二条")
    await delivery.send_due(running_bot.app)
    failed = db.execute("select count(*) from outbox where failed_at is not null").fetchone()[0]
    assert failed == 2  # nothing more is pushed at someone unreachable


async def test_overlapping_passes_never_send_a_row_twice(running_bot, client, invited, db):
    everyone = [await join(client, invited, 100 + n, name)
                for n, name in enumerate(["张伟", "李娜", "王芳", "刘洋"], start=1)]
    await _queue_to(db, ["张伟", "李娜", "王芳", "刘洋"], "并发测试")
    await asyncio.gather(*(delivery.send_due(running_bot.app) for _ in range(5)))
    for person in everyone:
        await person.wait_for("并发测试")
    await asyncio.sleep(1.5)  # let the job's own passes run too
    for person in everyone:
        await person.replies(timeout=0.2, allow_none=True)
        assert sum("并发测试" in (m.text or "") for m in person.inbox) == 1
