"""Update handling: N members of staff each submit an anonymous opinion end to end (7 updates
each: /opinion, anonymous, category, department, the text, preview, submit) through the real
bot, all at once. The fake Bot API and the simulated people run in processes of their own, so
the bot's process does only the bot's work; its CPU seconds are counted beside the wall time.

Floors, in the same run and on the same fake API: a plain python-telegram-bot echo bot (one
API call per update) on the library's default transport (httpx) and on the bot's own
(bot_api.AiohttpRequest), and the echo answering button presses as our flows do (the same API
calls) on the bot's own transport. Every bot handles different people's updates at once.
整改通 runs twice: taking its updates by long polling, and by webhook (WEBHOOK_URL; the fake
Bot API then POSTs each update to it, as Telegram does).

Each configuration runs at 0 ms and at `--latency` ms added to every Bot API call (Telegram
from a hospital is often 20-100 ms away), `--runs` times; min / median / max are printed.

    python bench/updates.py [--people 500] [--runs 3] [--latency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import gc
import json
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from harness import (
    TOKEN,
    ApiProcess,
    Person,
    cpu_seconds,
    machine,
    serve_api,
    settings_for,
    temporary_database,
)
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

import bot  # noqa: E402  (harness put the project on the path)
from bot_api import AiohttpRequest
from sandbox.client import SandboxClient
from sandbox.webhook import free_port
from storage import invitations, roster
from storage.db import open_database

STEPS = 7
HERE = Path(__file__).resolve()
CPU_TARGET = 1.3  # CPU per update, ours / the plain echo on the same transport
RATE_TARGET = 200  # updates a second at --latency


class Unlimited(AIORateLimiter):
    """No waiting at all: the benchmark measures the bot, not Telegram's limits."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        return await callback(*args, **kwargs)


class LoopCounts:
    """What the bot's process did while the people acted, counted rather than timed (`--counts`):
    a count reads the same on a busy machine, where CPU seconds per update move by a third
    between runs. Turns of the event loop, timers set (`call_at`, which `call_later` and
    `asyncio.sleep` go through), tasks started, TCP connections opened, Bot API calls by method,
    the collector's passes by generation. Something that costs in proportion to how long calls
    are in flight (a polling loop, a timer per call, a pool that keeps growing) shows as a count
    per update that grows from 0 ms to --latency; the wrappers cost CPU, so the CPU figures of
    a counted run are not comparable with the others."""

    WRAPPED = ("_run_once", "call_at", "create_task", "create_connection")  # the loop's, on it alone

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.turns = self.timers = self.tasks = self.connections = 0
        self.calls: collections.Counter[str] = collections.Counter()
        self.passes = [0, 0, 0]

    def __enter__(self) -> LoopCounts:
        loop, self._post = self.loop, BaseRequest.post
        run_once, call_at = loop._run_once, loop.call_at  # type: ignore[attr-defined]
        create_task, create_connection, post = loop.create_task, loop.create_connection, self._post

        def turn():
            self.turns += 1
            run_once()

        def timer(*args, **kwargs):
            self.timers += 1
            return call_at(*args, **kwargs)

        def task(*args, **kwargs):
            self.tasks += 1
            return create_task(*args, **kwargs)

        async def connection(*args, **kwargs):
            self.connections += 1
            return await create_connection(*args, **kwargs)

        async def call(request, url, *args, **kwargs):
            self.calls[url.rsplit("/", 1)[-1]] += 1
            return await post(request, url, *args, **kwargs)

        for name, wrapper in zip(self.WRAPPED, (turn, timer, task, connection), strict=True):
            setattr(loop, name, wrapper)
        BaseRequest.post = call  # type: ignore[method-assign]  (every transport's calls go through it)
        gc.callbacks.append(self._collected)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._collected)
        BaseRequest.post = self._post  # type: ignore[method-assign]
        for name in self.WRAPPED:
            delattr(self.loop, name)

    def _collected(self, phase: str, info: dict) -> None:
        if phase == "stop":
            self.passes[info["generation"]] += 1

    def per_update(self, updates: int) -> str:
        calls = ", ".join(f"{method} {n / updates:.2f}" for method, n in sorted(self.calls.items()))
        return (
            f"per update: loop turns {self.turns / updates:.2f}, timers {self.timers / updates:.2f}, "
            f"tasks {self.tasks / updates:.2f}; Bot API calls {calls}; in the run: {self.connections} "
            f"connections opened, collector passes {self.passes}"
        )


# ---- the fake Bot API and the people, each in a process of its own -----------------------


async def _opinion(person: Person, n: int) -> None:
    await person.send("/opinion")
    await person.press("匿名提交")
    await person.press("形式主义")
    await person.press("门诊部")
    await person.send(f"第{n}号意见：挂号窗口太少，周末排队要一个小时")
    await person.press("完成，预览")
    await person.press("提交")


