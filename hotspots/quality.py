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


@dataclass(frozen=True)
class Replay:
    """An office in the loop (office_replay): what it had to do, and how the grouping's own
    placements fared over the second half of the opinions, before the office's fixes."""

    opinions: int
    moves: int  # an opinion put in another card, or in a new card of its own
    merges: int  # two cards made one
    precision: float  # of the pairs (new opinion, an earlier one in the card it joined)
    recall: float  # of the pairs (new opinion, an earlier one of its true group)

    @property
    def actions(self) -> int:
        return self.moves + self.merges

    @property
    def per_100(self) -> float:
        return 100 * self.actions / self.opinions if self.opinions else 0.0


def office_replay(opinions: list[Opinion], *, learn: bool = True, batch: int = 1) -> Replay:
    """Feed the opinions in order to one index; after every `batch` of them, an office that
    knows the true groups looks at each new one and fixes a wrong placement with one action:
    when the opinion's card is mostly of its true group but another card is too, the smaller
    card is merged into the larger; when its card is not, the opinion is moved to the card
    holding most of its true group (among the cards mostly of it), or to a new card. With
    `learn` off the index takes the office's word as before the parts: a moved opinion or a
    merged card joins the target's one sum of vectors."""
    index = engine.Index()
    labels: dict[int, str] = {}
    of_label: dict[str, set[int]] = {}
    moves = merges = both = joined = true_pairs = 0
    half = len(opinions) // 2

    def count_in(group, label: str) -> int:
        return sum(1 for k in index.members[group] if labels[k] == label)

    def mostly(group, label: str) -> bool:
        return 2 * count_in(group, label) > index.sizes[group]

    def fix(key: int) -> None:
        nonlocal moves, merges
        label, card = labels[key], index.group_of[key]
        holding = Counter(index.group_of[k] for k in of_label[label] if k != key)
        target = max(
            (g for g in holding if g != card and mostly(g, label)),
            key=lambda g: (holding[g], index.sizes[g]),
            default=None,
        )
        if mostly(card, label):
            if target is None:
                return
            small, large = sorted((card, target), key=lambda g: (index.sizes[g], g != card))
            for k in list(index.members[small]):  # learned: each keeps its part's name
                index.move(k, large, index.part_name(k) if learn else None)
            merges += 1
            return
        new_card = target is None
        target = index.new_group() if new_card else target
        # learned: the moved opinion is a part of its own in the card, named as a new group
        # would be (a new card's own part is named as the card)
        index.move(key, target, None if new_card or not learn else index.new_group())
        moves += 1

    waiting = []
    for n, opinion in enumerate(opinions):
        group = index.add(n, opinion.text)
        if n >= half:
            earlier = index.members[group] - {n}
            joined += len(earlier)
            both += sum(1 for k in earlier if labels[k] == opinion.group)
            true_pairs += len(of_label.get(opinion.group, ()))
        labels[n] = opinion.group
        of_label.setdefault(opinion.group, set()).add(n)
        waiting.append(n)
        if len(waiting) >= batch or n == len(opinions) - 1:
            for key in waiting:
                fix(key)
            waiting = []
    return Replay(
        len(opinions),
        moves,
        merges,
        both / joined if joined else 1.0,
        both / true_pairs if true_pairs else 1.0,
    )
