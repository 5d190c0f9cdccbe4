"""Scale: a database with 10,000 people, 1,000,000 opinions and 100,000 problems (seeded in one
go by `seed`), then: one sweeper pass (target <= 50 ms), one leader's digest (<= 50 ms), all
digests for 200 leaders (<= 2 s), an Excel export of the whole ledger (time and memory), the
bot's start-up time (<= 2 s) and resident memory (<= 200 MB). The floor, in the same run: reading
every problem row with plain sqlite3.

    python bench/scale.py [--people 10000 --opinions 1000000 --problems 100000 --leaders 200] [--slot]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from harness import ROOT, TOKEN, machine, sandbox, settings_for, temporary_database

import bot
from jobs import digests as digest_job
from jobs import sweeper
from storage import anonymous_pool, digests, people
from storage.clock import clock, iso
from storage.db import open_database

DEPARTMENTS = [
    "门诊部",
    "住院部",
    "后勤保障科",
    "医务科",
    "护理部",
    "组织人事科",
    "院办",
    "财务科",
    "信息科",
    "药剂科",
]
STATES = [
    "listed",
    "claimed",
    "dispatched",
    "in_progress",
    "closure_requested",
    "closed",
    "returned",
    "explained",
]


def seed(db_path: Path, people_count: int, opinions: int, problems: int, leaders: int) -> None:
    """Plain INSERTs in one transaction: seconds, not minutes."""
    db = open_database(db_path)
    connection = db.conn
    rng = random.Random(1)
    today = date(2026, 11, 22)
    with db.atomic():
        for name in DEPARTMENTS:
            db["departments"].insert({"name": name})
        connection.executemany(
            "insert into people (roster_key, name, department_id, roles, telegram_user_id, chat_id, reachable, "
            "active) values (?, ?, ?, ?, ?, ?, 1, 1)",
            (
                (f"p{n}", f"员工{n}", 1 + n % len(DEPARTMENTS), _roles(n, leaders), 500_000 + n, 500_000 + n)
                for n in range(people_count)
            ),
        )
        connection.executemany(
            "insert into opinions (id, anonymous, author_id, category, department_id, text, submitted_on, status, "
            "released) values (?, 1, null, ?, ?, ?, ?, ?, 1)",
            (
                (
                    secrets.token_hex(8),
                    rng.choice(["形式主义", "医疗服务", "工作作风", "其他"]),
                    1 + rng.randrange(len(DEPARTMENTS)),
                    f"意见 {n}：挂号排队时间长，周末窗口少",
                    (today - timedelta(days=n % 120)).isoformat(),
                    rng.choice(["new", "replied", "closed"]),
                )
                for n in range(opinions)
            ),
        )
        created = iso(datetime(2026, 9, 1, tzinfo=UTC))
        connection.executemany(
            "insert into problems (title, source, status, leader_id, department_id, deadline, measures, "
            "created_at, last_progress_at, closed_at, progress) values (?, 'meeting', ?, ?, ?, ?, '措施', ?, ?, ?, ?)",
            (
                (
                    f"问题 {n}",
                    state := STATES[n % len(STATES)],
                    None if state == "listed" else 1 + n % leaders,
                    1 + n % len(DEPARTMENTS),
                    (today + timedelta(days=n % 60 - 20)).isoformat(),
                    created,
                    created,
                    _closed_at(n) if state == "closed" else None,
                    50,
                )
                for n in range(problems)
            ),
        )
        connection.executemany(  # the look-backs of past days took place on their days
            "insert into lookbacks (problem_id, round, opens_on, closes_on, result) "
            "select id, ?, date(closed_at, ?), date(closed_at, ?), 'held' from problems "
            "where status = 'closed' and date(closed_at, ?) < '2026-11-23'",
            [(f"{days}d", f"+{days} days", f"+{days + 14} days", f"+{days} days") for days in (30, 90)],
        )
        connection.executemany(
            "insert into audit (at, actor_id, action, subject) values (?, null, 'problem.report', ?)",
            (
                (
                    iso(datetime(2026, 11, 21, 10, tzinfo=UTC) + timedelta(seconds=n)),
                    f"problem:{1 + n * 37 % problems}",
                )
                for n in range(2000)
            ),
        )
    db.close()


def _closed_at(n: int) -> str:
    """Closed on one of the last 120 days, so that a day's look-backs are a day's worth."""
    return iso(datetime(2026, 11, 22, 2, tzinfo=UTC) - timedelta(days=n % 113))


def _roles(n: int, leaders: int) -> str:
    """Leaders first, then five in the office, then two heads per department (consecutive
    numbers fall in consecutive departments), then staff."""
    if n < leaders:
        return "leader staff"
    if n < leaders + 5:
        return "office staff"
    return "head staff" if n < leaders + 5 + 2 * len(DEPARTMENTS) else "staff"


def best(function, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(db_path: Path) -> float:
    def read_all() -> None:
        connection = sqlite3.connect(db_path)
        connection.execute("select * from problems").fetchall()
        connection.close()

    return best(read_all)


async def measure(db_path: Path, leaders: int, slot: bool) -> dict[str, float]:
    found: dict[str, float] = {}
    async with sandbox() as server:
        db = open_database(db_path)
        app = bot.build_application(settings_for(server, db_path), db)
        settings = app.bot_data["settings"]
        now = datetime(2026, 11, 23, 1, 0, 30, tzinfo=UTC)  # 09:00:30 in Shanghai, a Monday
        clock.freeze(now - timedelta(minutes=1))
        await sweeper.sweep_app(app)  # records the last pass
        if slot:
            clock.freeze(now)
            start = time.perf_counter()
            await sweeper.sweep_app(app)
            found["sweeper pass over the 09:00 reminder slot (queues every reminder)"] = (
                time.perf_counter() - start
            )
            found["reminders queued"] = db.execute("select count(*) from outbox").fetchone()[0] / 1000
        else:
            db.execute(
                "update job_state set value = ? where name = 'reminders.last_sweep' or name like 'sweeper.%'",
                [now.isoformat()],
            )
            db.conn.commit()
        for minute in range(1, 6):
            clock.freeze(now + timedelta(minutes=minute))
            start = time.perf_counter()
            await sweeper.sweep_app(app)
            found["sweeper pass, an ordinary minute"] = min(
                found.get("sweeper pass, an ordinary minute", 1e9), time.perf_counter() - start
            )
        everyone = people.everyone(db)
        chosen = [p for p in everyone if "leader" in p.roles][:leaders]
        since, today = now - timedelta(days=1), date(2026, 11, 23)
        found["one leader's digest"] = best(
            lambda: digest_job.render(
                "zh-CN",
                chosen[0],
                digests.for_leader(db, chosen[0], since, today, settings.timezone),
                "digest.title.daily",
                "11-22 08:30",
            )
        )

        def all_digests() -> None:
            for leader in chosen:
                digest_job.render(
                    "zh-CN",
                    leader,
                    digests.for_leader(db, leader, since, today, settings.timezone),
                    "digest.title.daily",
                    "11-22 08:30",
                )

        found[f"all digests for {len(chosen)} leaders (text)"] = best(all_digests, runs=2)
        digest = digests.for_leader(db, chosen[0], since, today, settings.timezone)
        found["one digest chart"] = best(lambda: digest_job.draw_chart("zh-CN", chosen[0], digest), runs=3)
        found["the office's digest"] = best(
            lambda: digests.for_office(db, since, today, settings.timezone), runs=2
        )
        db.close()
    clock.reset()
    return found


def anonymous_batch(db_path: Path, size: int = 1000) -> float:
    """A batch of the mixing pool: `size` anonymous opinions written in random order in one
    transaction, then the WAL checkpointed and cut (target: 1,000 in under a second)."""
    db = open_database(db_path)
    pool = anonymous_pool.attach(db, k=size + 1)  # nothing leaves before the timed write
    for n in range(size):
        pool.add_opinion(
            anonymous_pool.PendingOpinion(
                secrets.token_hex(4).upper(),
                "其他",
                None,
                f"意见 {n} " + "候诊区座椅不足，" * 20,
                "2026-11-23",
                secrets.token_hex(32),
            )
        )
    start = time.perf_counter()
    written = pool.write_opinions()
    seconds = time.perf_counter() - start
    assert written == size
    db.close()
    return seconds


def export(db_path: Path) -> tuple[float, float]:
    """The whole ledger to .xlsx in a separate process: seconds and peak memory (MB)."""
    # the child's own peak from /proc: its ru_maxrss would carry this process's peak (251 MB once)
    code = (
        "import sys,time;sys.path.insert(0,'.');from datetime import date;from zoneinfo import ZoneInfo;"
        "from documents import ledger_workbook;from storage.db import open_database;"
        f"db=open_database({str(db_path)!r});start=time.perf_counter();"
        f"n=ledger_workbook.write(db,{str(db_path.with_suffix('.xlsx'))!r},date(2026,11,23),ZoneInfo('Asia/Shanghai'));"
        "peak=[int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0];"
        "print(n,time.perf_counter()-start,peak/1024)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    _, seconds, megabytes = result.stdout.split()
    return float(seconds), float(megabytes)


async def startup(db_path: Path) -> tuple[float, float]:
    """`python bot.py` against the sandbox on this database: seconds until it polls, and its
    resident memory then (MB)."""
    async with sandbox() as server:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": server.url,
            "DATABASE_PATH": str(db_path),
            "LOG_LEVEL": "INFO",
            "PATH": "/usr/bin:/bin",
        }
        start = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "bot.py", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
        )
        while b"bot running" not in (await process.stderr.readline()):
            pass
        seconds = time.perf_counter() - start
        rss = (
            next(
                int(line.split()[1])
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines()
                if line.startswith("VmRSS")
            )
            / 1024
        )
        process.terminate()
        await process.wait()
    return seconds, rss


def main(arguments) -> None:
    db_path = temporary_database()
    start = time.perf_counter()
    seed(db_path, arguments.people, arguments.opinions, arguments.problems, arguments.leaders)
    print(f"machine: {machine()}")
    print(
        f"seeded {arguments.people} people, {arguments.opinions} opinions, {arguments.problems} problems "
        f"in {time.perf_counter() - start:.1f} s ({db_path.stat().st_size / 2**20:.0f} MB)"
    )
    read_all = floor(db_path)
    print(f"floor: reading every problem row with plain sqlite3: {read_all * 1000:.0f} ms")
    for name, seconds in asyncio.run(measure(db_path, arguments.leaders, arguments.slot)).items():
        if name == "reminders queued":
            print(f"{name}: {seconds * 1000:.0f}")
            continue
        print(f"{name}: {seconds * 1000:.0f} ms ({seconds / read_all:.2f} x floor)")
    seconds = anonymous_batch(db_path)
    print(
        f"a batch of 1,000 anonymous opinions (shuffled, WAL cut): {seconds * 1000:.0f} ms "
        f"({seconds / read_all:.2f} x floor; target 1 s)"
    )
    seconds, megabytes = export(db_path)
    print(f"Excel export of the whole ledger: {seconds:.1f} s, peak memory {megabytes:.0f} MB")
    seconds, megabytes = asyncio.run(startup(db_path))
    print(f"bot start-up: {seconds:.2f} s to polling, resident memory {megabytes:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--leaders", type=int, default=200)
    parser.add_argument(
        "--slot",
        action="store_true",
        help="also time the 09:00 pass that queues every reminder (slow: one row each)",
    )
    main(parser.parse_args())
