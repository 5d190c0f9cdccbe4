"""Abuse without identity: 200 guests flood the public box through the fake Bot API. The
institution's hourly ceiling holds (PUBLIC_HOURLY_LIMIT, 60 by default), the office is told once,
each refused guest is told why, and the next hour the box takes opinions again; one guest alone
is held by the daily limit. Nothing of it is kept on disk."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import ROSTER_CSV, join

from jobs import opinion_batches
from storage import anonymous_pool, invitations, public_box, roster
from storage.clock import clock
from texts import say

GUESTS = 200
FIRST_GUEST = 5_000_000_001


async def test_two_hundred_guests_meet_the_hourly_ceiling(fast_bot, fast_client, db):
    roster.apply(db, roster.parse(ROSTER_CSV.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    office = await join(fast_client, codes, 103, "王芳")
    box = public_box.ensure(db, date.today())
    limit = fast_bot.app.bot_data["settings"].public_hourly_limit
    assert limit == 60
    guests = [await fast_client.user(FIRST_GUEST + n, f"g{n}") for n in range(GUESTS)]
    # every guest gets as far as the preview before anyone submits (they came at once) ...
    for guest in guests:
        await guest.send(f"/start {box.code}")
    for n, guest in enumerate(guests):
        await guest.press(("医疗服务", "服务态度", "就医环境", "收费", "其他")[n % 5])
        await guest.press("不指定科室")
        await guest.send(f"刷屏 {n}")
        await guest.press("完成，预览")
    # ... then they all press 提交
    outcomes = []
    for guest in guests:  # a receipt, or the refusal in a pop-up (the draft leaves the chat)
        receipts = [m.text for m in await guest.press("提交") if "回执码" in (m.text or "")]
        outcomes.append(receipts[0] if receipts else (await guest.callback_answer())["text"])
    accepted = [t for t in outcomes if "回执码" in t]
    busy = [t for t in outcomes if t == say("zh-CN", "public.busy")]
    assert (len(accepted), len(busy)) == (limit, GUESTS - limit)

    pool = anonymous_pool.pool_for(db)
    written = db.execute("select count(*) from opinions where public = 1").fetchone()[0]
    assert written + len(pool.opinions) == limit
    notice = await office.wait_for("达到上限")
    assert "⏸ 暂停群众意见箱" in notice.labels()
    assert db.execute("select count(*) from outbox where text like '%达到上限%'").fetchone()[0] == 1
    # a refused guest trying again within the hour is told at once, before writing anything
    assert (await guests[-1].send(f"/start {box.code}"))[-1].text == say("zh-CN", "public.busy")

    clock.advance(timedelta(hours=1))
    assert "回执码" in (await submit(guests[-1], box.code, "下一个小时"))
    assert db.execute("select count(*) from outbox where text like '%达到上限%'").fetchone()[0] == 1

    await opinion_batches.release_to_office(fast_bot.app)
    assert db.execute("select count(*) from opinions where public = 1").fetchone()[0] == limit + 1
    # nothing on disk names a guest: not in the opinions, not in the outbox, not anywhere
    db.execute("pragma wal_checkpoint(truncate)")
    files = b"".join(p.read_bytes() for p in fast_bot.db_path.parent.glob("rectify.db*"))
    assert not any(str(FIRST_GUEST + n).encode() in files for n in range(GUESTS))


async def submit(guest, code: str, text: str) -> str:
    await guest.send(f"/start {code}")
    await guest.press("其他")
    await guest.press("不指定科室")
    await guest.send(text)
    await guest.press("完成，预览")
    return (await guest.press("提交"))[-1].text


async def test_one_guest_is_held_by_the_daily_limit_and_a_pause_holds_everyone(fast_bot, fast_client, db):
    box = public_box.ensure(db, date.today())
    guest = await fast_client.user(FIRST_GUEST, "g")
    for n in range(3):
        assert "回执码" in await submit(guest, box.code, f"第 {n} 条")
    refused = await guest.send(f"/start {box.code}")
    assert refused[-1].text == say("zh-CN", "public.daily_limit", limit=3)
    clock.advance(timedelta(days=1))  # the key rotates with the day: yesterday's counts are gone
    assert "回执码" in await submit(guest, box.code, "第二天")
    public_box.set_paused(db, True, None)
    others = [await fast_client.user(FIRST_GUEST + n, f"g{n}") for n in range(1, 6)]
    for other in others:
        assert (await other.send(f"/start {box.code}"))[-1].text == say("zh-CN", "public.paused")