async def _echo_talk(person: Person, buttons: bool) -> None:
    for step in ("send", "press", "press", "press", "send", "press", "press"):
        if step == "send" or not buttons:
            await person.send(f"消息 {len(person.messages)}")
        else:
            await person.press("继续")


async def drive(url: str, people: int, kind: str, codes_file: str | None) -> None:
    """Join (ours) and then act as every person at once; prints the seconds the acting took."""
    client = SandboxClient(url)
    staff = []
    for n in range(people):
        await client.user(10_000 + n, f"u{n}")
        staff.append(Person(client, 10_000 + n))
    if codes_file:
        codes = json.loads(Path(codes_file).read_text())
        await asyncio.gather(*(p.send(f"/start {code}") for p, code in zip(staff, codes, strict=True)))
    print("ready", flush=True)
    sys.stdin.readline()  # the bot's process starts its CPU clock, then says go
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "ours":
        await asyncio.gather(*(_opinion(p, n) for n, p in enumerate(staff)))
    else:
        await asyncio.gather(*(_echo_talk(p, kind == "echo-buttons") for p in staff))
    # its own CPU too: it may be gone before the parent could read it from /proc
    print(time.perf_counter() - start, time.process_time() - cpu, flush=True)
    await client.close()


# ---- the bots under test, in this process --------------------------------------------------

NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("继续", callback_data="next")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text, reply_markup=NEXT)


async def echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    pressed = context.user_data["pressed"] = context.user_data.get("pressed", 0) + 1
    await update.callback_query.edit_message_text(f"已收到 {pressed}", reply_markup=NEXT)


def echo_app(url: str, our_transport: bool):
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{url}/bot")
        .rate_limiter(Unlimited())
        .concurrent_updates(True)
    )
    if our_transport:
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connections=1))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(echo_button))
    return app


def our_app(url: str, people: int, codes_file: Path, webhook: bool = False, paced: bool = False):
    db_path = temporary_database()
    db = open_database(db_path)
    csv = "姓名,科室,角色\n" + "".join(f"职工{n},门诊部,职工\n" for n in range(people))
    roster.apply(db, roster.parse(csv.encode()), None)
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    codes_file.write_text(json.dumps([i.code for i in issued]))
    port = free_port()
    mode = {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_PORT": str(port)} if webhook else {}
    return bot.build_application(
        settings_for(SimpleNamespace(url=url), db_path, OPINION_DAILY_LIMIT="10", **mode),
        db,
        rate_limiter=bot.pacer() if paced else Unlimited(),
    )


async def measure(
    kind: str, people: int, latency_ms: float, profile: str | None = None, counts: bool = False
) -> tuple[float, float]:
    """(updates a second, bot CPU milliseconds per update) for one configuration; with
    `profile`, the bot's process is profiled while the people act (cProfile, written there);
    with `counts`, what its event loop did is counted and printed (LoopCounts)."""
    api = ApiProcess(HERE, latency_ms)
    url = api.url
    codes_file = temporary_database().with_name("codes.json")
    ours = kind.startswith("ours")
    app = (
        our_app(url, people, codes_file, kind == "ours-webhook", kind == "ours-paced")
        if ours
        else echo_app(url, kind != "echo-default")
    )
    if ours:
        await bot.start_polling(app, poll_timeout=1)
    else:
        await app.initialize()
        await app.updater.start_polling(timeout=1)
        await app.start()
    driven = "ours" if ours else ("echo-buttons" if kind == "echo-buttons" else "echo")
    driver_args = [sys.executable, str(HERE), "--drive", url, "--people", str(people), "--kind", driven]
    if ours:
        driver_args += ["--codes", str(codes_file)]
    driver = await asyncio.create_subprocess_exec(*driver_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert (await driver.stdout.readline()).strip() == b"ready"
    # Every bot measured as the bot runs: bot.serve settles its heap once started (collected,
    # frozen out of the collector's full passes, young passes less often: bot.settle_heap). The
    # floors too: their process holds the same imports as ours, a heap a plain echo of its own
    # would not have to walk, and the collector's settings are the process's, not the bot's code.
    bot.settle_heap()
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not the wall
    counted = LoopCounts(asyncio.get_running_loop()) if counts else contextlib.nullcontext()
    others = cpu_seconds(api.pid)
    cpu = time.process_time()
    with counted:
        if profiler:
            profiler.enable()
        driver.stdin.write(b"go\n")
        await driver.stdin.drain()
        elapsed, people_cpu = map(float, (await driver.stdout.readline()).split())
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        cpu = time.process_time() - cpu
    others = cpu_seconds(api.pid) - others + people_cpu
    await driver.wait()
    if ours:
        await bot.stop_polling(app)
    else:  # an echo has none of the bot's services (bot.stop_polling stops those too)
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    api.close()
    updates = people * STEPS
    print(
        f"  {kind}, {latency_ms:.0f} ms: {updates / elapsed:.0f} updates/s; CPU ms/update: bot "
        f"{cpu * 1000 / updates:.2f}, fake API and people {others * 1000 / updates:.2f}",
        flush=True,
    )
    if isinstance(counted, LoopCounts):
        print(f"    {counted.per_update(updates)}", flush=True)
    return updates / elapsed, cpu * 1000 / updates


KINDS = {
    "echo-default": "floor: plain echo, the library's default transport (httpx)",
    "echo-ours": "floor: plain echo, the bot's transport (aiohttp)",
    "echo-buttons": "floor: echo making our flows' calls (answer + edit), the bot's transport",
    "ours": "整改通: anonymous opinions end to end (long polling)",
    "ours-webhook": "整改通: the same, by webhook",
}
# Not run by default: 整改通 with the pacer it runs with in production (bot.pacer), which keeps
# every call bound for a chat (replies, edits, deletions: all but answering a button press)
# within Telegram's 30 messages a second overall, together with the outbox's messages.
PACED = {"ours-paced": "整改通 with its production pacer (30 calls a second overall)"}


def _spread(values: list[float], digits: int = 0) -> str:
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))


