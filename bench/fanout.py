"""Fan-out: one reminder to each of N people through a fake Bot API that enforces Telegram's
flood limits (30 messages a second overall, 1 a second per chat; with paid broadcasts 1,000 a
second, counted apart), with time sped up by a factor for the limits, the bot's own pacer and
its delivery pass alike. The fake Bot API runs in a process of its own (bench/harness.py), so
the times it counts arrivals by are not the bot's event loop's. Prints the achieved rate as a
share of the allowed rate (target >= 98%), messages lost and sent twice (target 0), the 429s
the bot received, the Stars the paid messages would cost, the CPU seconds of the bot's process
and of the fake API's, the load average, and how long requests took between the pacer's slot
and their arrival at the fake API. With --runs, each mode runs that many times and min /
median / max are printed.

    python bench/fanout.py [--people 10000] [--speed 1] [--mode free|paid|both] [--runs 3]
                           [--paid-people N] [--in-flight 100] [--latency 0]
                           [--free-in-flight 1]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import time
from pathlib import Path

from harness import ApiProcess, cpu_seconds, machine, serve_api, settings_for, temporary_database

import bot
from jobs import delivery
from storage import outbox
from storage.db import open_database

HERE = Path(__file__).resolve()
FIRST_CHAT = 100_000
OVERALL, PER_CHAT, PAID = 30, 1, 1000


# ---- the fake Bot API's process -------------------------------------------------------------


def _prepare(people: int, speed: float):
    def prepare(api) -> None:
        api.flood_limits = (OVERALL * speed, PER_CHAT * speed, PAID * speed)
        for n in range(people):
            api.user(FIRST_CHAT + n, f"u{n}")

    return prepare


def _report(api) -> dict:
    """What the fake API saw: when each message was accepted and when each send was answered
    (monotonic seconds, in order), the 429s, and how many chats got each reminder."""
    seen: collections.Counter = collections.Counter()
    for chat in api.chats.values():
        for event in chat.events:
            if event["kind"] == "sent" and "提醒" in (event["message"].get("text") or ""):
                seen[event["message"]["text"]] += 1
    sends = [(t, status) for method, t, status in api.answers if method == "sendMessage"]
    return {
        "accepted": [t for t, status in sends if status == 200],
        "answered": [t for t, _ in sends],
        "throttled": sum(1 for _, status in sends if status == 429),
        "delivered": len(seen),
        "twice": sum(1 for n in seen.values() if n > 1),
        "paid": api.paid_messages,
    }


# ---- the bot, in this process ---------------------------------------------------------------


def _seed(db, people: int) -> None:
    department = db["departments"].insert({"name": "门诊部"}).last_pk
    db["people"].insert_all(
        (
            {
                "roster_key": f"p{n}",
                "name": f"员工{n}",
                "department_id": department,
                "roles": "staff",
                "telegram_user_id": FIRST_CHAT + n,
                "chat_id": FIRST_CHAT + n,
                "reachable": 1,
                "active": 1,
            }
            for n in range(people)
        ),
        batch_size=1000,
    )
    with db.atomic():
        for person_id in [r[0] for r in db.execute("select id from people order by id")]:
            outbox.queue(db, person_id, f"⏰ 提醒 {person_id}：本周五前提交整改进展。")


def _recording(timetable, slots: list[float]):
    """The timetable's slot, noting when each send was let go (the pacer's view of its leaving)."""
    slot = timetable.slot

    async def recorded() -> None:
        await slot()
        slots.append(time.monotonic())

    return recorded


def _timed(function, durations: list[float]):
    """The function, noting how long each call took (the commit that marks a send)."""

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - began)

    return timed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(
    people: int, speed: float, paid: bool, in_flight: int, latency_ms: float, free_in_flight: int = 1
) -> dict:
    db_path = temporary_database()
    db = open_database(db_path)
    _seed(db, people)
    api = ApiProcess(HERE, latency_ms, "--people", str(people), "--speed", str(speed))
    delivery.INTERVAL_SECONDS = 1.0 / speed  # one message per person per (scaled) second
    pacer = bot.pacer(OVERALL * speed, PAID * speed)
    slots: list[float] = []
    timetable = pacer.paid if paid else pacer.free
    timetable.slot = _recording(timetable, slots)
    commits: list[float] = []
    marking, outbox.mark_sent = outbox.mark_sent, _timed(outbox.mark_sent, commits)
    paying = (
        {"PAID_BROADCAST": "true", "PAID_BROADCAST_ABOVE": "1", "PAID_BROADCAST_IN_FLIGHT": str(in_flight)}
        if paid
        else {"BROADCAST_IN_FLIGHT": str(free_in_flight)}
    )
    app = bot.build_application(settings_for(api, db_path, **paying), db, rate_limiter=pacer)
    load = os.getloadavg()[0]
    started, cpu, api_cpu = time.monotonic(), time.process_time(), cpu_seconds(api.pid)
    await bot.start_polling(app, poll_timeout=1)
    allowed = (PAID if paid else OVERALL) * speed
    # Progress from the outbox, once a second: a count over 10,000 rows is a millisecond or two
    # of the bot's loop; asking the fake API would hold the loop for its answer.
    while outbox.pending_count(db) and time.monotonic() - started < 4 * people / allowed + 60:
        await asyncio.sleep(1.0)
    cpu, api_cpu = time.process_time() - cpu, cpu_seconds(api.pid) - api_cpu
    await bot.stop_polling(app)
    outbox.mark_sent = marking
    db.close()
    seen = api.report()
    api.close()
    sent = seen["accepted"]
    elapsed = sent[-1] - sent[0] if len(sent) > 1 else float("inf")  # from the first to the last
    result = {
        "mode": "paid" if paid else "free",
        "allowed": allowed,
        "delivered": seen["delivered"],
        "elapsed": elapsed,
        "rate": (len(sent) - 1) / elapsed,
        "share": (len(sent) - 1) / elapsed / allowed,
        "lost": people - seen["delivered"],
        "twice": seen["twice"],
        "throttled": seen["throttled"],
        "paid": seen["paid"],
        "cpu": cpu,
        "api_cpu": api_cpu,
        "load": (load, os.getloadavg()[0]),
    }
    if not paid and len(slots) == len(seen["answered"]):  # one at a time: the n-th slot is the n-th send
        trips = [answered - slot for slot, answered in zip(slots, seen["answered"], strict=True)]
        result["trip"] = (statistics.median(trips), _percentile(trips, 0.99), max(trips))
    if commits:
        result["commit"] = (statistics.median(commits), _percentile(commits, 0.99), max(commits))
    _print(people, speed, result)
    return result


def _print(people: int, speed: float, r: dict) -> None:
    lines = [
        f"{r['mode']}: {people} people, time sped up {speed:g}x (allowed {r['allowed']:.0f} "
        f"messages/s overall, {PER_CHAT * speed:.0f}/s per chat); load average {r['load'][0]:.1f} "
        f"at the start, {r['load'][1]:.1f} at the end",
        f"  delivered {r['delivered']} in {r['elapsed']:.1f} s = {r['rate']:.1f}/s = {r['share']:.1%} "
        f"of the allowed rate (target >= 98%); CPU: the bot's process {r['cpu']:.1f} s "
        f"({r['cpu'] / max(r['elapsed'], 1e-9):.0%} of a core), the fake API's {r['api_cpu']:.1f} s",
        f"  lost: {r['lost']}, sent twice: {r['twice']}, 429s received: {r['throttled']}, "
        f"paid messages {r['paid']} ({r['paid'] * delivery.STARS_PER_MESSAGE:g} Stars)",
    ]
    for key, label in (
        ("trip", "from the pacer's slot to the fake API's answer"),
        ("commit", "the commit marking sends sent"),
    ):
        if key in r:
            median, p99, longest = (1000 * t for t in r[key])
            lines.append(f"  {label}: median {median:.1f} ms, p99 {p99:.1f} ms, longest {longest:.1f} ms")
    print("\n".join(lines), flush=True)


def _spread(values, form: str = "{:.1f}") -> str:
    return " / ".join(form.format(v) for v in (min(values), statistics.median(values), max(values)))


def summary(results: list[dict]) -> None:
    mode = results[0]["mode"]
    print(f"{mode}, {len(results)} runs, min / median / max:")
    print(f"  share of the allowed rate: {_spread([r['share'] for r in results], '{:.1%}')}")
    for key, label in (("lost", "lost"), ("twice", "sent twice"), ("throttled", "429s")):
        print(f"  {label}: {_spread([r[key] for r in results], '{:.0f}')}")
    print(f"  CPU of the bot's process, s: {_spread([r['cpu'] for r in results])}")
    print(f"  load average at the start: {_spread([r['load'][0] for r in results])}")


async def main(arguments) -> None:
    print(f"machine: {machine()}")
    for paid in (False, True):
        if arguments.mode not in ("both", "paid" if paid else "free"):
            continue
        people = (arguments.paid_people or arguments.people) if paid else arguments.people
        results = [
            await run(
                people,
                arguments.speed,
                paid,
                arguments.in_flight,
                arguments.latency,
                arguments.free_in_flight,
            )
            for _ in range(arguments.runs)
        ]
        if arguments.runs > 1:
            summary(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--mode", choices=("free", "paid", "both"), default="both")
    parser.add_argument("--runs", type=int, default=1, help="runs of each mode (min / median / max)")
    parser.add_argument("--paid-people", type=int, help="people in the paid run (default: --people)")
    parser.add_argument(
        "--in-flight", type=int, default=100, help="paid sends at once (PAID_BROADCAST_IN_FLIGHT)"
    )
    parser.add_argument("--latency", type=float, default=0, help="milliseconds added to every Bot API call")
    parser.add_argument(
        "--free-in-flight",
        type=int,
        default=1,
        help="free sends at once (BROADCAST_IN_FLIGHT; 1: the crash rule)",
    )
    parser.add_argument("--serve-api", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_api:
        prepare = _prepare(arguments.people, arguments.speed)
        asyncio.run(serve_api(arguments.latency, prepare, _report))
    else:
        asyncio.run(main(arguments))
