"""No stall: the 08:30 digest pass and the 09:00 reminder slot run while people use the bot.

A medium campaign is seeded with bench/scale.py's seeding. The fake Bot API and the simulated
people run in processes of their own (bench/updates.py's), so this process does only the
bot's work. People (ordinary staff) each ask for /ledger, wait for the reply, think a moment
and ask again, for the whole run. Meanwhile, on the bot's event loop, a probe task sleeps 10 ms
again and again and records how late it wakes: the loop's lag. The run alternates idle spells
with the two passes (08:30 digests, then 09:00 reminders) on successive working days.

Reported: each pass's time and what it queued; people's reply time p50 / p99 for requests that
overlapped a pass against those in the idle spells (target: p99 within 2x idle); the loop's
longest lag during the passes and idle (target <= 100 ms).

    python bench/stall.py [--people 2000 --problems 20000 --opinions 100000 --leaders 100]
                          [--users 100 --think 1.0 --days 3 --idle 6 --latency 0]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import contextvars
import faulthandler
import gc
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from harness import (
    ROOT,
    ApiProcess,
    Person,
    cpu_seconds,
    machine,
    note_own_holds,
    settings_for,
    temporary_database,
)
from scale import seed
from updates import Unlimited

import bot  # noqa: E402  (harness put the project on the path)
import pacing
from documents import charts
from jobs import delivery, sweeper
from sandbox.client import SandboxClient
from storage.clock import clock
from storage.db import Checkpointer, open_database

HERE = Path(__file__).resolve()
UPDATES = HERE.with_name("updates.py")
FIRST_STAFF = 500_000  # scale.seed's people have Telegram ids from here
PROBE_SECONDS = 0.01


# ---- the people, in a process of their own -------------------------------------------------


async def drive(url: str, ids: list[int], others: list[int], think: float) -> None:
    """Each person asks for /ledger, waits for the reply, thinks, asks again, until told to
    stop; then prints every request's (start, seconds) in wall-clock time."""
    client = SandboxClient(url)
    staff = []
    for user_id in sorted(set(others) - set(ids)):  # the rest of the roster: delivery reaches them
        await client.user(user_id, f"u{user_id}")
    for user_id in ids:
        await client.user(user_id, f"u{user_id}")
        staff.append(Person(client, user_id))
    print("ready", flush=True)
    sys.stdin.readline()
    noting = asyncio.create_task(note_own_holds("the people"))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop() -> None:
        sys.stdin.readline()
        loop.remove_reader(sys.stdin.fileno())
        stopping.set()

    loop.add_reader(sys.stdin.fileno(), stop)
    found: list[tuple[float, float]] = []
    rng = random.Random(1)

    async def act(person: Person) -> None:
        await asyncio.sleep(rng.uniform(0, think))  # not all at once
        while not stopping.is_set():
            start = time.time()
            try:
                await person.send("/ledger")
                found.append((start, time.time() - start))
            except AssertionError:  # no reply within the harness's 10 s
                found.append((start, float("inf")))
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(act(p) for p in staff))
    noting.cancel()
    print(json.dumps(found), flush=True)
    await client.close()


# ---- the bot and the passes, in this process -----------------------------------------------


