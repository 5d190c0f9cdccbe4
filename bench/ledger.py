"""The Excel ledger (整改台账) at size: N problems with realistic text, progress reports, two
look-back rounds per closed problem with their ballots, and extensions, seeded straight into
the tables; then the whole ledger exported in a process of its own, which reports its own
time and peak memory (its peak resident set from /proc, reset when the export begins, and
what it held then; a child's ru_maxrss would carry its parent's peak). The
floor, in the same run: reading every problem row with plain sqlite3.

    python bench/ledger.py [--problems 100000] [--ballots 20] [--tracemalloc]

Targets (issue 24): 100,000 rows in <= 20 s and <= 100 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

from harness import ROOT, machine, temporary_database
from scale import DEPARTMENTS, STATES, floor

from storage.clock import iso
from storage.db import open_database

DESCRIPTION = "门诊挂号窗口排队时间长，高峰期候诊超过一小时，老年患者反映强烈，需增设自助机并优化预约分时段"
MEASURES = (
    "一、增设自助挂号机6台；二、推行分时段预约，精确到30分钟；三、高峰期增派导诊人员2名；四、每月通报排队时长"
)
REPORT = "已完成自助机采购招标，4台到位安装调试中，分时段预约系统已上线试运行，导诊人员已到岗"


def seed(db_path, count: int, ballots_per_lookback: int, leaders: int = 200) -> dict[str, int]:
    db = open_database(db_path)
    connection = db.conn
    rng = random.Random(1)
    today = date(2026, 11, 22)
    created = iso(datetime(2026, 9, 1, tzinfo=UTC))
    with db.atomic():
        for name in DEPARTMENTS:
            db["departments"].insert({"name": name})
        connection.executemany(
            "insert into people (roster_key, name, department_id, roles, active, reachable) values (?, ?, ?, ?, 1, 1)",
            (
                (
                    f"p{n}",
                    f"员工{n}",
                    1 + n % len(DEPARTMENTS),
                    "leader staff" if n < leaders else "head staff",
                )
                for n in range(leaders + 20)
            ),
        )
        connection.executemany(
            "insert into problems (title, description, category, source, status, leader_id, department_id, "
            "deadline, measures, created_at, last_progress_at, closed_at, progress, explanation, review_on) "
            "values (?, ?, '工作作风', 'opinion', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    f"问题 {n}",
                    f"{DESCRIPTION}（{n}）",
                    state := STATES[n % len(STATES)],
                    None if state == "listed" else 1 + n % leaders,
                    1 + n % len(DEPARTMENTS),
                    (today + timedelta(days=n % 60 - 20)).isoformat(),
                    MEASURES,
                    created,
                    created,
                    iso(datetime(2026, 11, 22, 2, tzinfo=UTC) - timedelta(days=n % 113))
                    if state == "closed"
                    else None,
                    (n * 7) % 101,
                    "需列入明年预算统筹解决" if state == "explained" else None,
                    "2027-03-01" if state == "explained" else None,
                )
                for n in range(count)
            ),
        )
        author = leaders + 1
        connection.executemany(  # two reports for every other problem: the ledger shows the latest
            "insert into problem_reports (problem_id, author_id, text, percent, at) values (?, ?, ?, ?, ?)",
            (
                (pid, author, f"{REPORT}（第{k}次）", 30 * k, iso(datetime(2026, 10, 1 + k, tzinfo=UTC)))
                for pid in range(1, count + 1, 2)
                for k in (1, 2)
            ),
        )
        connection.executemany(
            "insert into lookbacks (problem_id, round, opens_on, closes_on, result) "
            "select id, ?, date(closed_at, ?), date(closed_at, ?), ? from problems where status = 'closed'",
            [("30d", "+30 days", "+44 days", "held"), ("90d", "+90 days", "+104 days", "too_few")],
        )
        held = [r[0] for r in connection.execute("select id from lookbacks where round = '30d'")]
        choices = ("satisfied", "basic", "unsatisfied", "unknown")
        connection.executemany(
            "insert into lookback_ballots (id, lookback_id, choice) values (?, ?, ?)",
            (
                (secrets.token_hex(8), lookback, rng.choices(choices, (5, 3, 1, 1))[0])
                for lookback in held
                for _ in range(ballots_per_lookback)
            ),
        )
        connection.executemany(
            "insert into problem_extensions (problem_id, requester_id, reason, new_deadline, asked_at, "
            "decider_role, decision) values (?, ?, '设备到货延迟', '2027-01-31', ?, 'leader', 'approved')",
            ((pid, author, created) for pid in range(1, count + 1, 9)),
        )
    found = {
        table: db.execute(f"select count(*) from {table}").fetchone()[0]
        for table in ("problems", "problem_reports", "lookbacks", "lookback_ballots", "problem_extensions")
    }
    db.close()
    return found


CHILD = """
import json, sys, time
sys.path.insert(0, '.')
from datetime import date
from zoneinfo import ZoneInfo
from documents import ledger_workbook
from storage.db import open_database
trace = {trace}
db = open_database({db!r})
def status(field):  # this process's own figures (ru_maxrss would carry the parent's peak)
    line = next(l for l in open('/proc/self/status') if l.startswith(field))
    return int(line.split()[1]) / 1024
before = status('VmRSS')
open('/proc/self/clear_refs', 'w').write('5')  # the peak starts again from here
if trace:
    import tracemalloc
    tracemalloc.start()
start, cpu = time.perf_counter(), time.process_time()
rows = ledger_workbook.write(db, {out!r}, date(2026, 11, 23), ZoneInfo('Asia/Shanghai'))
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
print(json.dumps({{"rows": rows, "seconds": seconds, "cpu": cpu, "rss_before": before, "rss_peak": status('VmHWM'),
                  "traced_peak": traced}}))
"""


def export(db_path, trace: bool) -> dict:
    """The export in a process of its own: its figures are its own, not this benchmark's."""
    code = CHILD.format(trace=trace, db=str(db_path), out=str(db_path.with_suffix(".xlsx")))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(arguments) -> None:
    db_path = temporary_database()
    start = time.perf_counter()
    counts = seed(db_path, arguments.problems, arguments.ballots)
    print(f"machine: {machine()}")
    print(f"seeded {counts} in {time.perf_counter() - start:.1f} s ({db_path.stat().st_size / 2**20:.0f} MB)")
    read_all = floor(db_path)
    print(f"floor: reading every problem row with plain sqlite3: {read_all * 1000:.0f} ms")
    runs = [export(db_path, trace=False) for _ in range(arguments.runs)]
    for found in runs:
        print(
            f"export of {found['rows']} rows: {found['seconds']:.1f} s ({found['seconds'] / read_all:.0f} x floor; "
            f"CPU {found['cpu']:.1f} s), "
            f"peak resident {found['rss_peak']:.0f} MB (before the export {found['rss_before']:.0f} MB)"
        )
    size = db_path.with_suffix(".xlsx").stat().st_size / 2**20
    seconds = sorted(r["seconds"] for r in runs)
    print(
        f"export: min {seconds[0]:.1f} s, median {seconds[len(seconds) // 2]:.1f} s, max {seconds[-1]:.1f} s; "
        f"file {size:.1f} MB"
    )
    if arguments.tracemalloc:
        found = export(db_path, trace=True)
        print(
            f"with tracemalloc: Python allocations peak {found['traced_peak']:.1f} MB "
            f"(time {found['seconds']:.1f} s, slowed by the tracing)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--ballots", type=int, default=20, help="ballots per decided look-back")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="one more run measuring Python's allocations"
    )
    main(parser.parse_args())
