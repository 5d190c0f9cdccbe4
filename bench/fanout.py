"""Fan-out: one reminder to each of N people through a fake Bot API that enforces Telegram's
flood limits (30 messages a second overall, 1 a second per chat; with paid broadcasts 1,000 a
second, counted apart), with time sped up by a factor for the limits, the bot's own pacer and
its delivery pass alike. Prints the achieved rate as a share of the allowed rate (target >=
98%), messages lost and sent twice (target 0), the 429s the bot received, the Stars the paid
messages would cost, and the CPU seconds of this process (the bot and the fake API share it).

    python bench/fanout.py [--people 10000] [--speed 2] [--mode free|paid|both] [--paid-people N]
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

OVERALL, PER_CHAT, PAID = 30, 1, 1000


def _seed(db, server, people: int) -> None:
    department = db["departments"].insert({"name": "门诊部"}).last_pk
    db["people"].insert_all(
        (
            {
                "roster_key": f"p{n}",
                "name": f"员工{n}",
                "department_id": department,
                "roles": "staff",
                "telegram_user_id": 100_000 + n,
                "chat_id": 100_000 + n,
                "reachable": 1,
                "active": 1,
            }
            for n in range(people)
        ),
        batch_size=1000,
    )
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


async def run(people: int, speed: float, paid: bool, in_flight: int = 100) -> None:
    db_path = temporary_database()
    async with sandbox() as server:
        server.api.flood_limits = (OVERALL * speed, PER_CHAT * speed, PAID * speed)
        db = open_database(db_path)
        _seed(db, server, people)
        delivery.INTERVAL_SECONDS = 1.0 / speed  # one message per person per (scaled) second
        pacer = bot.pacer(OVERALL * speed, PAID * speed)
        paying = (
            {
                "PAID_BROADCAST": "true",
                "PAID_BROADCAST_ABOVE": "1",
                "PAID_BROADCAST_IN_FLIGHT": str(in_flight),
            }
            if paid
            else {}
        )
        app = bot.build_application(settings_for(server, db_path, **paying), db, rate_limiter=pacer)
        started, cpu = time.monotonic(), time.process_time()
        await bot.start_polling(app, poll_timeout=1)
        allowed = (PAID if paid else OVERALL) * speed
        # Progress is read from the API's log of answers, not by walking every chat: that walk,
        # on the bot's own event loop, took 15-30 ms at 10,000 chats five times a second.
        while len(_sent_times(server)) < people and time.monotonic() - started < 4 * people / allowed + 60:
            await asyncio.sleep(0.2)
        sent = _sent_times(server)
        elapsed = sent[-1] - sent[0] if len(sent) > 1 else float("inf")  # from the first to the last
        cpu = time.process_time() - cpu
        await bot.stop_polling(app)
        db.close()
        seen = _delivered(server)
        throttled = sum(1 for method, _, status in server.api.answers if status == 429)
        paid_messages = server.api.paid_messages
    achieved = (len(sent) - 1) / elapsed
    print(
        f"{'paid' if paid else 'free'}: {people} people, time sped up {speed}x (allowed {allowed:.0f} "
        f"messages/s overall, {PER_CHAT * speed:.0f}/s per chat)"
    )
    print(
        f"  delivered {len(seen)} in {elapsed:.1f} s = {achieved:.1f}/s = {achieved / allowed:.1%} "
        f"of the allowed rate (target >= 98%); CPU of this process {cpu:.1f} s "
        f"({cpu / max(elapsed, 1e-9):.0%} of a core)"
    )
    print(
        f"  lost: {people - len(seen)}, sent twice: {sum(1 for n in seen.values() if n > 1)}, "
        f"429s received: {throttled}, paid messages {paid_messages} "
        f"({paid_messages * delivery.STARS_PER_MESSAGE:g} Stars)"
    )


async def main(arguments) -> None:
    print(f"machine: {machine()}")
    if arguments.mode in ("free", "both"):
        await run(arguments.people, arguments.speed, paid=False)
    if arguments.mode in ("paid", "both"):
        await run(
            arguments.paid_people or arguments.people,
            arguments.speed,
            paid=True,
            in_flight=arguments.in_flight,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=2.0)
    parser.add_argument("--mode", choices=("free", "paid", "both"), default="both")
    parser.add_argument("--paid-people", type=int, help="people in the paid run (default: --people)")
    parser.add_argument(
        "--in-flight", type=int, default=100, help="paid sends at once (PAID_BROADCAST_IN_FLIGHT)"
    )
    asyncio.run(main(parser.parse_args()))
