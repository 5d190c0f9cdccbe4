"""The outbox and its delivery: limits obeyed, nothing lost, the office told of the unreachable."""

from __future__ import annotations

import asyncio
import time

from conftest import join

from jobs import delivery
from storage import outbox, people


async def _queue_to(db, names: list[str], text: str) -> None:
    for person in people.everyone(db):
        if person.name in names:
            outbox.queue(db, person.id, text)


async def test_429_is_obeyed_and_nothing_is_lost(running_bot, client, invited, server, db):
    everyone = [
        await join(client, invited, 100 + n, name)
        for n, name in enumerate(["张伟", "李娜", "王芳", "刘洋"], start=1)
    ]
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
    everyone = [
        await join(client, invited, 100 + n, name)
        for n, name in enumerate(["张伟", "李娜", "王芳", "刘洋"], start=1)
    ]
    await _queue_to(db, ["张伟", "李娜", "王芳", "刘洋"], "并发测试")
    await asyncio.gather(*(delivery.send_due(running_bot.app) for _ in range(5)))
    for person in everyone:
        await person.wait_for("并发测试")
    await asyncio.sleep(1.5)  # let the job's own passes run too
    for person in everyone:
        await person.replies(timeout=0.2, allow_none=True)
        assert sum("并发测试" in (m.text or "") for m in person.inbox) == 1


async def test_a_full_pass_goes_on_at_once_and_still_gives_a_person_one_message_an_interval(
    running_bot, client, invited, db, monkeypatch
):
    """A fan-out larger than a pass goes on without waiting for the job's next tick (that wait
    cost 3% of the allowed rate at 10,000 people), and a person with several separate messages
    due still gets them an interval apart (Telegram allows about one a second per chat)."""
    everyone = [
        await join(client, invited, 100 + n, name)
        for n, name in enumerate(["张伟", "李娜", "王芳", "刘洋"], start=1)
    ]
    monkeypatch.setattr(delivery, "PASS_LIMIT", 2)
    monkeypatch.setattr(delivery, "INTERVAL_SECONDS", 0.5)
    await _queue_to(db, ["张伟", "李娜", "王芳", "刘洋"], "逐批通知")
    for n in range(3):
        await _queue_to(db, ["张伟"], f"单独通知{n}")
    started = time.monotonic()
    await delivery.send_due(running_bot.app)  # one call: every pass it takes, not just the first
    assert outbox.pending_count(db) == 0
    assert time.monotonic() - started >= 3 * 0.5 - 0.05  # 张伟's four messages, an interval apart
    for person in everyone:
        await person.wait_for("逐批通知")
    for n in range(3):
        await everyone[0].wait_for(f"单独通知{n}")


def test_a_bundle_of_reminders_is_cut_where_a_message_is_full_and_the_rest_follows():
    """Found at full size: a head with hundreds of 09:00 reminders in one grouping got them
    joined into one text, which Telegram refused as too long (and they were given up). A
    bundle now stops where the text (in UTF-16 units) or the rows of buttons would not fit;
    the rest goes in the person's next messages, none dropped."""
    from storage.outbox import Outgoing
    from texts.fit import TEXT_LIMIT, units

    text = "⏰ 整改事项即将到期😀" * 20  # emoji count twice
    button = [[("报告进展", "p:1")]]
    left = [Outgoing(n, 7, f"{n} {text}", button, 0, "reminders:09:00") for n in range(300)]
    left += [Outgoing(1000, 8, "别人的提醒", [], 0, "reminders:09:00")]
    sent = []
    while left:
        for batch in delivery.batches(left):
            assert units(delivery.SEPARATOR.join(o.text for o in batch)) <= TEXT_LIMIT
            assert sum(len(o.buttons) for o in batch) <= delivery.MAX_BUTTON_ROWS
            sent += [o.id for o in batch]
        left = [o for o in left if o.id not in set(sent)]
    assert sorted(sent) == [*range(300), 1000]
