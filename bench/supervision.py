"""督导 at city scale: N institutions, each a database of its own with P problems in every state,
its people, opinions, look-backs with ballots and extensions, under a body database with
orders, run by the real bot (bot.build_application over the fake Bot API). Measures:

- the body's roll-up (every institution's figures, as the digest and /rollup read them): cold
  (every institution read), warm (nothing changed: every institution's figures from the cache)
  and after one institution changed; the floor in the same run: counting every institution's
  problems by status with plain sqlite3, one query per database;
- the body's roll-up digest as the 09:00 pass queues it (read, ranked, drawn, queued), cold
  (every institution read; the chart process started at the bot's start, as bot.serve does);
  its chart alone, against its own floor (an empty figure its size saved as PNG);
- one institution's leader digest in the city against the same database alone (a deployment
  of one institution);
- the sweeper over every institution: the 09:00 slot (everything it queues, in every
  institution) and an ordinary minute;
- the files' sizes (and the roll-up indexes' share) and the process's memory.

The city is seeded fast: one institution's database is seeded once (scale.seed, plus ballots
and extensions), kept in --keep, and copied N times with the Telegram accounts moved apart.

    python bench/supervision.py [--institutions 5 --problems 2000 --people 2500 --opinions 2000]
    python bench/supervision.py --full      # the city: 50 × 10,000 problems, 100,000 people
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from charts import empty_png
from harness import machine, sandbox, settings_for
from scale import seed as seed_campaign

import bot
import services
from documents import charts, rollup_workbook
from jobs import digests as digest_job
from jobs import institutions, supervision, sweeper
from storage import digests, orders, people
from storage import institutions as directory
from storage.clock import clock
from storage.db import open_database

TODAY = date(2026, 11, 23)  # a Monday; scale.seed's data is dated around it
SLOT = datetime(2026, 11, 23, 1, 0, 30, tzinfo=UTC)  # 09:00:30 in Shanghai
BALLOTS = 10  # per held look-back
CHART = "of which the chart (drawn in the chart process)"
CHART_FLOOR = "the chart's floor: an empty figure its size saved as PNG (bench/charts.py)"


def seed_template(path: Path, people_count: int, opinions: int, problems: int) -> None:
    """One institution: scale.seed's campaign (its problems cycle through every state), with
    look-back ballots and approved extensions added."""
    seed_campaign(path, people_count, opinions, problems, leaders=max(5, people_count // 100))
    rng = random.Random(2)
    connection = sqlite3.connect(path)
    with connection:
        held = [r[0] for r in connection.execute("select id from lookbacks where result = 'held'")]
        choices = ("satisfied", "basic", "unsatisfied", "unknown")
        connection.executemany(
            "insert into lookback_ballots (id, lookback_id, choice) values (?, ?, ?)",
            (
                (secrets.token_hex(8), lookback, rng.choices(choices, (5, 3, 1, 1))[0])
                for lookback in held
                for _ in range(BALLOTS)
            ),
        )
        connection.executemany(
            "insert into problem_extensions (problem_id, requester_id, reason, new_deadline, asked_at, "
            "decider_role, decision) values (?, 1, '设备到货延迟', '2027-01-31', '2026-10-01T00:00:00+00:00', "
            "'leader', 'approved')",
            ((pid,) for pid in range(1, problems + 1, 9)),
        )
    connection.execute("pragma wal_checkpoint(truncate)")
    connection.close()


def build_city(main_path: Path, template: Path, count: int) -> list[directory.Institution]:
    """The body (the main database, with two supervisors and a commission leader) and `count`
    copies of the template, each one's Telegram accounts moved to a range of its own."""
    body = open_database(main_path)
    directory.add(body, "市卫健委", directory.BODY, main=True)
    with body.atomic():
        body.execute("insert into departments (name) values ('督导组')")
        body.conn.executemany(
            "insert into people (roster_key, name, department_id, roles, telegram_user_id, chat_id, reachable, "
            "active) values (?, ?, 1, ?, ?, ?, 1, 1)",
            [
                (f"b{n}", f"督导{n}", role, 9_000 + n, 9_000 + n)
                for n, role in enumerate(["supervisor staff", "supervisor staff", "commission staff"])
            ],
        )
    units = []
    for n in range(count):
        unit = directory.add(body, f"第{n + 1:02d}医院", directory.INSTITUTION)
        target = unit.file(main_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        offset = (n + 1) * 1_000_000
        connection = sqlite3.connect(target)
        with connection:
            connection.execute(
                "update people set telegram_user_id = telegram_user_id + ?, chat_id = chat_id + ?",
                [offset, offset],
            )
            accounts = [r[0] for r in connection.execute("select telegram_user_id from people")]
        connection.close()
        with body.atomic():
            body.conn.executemany(
                "insert into institution_members (telegram_user_id, institution_id) values (?, ?)",
                [(account, unit.id) for account in accounts],
            )
        units.append(unit)
    for unit in units:
        unit_db = open_database(unit.file(main_path))
        for m in range(3):
            orders.issue(body, unit_db, unit.id, f"督办{m}", TODAY + timedelta(days=m * 5 - 5), None)
        unit_db.close()
    body.close()
    return units


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def floor(main_path: Path, units) -> float:
    started = time.perf_counter()
    for unit in units:
        connection = sqlite3.connect(unit.file(main_path))
        connection.execute("select status, count(*) from problems group by status").fetchall()
        connection.close()
    return time.perf_counter() - started


async def measure(main_path: Path, template: Path, units, results: dict) -> None:
    async with sandbox() as server:
        clock.freeze(SLOT - timedelta(minutes=2))
        started = time.perf_counter()
        body_db = open_database(main_path)
        app = bot.build_application(settings_for(server, main_path, INSTITUTION_NAME="市卫健委"), body_db)
        results["start-up: the application with every institution opened"] = time.perf_counter() - started
        results["memory after start-up (MB)"] = rss_mb()
        started = time.perf_counter()
        await charts.start_drawing()  # as the bot's start does (bot.serve), before any digest
        results["the chart process started, at the bot's start"] = time.perf_counter() - started

        def forget() -> None:
            for view in supervision.institution_views(app):
                held = services.of(view)
                cache, held.rollup_cache = held.rollup_cache, None
                if cache is not None:
                    cache.close()

        times = []
        for _ in range(3):
            forget()
            started = time.perf_counter()
            ranked, by_name = await supervision.collect(app, TODAY)
            times.append(time.perf_counter() - started)
        results["roll-up, cold (every institution read)"] = min(times)
        started = time.perf_counter()
        await supervision.collect(app, TODAY)
        results["roll-up, warm (nothing changed)"] = time.perf_counter() - started
        changed = supervision.institution_views(app)[0].bot_data["db"]
        with changed.atomic():
            changed.execute("update problems set status = 'closed' where id = 1")
        started = time.perf_counter()
        await supervision.collect(app, TODAY)
        results["roll-up, one institution changed"] = time.perf_counter() - started
        started = time.perf_counter()
        book = rollup_workbook.to_bytes(ranked, by_name, TODAY)
        results["workbook"] = time.perf_counter() - started
        results["workbook size (KB)"] = len(book) / 1024

        forget()
        clock.freeze(SLOT)
        started = time.perf_counter()
        queued = await supervision.queue_digest(app, SLOT)
        results["roll-up digest, cold: read, ranked, drawn, put in the outbox"] = (
            time.perf_counter() - started
        )
        results["roll-up digest messages queued"] = queued
        forget()  # the next working day: every institution read again, the chart process running
        clock.freeze(SLOT + timedelta(days=1))
        started = time.perf_counter()
        await supervision.queue_digest(app, SLOT + timedelta(days=1))
        results["roll-up digest, the next day: read, ranked, drawn, put in the outbox"] = (
            time.perf_counter() - started
        )
        started = time.perf_counter()
        await supervision.draw_chart_apart("zh-CN", ranked)
        results[CHART] = time.perf_counter() - started
        results[CHART_FLOOR] = min(empty_png(len(ranked)) for _ in range(3))

        one = supervision.institution_views(app)[1]
        results["one institution's leader digest, in the city"] = leader_digest(
            one.bot_data["db"], app.bot_data["settings"]
        )
        alone = template.with_name("alone.db")
        shutil.copyfile(template, alone)
        alone_db = open_database(alone)
        results["the same, its database alone (one institution)"] = leader_digest(
            alone_db, app.bot_data["settings"]
        )
        alone_db.close()

        clock.freeze(SLOT - timedelta(minutes=1))
        for unit in institutions.each(app):  # the minute before: every task's last pass recorded
            await sweeper.sweep_app(unit)
        before = outboxes(app)
        clock.freeze(SLOT)
        started = time.perf_counter()
        for unit in institutions.each(app):
            await sweeper.sweep_app(unit)
        results["sweeper, the 09:00 slot, every institution"] = time.perf_counter() - started
        results["messages the 09:00 slot queued"] = outboxes(app) - before
        results["memory after the 09:00 slot (MB)"] = rss_mb()
        minutes = []
        for minute in range(1, 6):
            clock.freeze(SLOT + timedelta(minutes=minute))
            started = time.perf_counter()
            for unit in institutions.each(app):
                await sweeper.sweep_app(unit)
            minutes.append(time.perf_counter() - started)
        results["sweeper, an ordinary minute, every institution (best of 5)"] = min(minutes)
        results["sweeper, an ordinary minute (median of 5)"] = sorted(minutes)[2]
        institutions.close(app)
        body_db.close()
    clock.reset()


def leader_digest(db, settings) -> float:
    leader = next(p for p in people.everyone(db) if "leader" in p.roles)
    since = SLOT - timedelta(days=1)

    def once() -> None:
        digest_job.render(
            "zh-CN",
            leader,
            digests.for_leader(db, leader, since, TODAY, settings.timezone),
            "digest.title.daily",
            "11-22 08:30",
        )

    times = []
    for _ in range(5):
        started = time.perf_counter()
        once()
        times.append(time.perf_counter() - started)
    return min(times)


def outboxes(app) -> int:
    return sum(
        view.bot_data["db"].execute("select count(*) from outbox").fetchone()[0]
        for view in institutions.each(app)
    )


def index_bytes(path: Path, names: tuple[str, ...]) -> int:
    connection = sqlite3.connect(path)
    try:
        marks = ",".join("?" * len(names))
        return connection.execute(
            f"select coalesce(sum(pgsize), 0) from dbstat where name in ({marks})", names
        ).fetchone()[0]
    except sqlite3.OperationalError:  # a SQLite built without dbstat
        return 0
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=5)
    parser.add_argument("--problems", type=int, default=2000, help="per institution")
    parser.add_argument("--people", type=int, default=2500, help="in all, shared out evenly")
    parser.add_argument("--opinions", type=int, default=2000, help="per institution")
    parser.add_argument(
        "--full",
        action="store_true",
        help="the city: 50 × 10,000 problems, 100,000 people, 20,000 opinions each",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=Path("/tmp/rectify-bench-city"),
        help="where the template and the city are kept (the template is reused)",
    )
    args = parser.parse_args()
    if args.full:
        args.institutions, args.problems, args.people, args.opinions = 50, 10_000, 100_000, 20_000
    per_unit = args.people // args.institutions
    folder = args.keep / f"{args.institutions}x{args.problems}-{per_unit}p-{args.opinions}o"
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / "template.db"
    print(f"machine: {machine()}")
    started = time.perf_counter()
    if not template.exists():
        seed_template(template.with_suffix(".part"), per_unit, args.opinions, args.problems)
        template.with_suffix(".part").rename(template)
        print(
            f"template seeded in {time.perf_counter() - started:.1f} s: {per_unit} people, "
            f"{args.opinions} opinions, {args.problems} problems"
        )
    city = folder / "city"
    shutil.rmtree(city, ignore_errors=True)
    started = time.perf_counter()
    units = build_city(city / "rectify.db", template, args.institutions)
    print(
        f"city built in {time.perf_counter() - started:.1f} s from the template ({args.institutions} copies)"
    )
    main_path = city / "rectify.db"
    sizes = [u.file(main_path).stat().st_size for u in units]
    rollup_share = index_bytes(template, ("problems_rollup", "opinions_released_category"))
    print(
        f"{args.institutions} institutions × {args.problems} problems, {per_unit * args.institutions} people, "
        f"{args.opinions * args.institutions} opinions"
    )
    print(
        f"files: one institution {sizes[0] / 2**20:.1f} MB (of which the roll-up indexes "
        f"{rollup_share / 2**20:.2f} MB), all {sum(sizes) / 2**20:.0f} MB, the body "
        f"{main_path.stat().st_size / 2**20:.1f} MB"
    )
    base = floor(main_path, units)
    print(f"floor (count by status, plain sqlite3, every database): {base * 1000:.1f} ms")
    results: dict[str, float] = {}
    asyncio.run(measure(main_path, template, units, results))
    for name, value in results.items():
        if "(MB)" in name or "(KB)" in name or "queued" in name:
            print(f"{name}: {value:,.0f}")
        elif name == CHART_FLOOR:
            print(f"{name}: {value * 1000:,.1f} ms")
        elif name == CHART:
            print(f"{name}: {value * 1000:,.1f} ms = {value / results[CHART_FLOOR]:.1f} × the chart's floor")
        else:
            print(f"{name}: {value * 1000:,.1f} ms = {value / base:.1f} × floor")


if __name__ == "__main__":
    main()
