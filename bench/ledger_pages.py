"""The public ledger's pages (/ledger, storage/ledger_pages.py) at size: N problems seeded as
bench/ledger.py seeds them (no ballots), then the whole ledger walked page by page as a member
tapping 下一页 would, each page timed; and what the move trigger adds to a write.

    python bench/ledger_pages.py [--problems 100000] [--recent 0.67] [--code old_ledger_pages.py]

--recent: the share of problems that moved (a report) in the last week; bench/ledger.py seeds
every problem as last moved on 1 September, so that every open one is stalled (🟡). --code: a
ledger_pages.py to measure instead of this one (an older version: `git show
REV:storage/ledger_pages.py > old.py`), on the same database. --m440: the index and the move
trigger as m440 made them (before m460), to measure the code from before on its own schema.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from datetime import date

from harness import machine, temporary_database
from ledger import seed

from storage import ledger_pages
from storage.db import open_database

TODAY = date(2026, 11, 22)  # the day bench/ledger.py seeds around
PAGE_SIZE = 10  # handlers/reports/ledger.py

M440 = """
drop index problems_ledger_attention;
create index problems_ledger_attention on problems (public, status in ('closed', 'explained'), deadline, id);
drop trigger problem_moves_update;
create trigger problem_moves_update after update of status, deadline, public on problems
when (old.status in ('closed', 'explained')) is not (new.status in ('closed', 'explained'))
    or old.deadline is not new.deadline or old.public is not new.public
begin
    insert into problem_moves (problem_id, existed, finished, deadline, public)
    values (old.id, 1, old.status in ('closed', 'explained'), old.deadline, old.public);
    delete from problem_moves where seq <= last_insert_rowid() - 10000;
end;
"""


def _code(path: str | None):
    if path is None:
        return ledger_pages
    spec = importlib.util.spec_from_file_location("ledger_pages_measured", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def _recently_moved(db, share: float) -> int:
    """Problems numbered so that `share` of them reported progress in the last week."""
    every = round(1 / (1 - share)) if share < 1 else 0
    clause = "1" if every == 0 else f"id % {every} != 0"
    with db.atomic():
        db.execute(f"update problems set last_progress_at = '2026-11-18T02:00:00+00:00' where {clause}")
    return db.execute("select count(*) from problems where last_progress_at > '2026-11-15'").fetchone()[0]


def walk(db, code) -> list[tuple[float, int]]:
    """(seconds, group it ended in) for every page of the ledger, first to last."""
    cursor = code.opened(db, TODAY)
    timed = []
    while True:
        start = time.perf_counter()
        found = code.page(db, cursor, PAGE_SIZE, 3)
        timed.append((time.perf_counter() - start, found.after.group if found.after else -1))
        if found.after is None:
            return timed
        cursor = found.after


WRITES = {
    "a new deadline": ("update problems set deadline = ? where id = ?", "2027-01-29"),
    "a report on a new day": (
        "update problems set last_progress_at = ? where id = ?",
        "2026-11-21T03:00:00+00:00",
    ),
    "a new title": ("update problems set title = ? where id = ?", "改过的标题"),
}


def _writes(db) -> dict[str, float]:
    """Seconds per write, 2,000 in one transaction, of each kind: the first moves a problem in
    every version of the order, the second in the order by light only, the third in none."""
    ids = [r[0] for r in db.execute("select id from problems order by id limit 2000")]
    results = {}
    for name, (statement, value) in WRITES.items():
        start = time.perf_counter()
        with db.atomic():
            for problem_id in ids:
                db.execute(statement, [value, problem_id])
        results[name] = (time.perf_counter() - start) / len(ids)
    return results


def main(arguments) -> None:
    db_path = temporary_database()
    seed(db_path, arguments.problems, 0)
    db = open_database(db_path)
    recent = _recently_moved(db, arguments.recent)
    if arguments.m440:
        db.conn.executescript(M440)
    print(f"machine: {machine()}")
    print(
        f"{arguments.problems} problems, {recent} moved in the last week; code: {arguments.code or 'this tree'}"
    )
    code = _code(arguments.code)
    for run in range(arguments.runs):
        timed = walk(db, code)
        ms = sorted(seconds * 1000 for seconds, _ in timed)
        worst = max(timed)
        print(
            f"run {run + 1}: {len(timed)} pages; first {timed[0][0] * 1000:.2f} ms, "
            f"page 6,000 {timed[min(5999, len(timed) - 1)][0] * 1000:.2f} ms, median {statistics.median(ms):.2f} ms, "
            f"p99 {ms[int(len(ms) * 0.99)]:.2f} ms, max {ms[-1]:.2f} ms (page {timed.index(worst) + 1}, "
            f"ending in group {worst[1]})"
        )
    print(
        "per write: " + "; ".join(f"{name} {seconds * 1000:.3f} ms" for name, seconds in _writes(db).items())
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--recent", type=float, default=0.0)
    parser.add_argument("--code", default=None)
    parser.add_argument("--m440", action="store_true")
    parser.add_argument("--runs", type=int, default=2)
    main(parser.parse_args())
    sys.exit(0)
