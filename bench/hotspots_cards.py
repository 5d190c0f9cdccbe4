"""The office's hotspot cards at N grouped opinions: the largest groups of open opinions.
Three reads: the merge and move pickers (`largest_open`: the kept counts of m090 and one row a
group, on the event loop); the cards (`top(open_only=True)`: the largest groups from the kept
counts, then described, their categories, departments and days read from every open member of
the groups shown: in a worker thread); and, for comparison, the cards counted over the whole box
as before m090 (then on the event loop). The floor, in the same run: reading one opinion by its id.

    .venv/bin/python bench/hotspots_cards.py                 # N = 10,000
    .venv/bin/python bench/hotspots_cards.py --size 100000   # the size of the target
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import hotspots  # noqa: E402
from storage.db import open_database  # noqa: E402

DEPARTMENTS = ["门诊部", "住院部", "后勤保障科", "医务科", "护理部", "院办"]
REPEATS = 20


def seed(db, size: int, rng: random.Random) -> list[str]:
    """`size` released opinions in groups whose sizes fall off like a real box's (a few large,
    many of two or three; about one group per twelve opinions, as bench/hotspots_speed.py
    grouped them), two thirds still open. Returns the opinion ids."""
    today = date(2026, 11, 22)
    ids = [secrets.token_hex(8) for _ in range(size)]
    groups = [hotspots.new_group_id() for _ in range(max(1, size // 12))]
    with db.atomic():
        for name in DEPARTMENTS:
            db["departments"].insert({"name": name})
        db.conn.executemany(
            "insert into opinions (id, anonymous, category, department_id, text, submitted_on, status, released) "
            "values (?, 1, ?, ?, ?, ?, ?, 1)",
            (
                (
                    o,
                    rng.choice(["形式主义", "医疗服务", "其他"]),
                    1 + rng.randrange(len(DEPARTMENTS)),
                    f"意见 {n}：车棚太乱",
                    (today - timedelta(days=n % 120)).isoformat(),
                    rng.choice(["new", "replied", "closed"]),
                )
                for n, o in enumerate(ids)
            ),
        )
        db.conn.executemany("insert into hotspot_groups (id) values (?)", ((g,) for g in groups))
        db.conn.executemany(
            "insert into hotspot_members (opinion_id, group_id) values (?, ?)",
            (
                (
                    o,
                    groups[
                        min(int(rng.paretovariate(1.0)) - 1, len(groups) - 1)
                        if n % 2
                        else rng.randrange(len(groups))
                    ],
                )
                for n, o in enumerate(ids)
            ),
        )
    return ids


def timed(call) -> float:
    """The best of REPEATS runs, in ms (the machine is shared: the best is the least disturbed)."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    size = parser.parse_args().size
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "cards.db")
        ids = seed(db, size, random.Random(1))
        kept = hotspots.top(db, 6, open_only=True)
        counted = hotspots.top(db, 6, open_only=True, start=date(2000, 1, 1))
        assert kept == counted, "the kept counts and the count over the box disagree"
        floor = timed(
            lambda: db.execute("select text from opinions where id = ?", [ids[len(ids) // 2]]).fetchone()
        )
        pickers = timed(lambda: hotspots.largest_open(db, 9))
        fast = timed(lambda: hotspots.top(db, 6, open_only=True))
        slow = timed(lambda: hotspots.top(db, 6, open_only=True, start=date(2000, 1, 1)))
        print(
            f"{size:,} opinions in {db.execute('select count(*) from hotspot_groups').fetchone()[0]:,} groups, "
            f"largest open: {[h.size for h in kept]}"
        )
        print(f"floor: one opinion by its id           {floor:8.3f} ms")
        print(
            f"pickers from the kept counts (loop)    {pickers:8.3f} ms  (ratio to floor {pickers / floor:,.0f})"
        )
        print(f"cards chosen by kept counts (thread)   {fast:8.3f} ms  (ratio to floor {fast / floor:,.0f})")
        print(f"cards counted over the box (before)    {slow:8.3f} ms  (ratio to floor {slow / floor:,.0f})")


if __name__ == "__main__":
    main()
