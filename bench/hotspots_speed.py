"""The cost of grouping one new opinion when the institution already has N of them.

The box is filled with N synthetic opinions: half are the labelled opinions
(tests/data/hotspots_*.tsv) with a random clause put before or after, so hotspots grow large;
half are random clauses of those opinions strung together, so there are also many small
groups that share common terms (the case that makes a look-up scan long lists). Then 1,000
new opinions are added one at a time and timed. Then the office's corrections are made, as
learned parts (hotspots/engine.py Index): OFFICE merges of two groups and OFFICE moves of one
opinion into another group, and 1,000 more new opinions are timed against groups of parts.

The floor, measured in the same run, is preparing one opinion's text alone (OpenCC and
rjieba, no comparison): the part that does not grow with N.

    .venv/bin/python bench/hotspots_speed.py              # N = 10,000
    .venv/bin/python bench/hotspots_speed.py --full       # N = 100,000 (the target's size)
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots import engine, quality  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
NEW = 1_000
OFFICE = 1_000  # merges, and as many moves


def new_group_id() -> str:
    """A random text id like the bot's groups' (storage/hotspots.py, not imported: its imports
    would count in the memory measured)."""
    return "".join(secrets.choice("23456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))


def opinions(count: int, rng: random.Random) -> list[str]:
    texts = []
    for name in ("tune", "test"):
        texts += quality.read_labelled(DATA / f"hotspots_{name}.tsv")[1]
    clauses = [c for t in texts for c in re.split(r"[，。！？；,!?]", t) if len(c) > 3]
    made = []
    for n in range(count):
        if n % 2:
            made.append("，".join(rng.sample(clauses, rng.randint(1, 4))) + "。")
        else:
            base, extra = rng.choice(texts), rng.choice(clauses)
            made.append(f"{extra}，{base}" if rng.random() < 0.5 else f"{base}{extra}。")
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="100,000 opinions")
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    size = 100_000 if args.full else args.size
    rng = random.Random(22)
    earlier, new = opinions(size, rng), opinions(NEW, rng)

    start = time.perf_counter()
    for text in new:
        engine.terms(text)
    floor = (time.perf_counter() - start) / NEW

    index = engine.Index(new_key=new_group_id)  # random text ids, as the bot's
    start = time.perf_counter()
    for n, text in enumerate(earlier):
        index.add(n, text)
    filled = time.perf_counter() - start

    start = time.perf_counter()
    for n, text in enumerate(new):
        index.add(size + n, text)
    per_opinion = (time.perf_counter() - start) / NEW

    grouping_rss = _rss_mb()

    # what a restart costs: the stored groups read back, nothing compared
    rebuilt = engine.Index()
    start = time.perf_counter()
    for n, text in enumerate(earlier):
        rebuilt.add(n, text, group=index.group_of[n])
    rebuild = time.perf_counter() - start

    groups = len(index.sizes)

    # the office's corrections, then new opinions against groups of parts
    merges, moves = office(index, size + NEW, rng)
    later = opinions(NEW, rng)
    start = time.perf_counter()
    for n, text in enumerate(later):
        index.add(size + 2 * NEW + n, text)
    after_office = (time.perf_counter() - start) / NEW

    print(
        f"{size:,} opinions in {groups:,} groups, index filled in {filled:.1f} s "
        f"({filled / size * 1000:.2f} ms per opinion on average)"
    )
    print(f"index rebuilt from the stored groups in {rebuild:.1f} s (after a restart, once)")
    print(f"floor: preparing one opinion's text          {floor * 1000:6.2f} ms")
    print(
        f"grouping one new opinion at {size:,}:   {per_opinion * 1000:6.2f} ms  "
        f"(ratio to floor {per_opinion / floor:.1f}; target ≤ 20 ms)"
    )
    print(
        f"after {merges:,} merges and {moves:,} moves by the office (groups of parts): "
        f"{after_office * 1000:6.2f} ms  (ratio to floor {after_office / floor:.1f})"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory: {grouping_rss:.0f} MB resident with the index filled (the process, texts included); "
        f"peak {peak:.0f} MB with the rebuilt copy beside it"
    )


def office(index: engine.Index, count: int, rng: random.Random) -> tuple[int, int]:
    """The office's corrections, learned as parts: merges of two groups (the larger keeps
    both as parts) and moves of one opinion into another group (a part of its own)."""
    groups = sorted(index.sizes)
    rng.shuffle(groups)
    merges = 0
    for into, other in zip(groups[: 2 * OFFICE : 2], groups[1 : 2 * OFFICE : 2], strict=False):
        for key in list(index.members[other]):
            index.move(key, into, index.part_name(key))
        merges += 1
    keys = rng.sample(range(count), OFFICE)
    targets = sorted(index.sizes)
    for key in keys:
        index.move(key, rng.choice(targets), new_group_id())
    return merges, len(keys)


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
