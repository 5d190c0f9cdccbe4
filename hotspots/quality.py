"""How close a grouping comes to the true groups of a labelled set: pairwise precision and
recall (of all pairs put in one group, how many truly belong together; of all pairs that
belong together, how many were put in one group) and the adjusted Rand index."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from math import comb
from pathlib import Path

from hotspots import engine


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    ari: float


@dataclass(frozen=True)
class Opinion:
    group: str  # the true group
    text: str
    category: str = ""
    department: str = ""


def read_opinions(path: Path) -> list[Opinion]:
    """A labelled file, UTF-8: `group<TAB>category<TAB>department<TAB>text` per line (the
    department may be empty), or the older `group<TAB>text`; lines starting with # are comments."""
    found = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t", 3)
        if len(fields) == 4:
            found.append(Opinion(fields[0], fields[3], fields[1].strip(), fields[2].strip()))
        else:
            group, text = line.split("\t", 1)
            found.append(Opinion(group, text))
    return found


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """A labelled file's true groups and texts (either layout, see read_opinions)."""
    opinions = read_opinions(path)
    return [o.group for o in opinions], [o.text for o in opinions]


def _pairs_in(labels: list) -> int:
    """How many pairs of items share a label."""
    return sum(comb(n, 2) for n in Counter(labels).values())


def measure(truth: list, found: list) -> Quality:
    both = _pairs_in(list(zip(truth, found, strict=True)))
    true_pairs, found_pairs, all_pairs = _pairs_in(truth), _pairs_in(found), comb(len(truth), 2)
    precision = both / found_pairs if found_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    expected = true_pairs * found_pairs / all_pairs if all_pairs else 0.0
    best = (true_pairs + found_pairs) / 2
    ari = (both - expected) / (best - expected) if best != expected else 1.0
    return Quality(precision, recall, ari)


def in_random_orders(opinions: list[Opinion], orders: int) -> list[Quality]:
    """The grouping's quality in `orders` random orders (seeded 0, 1, …): the bot places a
    batch in the order of its random ids and the grouping is online, so the file's own order
    (each group's opinions together) is one order among many."""
    found = []
    for seed in range(orders):
        order = opinions[:]
        random.Random(seed).shuffle(order)
        found.append(measure([o.group for o in order], engine.group_opinions(order)))
    return found
