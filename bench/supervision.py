"""督导 at city scale: N institutions, each a database of its own with P problems in every state
(and some opinions, look-back ballots and extensions), and a body database with orders. Measures
the body's roll-up (every institution's figures, read as the digest and /rollup read them) and
the workbook built from it. The floor, in the same run: counting every institution's problems
with plain sqlite3 (one query per database).

The issue's target is a city: 50 institutions × 10,000 problems, the roll-up within 1 s. Run
small here (the machine is shared); the roll-up reads each institution with aggregate queries
over indexed columns, so its time grows with the problem count and the institution count, and
the report extrapolates linearly from what it measured.

    python bench/supervision.py [--institutions 5 --problems 2000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from harness import machine, temporary_database

from documents import rollup_workbook
from jobs.supervision import READERS
from storage import institutions as directory
from storage import orders, rollup
from storage.db import open_database, reader

STATES = ["listed", "claimed", "dispatched", "in_progress", "closure_requested", "closed", "returned", "explained"]
CATEGORIES = ["形式主义", "官僚主义", "享乐主义", "奢靡之风", "医疗服务", "工作作风", "其他"]


def seed_institution(db_path: Path, problems: int, today: date, rng: random.Random) -> None:
    db = open_database(db_path)
    conn = db.conn
    with conn:
        conn.execute("insert into departments (name) values ('门诊部')")
        conn.executemany(
            "insert into problems (title, source, status, deadline, department_id, created_at, last_progress_at) "
            "values (?, 'meeting', ?, ?, 1, ?, ?)",
            [(f"问题{n}", rng.choice(STATES), (today + timedelta(days=rng.randint(-60, 60))).isoformat(),
              f"{today - timedelta(days=90)}T08:00:00+00:00",
              f"{today - timedelta(days=rng.randint(0, 30))}T08:00:00+00:00") for n in range(problems)])
        conn.executemany("insert into opinions (id, category, text, submitted_on, released, anonymous, status) "
                         "values (?, ?, 'x', ?, 1, 1, 'new')",
                         [(f"O{n:07d}", rng.choice(CATEGORIES), today.isoformat()) for n in range(problems // 2)])
    db.close()


def read_all(units, unit_dbs, today: date, readers: int) -> list:
    """Every institution's figures through read-only connections of their own, `readers` at a
    time (jobs/supervision.collect reads them so)."""
    def one(pair):
        unit, unit_db = pair
        with reader(unit_db) as reading:
            return rollup.figures(reading, unit.name, today)
    with ThreadPoolExecutor(max_workers=readers) as pool:
        return list(pool.map(one, zip(units, unit_dbs, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=5)
    parser.add_argument("--problems", type=int, default=2000)
    args = parser.parse_args()
    rng, today = random.Random(1), date(2026, 6, 1)
    main_path = temporary_database()
    body = open_database(main_path)
    directory.add(body, "市卫健委", directory.BODY, main=True)
    units = []
    for n in range(args.institutions):
        unit = directory.add(body, f"第{n + 1}医院", directory.INSTITUTION)
        seed_institution(unit.file(main_path), args.problems, today, rng)
        units.append(unit)
    unit_dbs = [open_database(u.file(main_path)) for u in units]
    for unit, unit_db in zip(units, unit_dbs, strict=True):
        for m in range(3):
            orders.issue(body, unit_db, unit.id, f"督办{m}", today + timedelta(days=m * 5 - 5), None)

    started = time.perf_counter()
    for unit in units:
        connection = sqlite3.connect(unit.file(main_path))
        connection.execute("select status, count(*) from problems group by status").fetchall()
        connection.close()
    floor = time.perf_counter() - started

    started = time.perf_counter()
    found = rollup.ranked(read_all(units, unit_dbs, today, 1))
    by_id = orders.figures_by_institution(body, today)
    took_alone = time.perf_counter() - started
    started = time.perf_counter()
    found = rollup.ranked(read_all(units, unit_dbs, today, READERS))
    took = time.perf_counter() - started
    started = time.perf_counter()
    book = rollup_workbook.to_bytes(found, {u.name: by_id[u.id] for u in units}, today)
    workbook = time.perf_counter() - started

    city = took / (args.institutions * args.problems) * 50 * 10_000
    print(f"machine: {machine()}")
    print(f"{args.institutions} institutions × {args.problems} problems")
    print(f"floor (count by status, plain sqlite3, every database): {floor * 1000:.1f} ms")
    print(f"roll-up, one institution at a time: {took_alone * 1000:.1f} ms = {took_alone / floor:.1f} × floor")
    print(f"roll-up, {READERS} at a time (as the bot reads them): {took * 1000:.1f} ms = {took / floor:.1f} × floor")
    print(f"workbook: {workbook * 1000:.1f} ms, {len(book) // 1024} KB")
    print(f"extrapolated to 50 × 10,000 (linear in problems): {city:.2f} s (target ≤ 1 s)")


if __name__ == "__main__":
    main()
