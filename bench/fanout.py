"""Fan-out: one reminder to each of N people through a fake Bot API that enforces Telegram's
flood limits (30 messages a second overall, 1 a second per chat), with time sped up by a
factor for the limits, the bot's own rate limiter and its delivery pass alike. Prints the
achieved rate as a share of the allowed rate (target >= 95%), messages lost and sent twice
(target 0), and the 429s the bot received.

    python bench/fanout.py [--people 10000] [--speed 2]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import time

from harness import machine, sandbox, settings_for, temporary_database

import bot
from jobs import delivery
from storage import outbox
from storage.db import open_database

OVERALL, PER_CHAT = 30, 1


def _seed(db, server, people: int) -> None:
    department = db["departments"].insert({"name": "门诊部"}).last_pk
    db["people"].insert_all(
        ({"roster_key": f"p{n}", "name": f"员工{n}", "department_id": department, "roles": "staff",
          "telegram_user_id": 100_000 + n, "chat_id": 100_000 + n, "reachable": 1, "active": 1}
         for n in range(people)), batch_size=1000)
    for n in range(people):
        server.api.user(100_000 + n, f"u{n}")
    with db.atomic():
        for person_id in [r[0] for r in db.execute("select id from people order by id")]:
            outbox.queue(db, person_id, f"⏰ 提醒 {person_id}：本周五前提交整改进展。")


def _sent_times(server) -> list[float]:
    """When each message was accepted by the fake API (monotonic seconds), in order."""
    return [t for method, t, status in server.api.answers if method == "sendMessage" and status == 200]


def _delivered(server) -> collections.Counter:
    seen: collections.Counter = collections.Counter()
    for chat in server.api.chats.values():
        for event in chat.events:
            if event["kind"] == "sent" and "提醒" in (event["message"].get("text") or ""):
                seen[event["message"]["text"]] += 1
    return seen


async def main(people: int, speed: float) -> None:
    db_path = temporary_database()
    async with sandbox() as server:
        server.api.flood_limits = (OVERALL * speed, PER_CHAT * speed)
        db = open_database(db_path)
        _seed(db, server, people)
        delivery.INTERVAL_SECONDS = 1.0 / speed  # one message per person per (scaled) second
        pacer = bot.pacer(OVERALL * speed)
        app = bot.build_application(settings_for(server, db_path), db, rate_limiter=pacer)
        started = time.monotonic()
        await bot.start_polling(app, poll_timeout=1)
        # Progress is read from the API's log of answers, not by walking every chat: that walk,
        # on the bot's own event loop, took 15-30 ms at 10,000 chats five times a second.
        while len(_sent_times(server)) < people and time.monotonic() - started < 4 * people / (
                OVERALL * speed) + 60:
            await asyncio.sleep(0.2)
        sent = _sent_times(server)
        elapsed = sent[-1] - sent[0] if len(sent) > 1 else float("inf")  # from the first to the last
        await bot.stop_polling(app)
        db.close()
        seen = _delivered(server)
        throttled = sum(1 for method, _, status in server.api.answers if status == 429)
    allowed = OVERALL * speed
    achieved = (len(sent) - 1) / elapsed
    print(f"machine: {machine()}; {people} people, time sped up {speed}x "
          f"(allowed {allowed:.0f} messages/s overall, {PER_CHAT * speed:.0f}/s per chat)")
    print(f"delivered {len(seen)} in {elapsed:.1f} s = {achieved:.1f}/s = {achieved / allowed:.1%} "
          "of the allowed rate (target >= 95%)")
    print(f"lost: {people - len(seen)}, sent twice: {sum(1 for n in seen.values() if n > 1)}, "
          f"429s received: {throttled}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=2.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.people, arguments.speed))