class LagProbe:
    """Sleeps 10 ms again and again; how late it wakes is how long the loop was held."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (wall time, lag in seconds)
        self.stopped = False
        self.beat = time.perf_counter()  # when the loop last ran the probe

    async def run(self) -> None:
        while not self.stopped:
            start = self.beat = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            self.samples.append((time.time(), time.perf_counter() - start - PROBE_SECONDS))


class Watchdog:
    """While the loop has not run the probe for longer than `limit`, looks at what the loop is
    doing every 10 ms: the project's frames of its stack, counted. What holds the loop is then
    named by the code doing it, not only by the task (asyncio's debug mode).

    Sampled by a timer signal handled in the loop's own thread (its frame at that moment), not
    by a thread of its own: a thread gets the interpreter's lock only where the loop lets go of
    it (a SQLite call, mostly), so its samples named the first SQLite call of every update
    (the person's look-up) for time spent elsewhere."""

    def __init__(self, probe: LagProbe, limit: float) -> None:
        self.probe, self.limit = probe, limit
        self.seen: collections.Counter[tuple[str, ...]] = collections.Counter()

    def start(self) -> None:
        signal.signal(signal.SIGALRM, self._sample)
        signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _sample(self, _signal, frame) -> None:
        if self.probe.stopped or time.perf_counter() - self.probe.beat <= self.limit + PROBE_SECONDS:
            return
        ours: list[str] = []  # innermost first; the frames alone, no source read (it must be quick)
        while frame is not None and len(ours) < 6:
            name = frame.f_code.co_filename
            if name.startswith(str(ROOT)) and "/.venv/" not in name:
                ours.append(f"{Path(name).relative_to(ROOT)}:{frame.f_lineno} {frame.f_code.co_name}")
            frame = frame.f_back
        self.seen[tuple(reversed(ours))] += 1

    def report(self) -> None:
        print(f"where the loop was held past {self.limit * 1000:.0f} ms (samples of 10 ms, most first):")
        for stack, count in self.seen.most_common(8):
            print(f"  {count * 10} ms:\n    " + "\n    ".join(stack or ("(outside the project's code)",)))


DELIVERING = contextvars.ContextVar("delivering", default=False)


class DeliveryPaced(Unlimited):
    """People's replies go at once (the benchmark measures the bot, not Telegram's limits), but
    the outbox is delivered at Telegram's 30 a second, as the bot's pacer does: the 09:00 pass
    queues hundreds of thousands of messages at full size, and sending them as fast as the fake
    API answers would make the bot's CPU after the pass the delivery's, which no bot does."""

    def __init__(self, per_second: float) -> None:
        super().__init__()
        self.timetable = pacing.Timetable(per_second) if per_second else None

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if self.timetable and DELIVERING.get() and data.get("chat_id") is not None:
            await self.timetable.slot()
        return await callback(*args, **kwargs)


def _delivering(send_due):
    async def marked(app):
        DELIVERING.set(True)  # in this delivery task's context only
        return await send_due(app)

    return marked


SLOW_SQL: list[tuple[float, float, str]] = []  # (wall, CPU of the thread, statement) on the loop


def _watch_sql(limit: float) -> None:
    """Every statement on the loop's thread that takes longer than `limit` (seconds), with the
    CPU the thread spent meanwhile: a long wall time on little CPU is a wait (the disk, a lock,
    the OS giving the process no core), not work."""
    import sqlite_utils

    execute, loop_thread = sqlite_utils.Database.execute, threading.get_ident()

    def timed(self, sql, parameters=None):
        if threading.get_ident() != loop_thread:
            return execute(self, sql, parameters)
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return execute(self, sql, parameters)
        finally:
            took = time.perf_counter() - wall
            if took > limit:
                SLOW_SQL.append((took, time.thread_time() - cpu, " ".join(sql.split())[:90]))

    sqlite_utils.Database.execute = timed


HELD: dict[str, float] = {}  # synchronous sweeper task -> its longest run
SLICES: list[float] = []  # each pass slice's time on the loop, its commit included


COMMITS: list[float] = []  # each outermost commit on the loop's thread


def _timed_commits() -> None:
    """How long each commit on the loop takes (the WAL written and fsynced)."""
    import sqlite_utils

    atomic, loop_thread = sqlite_utils.Database.atomic, threading.get_ident()

    @contextlib.contextmanager
    def timed(self):
        outermost = not self.conn.in_transaction and threading.get_ident() == loop_thread
        transaction = atomic(self)
        transaction.__enter__()
        try:
            yield self
        except BaseException:
            if not transaction.__exit__(*sys.exc_info()):
                raise
        else:
            start = time.perf_counter()
            transaction.__exit__(None, None, None)
            if outermost:
                COMMITS.append(time.perf_counter() - start)

    sqlite_utils.Database.atomic = timed


def _timed_slices() -> None:
    """Each slice's time, from the end of one pause to the start of the next: what a pass
    holds the loop for, its commit included."""
    from jobs import slices

    pause = slices.Slices.pause

    async def timed(self) -> None:
        SLICES.append(time.perf_counter() - self.started)
        await pause(self)

    slices.Slices.pause = timed


def _timed(name: str, task):
    def run(app, window):
        start = time.perf_counter()
        try:
            return task(app, window)
        finally:
            HELD[name] = max(HELD.get(name, 0), time.perf_counter() - start)

    return run


def _within(start: float, end: float, spans: list[tuple[float, float]]) -> bool:
    return any(start < b and end > a for a, b in spans)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def seeded(db_path: Path, arguments) -> str:
    """Seeds the database, or copies the one seeded before at the same size from --cache (a
    folder): at full size seeding takes minutes, a copy seconds. The copy is migrated when the
    bot opens it, like any database, so a cache seeded by older code stays usable."""
    if not arguments.cache:
        seed(db_path, arguments.people, arguments.opinions, arguments.problems, arguments.leaders)
        return "seeded"
    sizes = (arguments.people, arguments.opinions, arguments.problems, arguments.leaders)
    cached = Path(arguments.cache) / ("stall-" + "-".join(map(str, sizes)) + ".db")
    how = "copied from the cache"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        fresh = cached.with_suffix(".seeding")
        fresh.unlink(missing_ok=True)
        seed(fresh, *sizes)
        connection = sqlite3.connect(fresh)  # one file: the WAL folded in
        connection.execute("pragma wal_checkpoint(truncate)")
        connection.execute("pragma journal_mode = delete")
        connection.close()
        fresh.rename(cached)
        how = "seeded (and cached)"
    open_database(cached).close()  # migrations added since it was seeded: once, in the cache
    shutil.copyfile(cached, db_path)
    # On disk before the bot starts: the copy's 450 MB otherwise wait in the OS's cache for the
    # first fsync of the file, which is the first checkpoint's, inside a commit on the bot's
    # loop (0.6-0.9 s at the 08:30 pass: the benchmark's own stall, not the bot's)
    with open(db_path, "rb+") as copied:
        os.fsync(copied.fileno())
    return how


def _newest_outbox_row(db) -> int:
    return db.execute("select coalesce(max(id), 0) from outbox").fetchone()[0]


COLLECTIONS: dict[int, list[float]] = {0: [], 1: [], 2: []}  # the garbage collector's pauses
FULL_COLLECTIONS: list[tuple[float, float]] = []  # (wall time at its end, seconds)


def _watch_collections() -> None:
    """Time each of the garbage collector's passes: a full one walks every object the process
    holds, in C, holding the loop with no Python frame for --stacks to name."""
    started: list[float] = []

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            COLLECTIONS[info["generation"]].append(time.perf_counter() - started[0])
            if info["generation"] == 2:
                FULL_COLLECTIONS.append((time.time(), time.perf_counter() - started[0]))

    gc.callbacks.append(timed)


async def run(arguments) -> None:
    if arguments.slow:  # name what holds the loop longer than that (asyncio's debug mode)
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = arguments.slow / 1000
    if arguments.no_charts:  # to see what the charts cost the loop
        from jobs import digests as digest_job

        digest_job.chart_input = lambda *_: None
    delivery.send_due = _delivering(delivery.send_due)
    _watch_collections()
    _timed_slices()
    _timed_commits()
    if arguments.slow_sql:
        _watch_sql(arguments.slow_sql / 1000)
    for name, task in list(sweeper.TASKS.items()):  # each synchronous task holds the loop whole
        sweeper.TASKS[name] = _timed(name, task)
    if arguments.switch:
        sys.setswitchinterval(arguments.switch / 1000)
    db_path = temporary_database()
    start = time.perf_counter()
    how = seeded(db_path, arguments)
    print(f"machine: {machine()}")
    print(
        f"{how} {arguments.people} people, {arguments.opinions} opinions, {arguments.problems} problems, "
        f"{arguments.leaders} leaders in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    api = ApiProcess(UPDATES, arguments.latency)
    url = api.url
    monday = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday; 00:30 UTC is 08:30 in Shanghai
    clock.freeze(monday + timedelta(minutes=29))
    db = open_database(db_path)
    app = bot.build_application(
        settings_for(SimpleNamespace(url=url), db_path),
        db,
        rate_limiter=DeliveryPaced(arguments.delivery_rate),
    )
    await bot.start_polling(app, poll_timeout=1)
    bot.settle_heap()  # as bot.serve does at its start
    bot.shorten_thread_switches()
    checkpoints = None if arguments.autocheckpoint else Checkpointer(db).start()  # as bot.serve does
    await charts.start_drawing()  # as bot.serve does, not at the first 08:30 digest
    for job in app.job_queue.get_jobs_by_name("sweeper"):  # this benchmark runs the passes itself
        job.schedule_removal()
    await sweeper.sweep_app(app)  # the marks, before the first 08:30
    first = FIRST_STAFF + arguments.leaders + 5 + 20  # staff: no digest, no reminder of their own
    ids = list(range(first, first + arguments.users))
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE),
        "--drive",
        url,
        "--ids",
        ",".join(map(str, ids)),
        "--think",
        str(arguments.think),
        "--people",
        str(arguments.people),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        limit=2**26,
    )
    assert (await driver.stdout.readline()).strip() == b"ready"
    probe = LagProbe()
    probing = asyncio.create_task(probe.run())
    watchdog = Watchdog(probe, arguments.stacks / 1000) if arguments.stacks else None
    if watchdog:
        watchdog.start()
    driver.stdin.write(b"go\n")
    await driver.stdin.drain()
    passes: list[tuple[str, float, float, int]] = []
    cpu = time.process_time()
    await asyncio.sleep(arguments.idle)
    day = monday
    for _ in range(arguments.days):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        for name, moment in (
            ("08:30 digests", day + timedelta(minutes=31)),
            ("09:00 reminders", day + timedelta(hours=1, seconds=30)),
        ):
            clock.freeze(moment)
            # the newest row's number, not count(*): counting 300,000 rows held the loop 0.66 s at
            # the start of every pass, the benchmark's own stall (asyncio's debug mode named it)
            queued_before = _newest_outbox_row(db)
            api_cpu = cpu_seconds(api.pid)
            began = time.time()
            print(f"{datetime.now(UTC):%H:%M:%S} pass {name} begins", flush=True)
            await sweeper.sweep_app(app)
            print(
                f"{datetime.now(UTC):%H:%M:%S} pass {name} took {time.time() - began:.1f} s; "
                f"the fake Bot API's process used {cpu_seconds(api.pid) - api_cpu:.1f} s of CPU meanwhile",
                flush=True,
            )
            passes.append(
                (
                    name,
                    began,
                    time.time(),
                    _newest_outbox_row(db) - queued_before,
                )
            )
            await asyncio.sleep(arguments.idle)
        day += timedelta(days=1)
    cpu = time.process_time() - cpu
    driver.stdin.write(b"stop\n")
    await driver.stdin.drain()
    found = json.loads((await driver.stdout.readline()).decode())
    await driver.wait()
    probe.stopped = True
    if watchdog:
        watchdog.stop()
    await probing
    await bot.stop_polling(app)
    if checkpoints:
        checkpoints.stop()
    db.close()
    api.close()
    clock.reset()
    report(arguments, passes, found, probe.samples, cpu)
    if watchdog:
        watchdog.report()
    if arguments.slow_sql:
        by_statement: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
        for wall, cpu, sql in SLOW_SQL:
            by_statement[sql].append((wall, cpu))
        print(f"statements on the loop over {arguments.slow_sql:.0f} ms (count, longest, its CPU):")
        for sql, found in sorted(by_statement.items(), key=lambda item: -len(item[1]))[:10]:
            wall, cpu = max(found)
            print(f"  {len(found)} x, {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU): {sql}")


def report(arguments, passes, found, samples, cpu: float) -> None:
    spans = [(began, ended) for _, began, ended, _ in passes]
    print(
        "longest run of each synchronous sweeper task (it holds the loop throughout): "
        + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in HELD.items())
    )
    for name, began, ended, queued in passes:
        print(f"pass {name}: {ended - began:.2f} s, {queued} messages queued")
    print(
        "the garbage collector's passes (count, longest): "
        + ", ".join(
            f"generation {g} {len(p)}, {max(p, default=0) * 1000:.0f} ms" for g, p in COLLECTIONS.items()
        )
    )
    if SLICES:
        print(
            f"the passes' slices on the loop: {len(SLICES)}, p50 {_percentile(SLICES, 0.5) * 1000:.1f} ms, "
            f"p99 {_percentile(SLICES, 0.99) * 1000:.1f} ms, max {max(SLICES) * 1000:.1f} ms"
        )
    if COMMITS:
        print(
            f"commits on the loop: {len(COMMITS)}, p50 {_percentile(COMMITS, 0.5) * 1000:.1f} ms, "
            f"p99 {_percentile(COMMITS, 0.99) * 1000:.1f} ms, max {max(COMMITS) * 1000:.1f} ms, "
            f"{sum(COMMITS):.1f} s in all"
        )
    if FULL_COLLECTIONS:
        print(
            "full collections (ended, seconds): "
            + ", ".join(
                f"{datetime.fromtimestamp(at, UTC):%H:%M:%S.%f} {took:.3f}" for at, took in FULL_COLLECTIONS
            )
        )
    during = [seconds for start, seconds in found if _within(start, start + seconds, spans)]
    idle = [seconds for start, seconds in found if not _within(start, start + seconds, spans)]
    print(
        f"{arguments.users} people asking /ledger (think {arguments.think} s), latency {arguments.latency} ms; "
        f"bot process CPU {cpu:.1f} s"
    )
    for label, values in (("idle", idle), ("during the passes", during)):
        lost = sum(v == float("inf") for v in values)
        print(
            f"reply time {label}: {len(values)} requests, p50 {_percentile(values, 0.5) * 1000:.0f} ms, "
            f"p99 {_percentile(values, 0.99) * 1000:.0f} ms, max {max(values, default=0) * 1000:.0f} ms"
            + (f", {lost} unanswered within 10 s" if lost else "")
        )
    if idle and during:
        print(
            f"p99 during / idle: {_percentile(during, 0.99) / _percentile(idle, 0.99):.2f}x (target <= 2); "
            f"p50 {statistics.median(during) / statistics.median(idle):.2f}x"
        )
    lag_during = [lag for at, lag in samples if _within(at - lag - PROBE_SECONDS, at, spans)]
    lag_idle = [lag for at, lag in samples if not _within(at - lag - PROBE_SECONDS, at, spans)]
    for name, began, ended, _ in passes:
        values = [lag for at, lag in samples if _within(at - lag - PROBE_SECONDS, at, [(began, ended)])]
        replies = [seconds for start, seconds in found if _within(start, start + seconds, [(began, ended)])]
        slowest = sorted(
            (-seconds, start) for start, seconds in found if _within(start, start + seconds, [(began, ended)])
        )
        print(
            f"  slowest replies during {name} (asked, seconds after the pass began: took): "
            + ", ".join(f"{start - began:.1f}: {-took * 1000:.0f} ms" for took, start in slowest[:8])
        )
        print(
            f"  during {name} ({began - spans[0][0]:.0f} s in): lag p99 {_percentile(values, 0.99) * 1000:.1f} ms, "
            f"max {max(values, default=0) * 1000:.1f} ms; reply p50 {_percentile(replies, 0.5) * 1000:.0f} ms, "
            f"p99 {_percentile(replies, 0.99) * 1000:.0f} ms ({len(replies)} requests)"
        )
    longest = sorted(samples, key=lambda sample: -sample[1])[:5]
    print(
        "longest holds (when the probe woke, wall clock; seconds): "
        + ", ".join(f"{datetime.fromtimestamp(at, UTC):%H:%M:%S.%f} {lag:.3f}" for at, lag in longest)
    )
    for label, values in (("idle", lag_idle), ("during the passes", lag_during)):
        print(
            f"event loop lag {label}: {len(values)} samples, p50 {_percentile(values, 0.5) * 1000:.1f} ms, "
            f"p99 {_percentile(values, 0.99) * 1000:.1f} ms, max {max(values, default=0) * 1000:.1f} ms"
            + (" (target <= 100 ms)" if label != "idle" else "")
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--problems", type=int, default=20_000)
    parser.add_argument("--opinions", type=int, default=100_000)
    parser.add_argument("--leaders", type=int, default=100)
    parser.add_argument("--users", type=int, default=100, help="simulated people using the bot meanwhile")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a reply and the next ask")
    parser.add_argument("--days", type=int, default=3, help="working days of passes")
    parser.add_argument("--idle", type=float, default=6.0, help="idle seconds before and after each pass")
    parser.add_argument(
        "--delivery-rate",
        type=float,
        default=30,
        help="outbox messages a second (Telegram's 30); 0: unlimited",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="ms added to every Bot API call")
    parser.add_argument(
        "--slow",
        type=float,
        default=0,
        help="log every step that holds the event loop longer than this many ms",
    )
    parser.add_argument(
        "--stacks",
        type=float,
        default=0,
        help="ms: name the code that holds the loop longer than that (sampled stacks)",
    )
    parser.add_argument(
        "--cache", help="a folder: seed once into it, copy the seeded database from it on later runs"
    )
    parser.add_argument(
        "--slow-sql", type=float, default=0, help="ms: name the statements on the loop slower"
    )
    parser.add_argument("--switch", type=float, default=0, help="the interpreter's switch interval, ms")
    parser.add_argument(
        "--autocheckpoint",
        action="store_true",
        help="checkpoints inside the bot's commits, as before (no checkpointer thread)",
    )
    parser.add_argument("--no-charts", action="store_true", help="digests without their charts")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.drive:
        asyncio.run(
            drive(
                arguments.drive,
                [int(i) for i in arguments.ids.split(",")],
                [FIRST_STAFF + n for n in range(arguments.people)],
                arguments.think,
            )
        )
    else:
        faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: every thread's stack, now
        asyncio.run(run(arguments))