QUICK = ("echo-ours", "echo-buttons", "ours")  # the floors on the bot's transport and ours, by polling


async def main(
    people: int, runs: int, latency_ms: float, kinds: tuple[str, ...] = tuple(KINDS), counts: bool = False
) -> None:
    results: dict[tuple[str, float], list[tuple[float, float]]] = {}
    for _ in range(runs):
        for latency in (0.0, latency_ms):
            for kind in kinds:
                results.setdefault((kind, latency), []).append(
                    await measure(kind, people, latency, counts=counts)
                )
    print(
        f"machine: {machine()}; {people} people at once, {STEPS} updates each, {runs} run(s); "
        "figures are min / median / max"
    )
    for latency in (0.0, latency_ms):
        print(f"\n{latency:.0f} ms added to every Bot API call:")
        for kind, label in KINDS.items():
            if kind not in kinds:
                continue
            rates = [rate for rate, _ in results[(kind, latency)]]
            cpus = [cpu for _, cpu in results[(kind, latency)]]
            print(f"  {label}: {_spread(rates)} updates/s; bot CPU {_spread(cpus, 2)} ms/update")
        ours = statistics.median(cpu for _, cpu in results[("ours", latency)])
        plain = statistics.median(cpu for _, cpu in results[("echo-ours", latency)])
        same_calls = statistics.median(cpu for _, cpu in results[("echo-buttons", latency)])
        print(
            f"  CPU per update, ours / plain echo on the same transport: {ours / plain:.2f} "
            f"(target <= {CPU_TARGET}); ours / echo making the same calls: {ours / same_calls:.2f}"
        )
    rate = statistics.median(rate for rate, _ in results[("ours", latency_ms)])
    print(f"\n整改通 at {latency_ms:.0f} ms: {rate:.0f} updates/s (target >= {RATE_TARGET} with 500 people)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=50, help="milliseconds added to every Bot API call")
    parser.add_argument("--paced", action="store_true", help="also 整改通 with its production pacer")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the floors on the bot's transport and 整改通 by polling (no httpx floor, no webhook)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="one configuration (--kind, 整改通 by polling unless "
        "told), once at --latency, its bot under cProfile written to FILE; no floors",
    )
    parser.add_argument(
        "--counts",
        action="store_true",
        help="also count what each bot's event loop did per update (loop turns, timers, tasks, "
        "calls, connections, collector passes); the counting costs CPU, so compare counts, not CPU",
    )
    parser.add_argument("--serve-api", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--codes", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_api:
        asyncio.run(serve_api(args.latency))
    elif args.drive:
        asyncio.run(drive(args.drive, args.people, args.kind, args.codes))
    elif args.profile:
        rate, cpu = asyncio.run(measure(args.kind or "ours", args.people, args.latency, args.profile))
        print(
            f"{args.people} people, {args.latency:.0f} ms: {rate:.0f} updates/s, bot CPU {cpu:.2f} ms/update "
            f"(under the profiler)"
        )
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(40)
    else:
        if args.paced:
            KINDS.update(PACED)
        kinds = (*(QUICK if args.quick else KINDS), *(PACED if args.paced else ()))
        asyncio.run(main(args.people, args.runs, args.latency, tuple(dict.fromkeys(kinds)), args.counts))
