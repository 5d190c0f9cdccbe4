"""The grouping across writers (#22, docs/hotspots_quality.md "Learned concepts"): each writer's
labelled set scored with learned concepts made of the OTHER writers' sets (and the probes)
only, so that no set is among its own learned concepts, and the settings chosen by a rule
fixed before the grid was run.

The writers: ours (tests/data/hotspots_{tune,test,fresh}.tsv, 377), the blind set (462) and the
third writer's set (451), dealt into a development half (227: the lexicon was widened from it)
and a check half (224: scored once with the chosen settings), each group's members at random.

The rule: over LEARNED_SHARE × THRESHOLD (6 random orders), the highest mean ARI over ours, the
blind set and the third writer's development half, among the settings whose mean precision
stays at the floors tests/test_hotspots.py pins (ours 0.975, blind 0.935); cross-validated by
choosing with each of the three left out (its floor too) and scoring it.

    .venv/bin/python bench/hotspots_writers.py            # the grid and the rule (about 2 minutes)
    .venv/bin/python bench/hotspots_writers.py --table    # every set, 20 orders, as in the doc
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots import engine, quality  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SHARES = (0, 0.05, 0.1, 0.15, 0.2)
THRESHOLDS = (0.48, 0.49, 0.50, 0.51, 0.52, 0.53, 0.54, 0.56)
FLOORS = {"ours": 0.975, "blind": 0.935}

Labelled = list[quality.Opinion]


def load(*names: str) -> Labelled:
    return [o for name in names for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")]


def halves(opinions: Labelled, seed: int = 4) -> tuple[Labelled, Labelled]:
    """The development and the check half: each group's members dealt at random, a group's odd
    one (or a one-off) to either half."""
    by_group: dict[str, Labelled] = {}
    for opinion in opinions:
        by_group.setdefault(opinion.group, []).append(opinion)
    dealt: tuple[Labelled, Labelled] = ([], [])
    deal = random.Random(seed)
    for group in sorted(by_group):
        members = by_group[group][:]
        deal.shuffle(members)
        first = deal.randrange(2)
        for n, opinion in enumerate(members):
            dealt[(n + first) % 2].append(opinion)
    return dealt


class Cached(engine.LearnedConcepts):
    """Learned concepts whose vectors are kept per text: the grid reads the same texts often."""

    def __init__(self, labelled) -> None:
        super().__init__(labelled)
        self.seen: dict[str, dict[str, float]] = {}

    def vector(self, text: str, counted: dict[str, float]) -> dict[str, float]:
        if text not in self.seen:
            self.seen[text] = super().vector(text, counted)
        return self.seen[text]


def learned_from(**sets: Labelled) -> Cached:
    """Learned concepts of these writers' sets and the probes, each writer's groups apart."""
    sets["probes"] = load("probes")
    return Cached((f"{tag}:{o.group}", o.text) for tag, opinions in sets.items() for o in opinions)


def writers() -> dict[str, tuple[Labelled, Cached]]:
    """Each set with the learned concepts of the other writers only."""
    ours, blind, third = load("tune", "test", "fresh"), load("blind"), load("blind3")
    development, check = halves(third)
    others_of_third = learned_from(ours=ours, blind=blind)
    return {
        "ours": (ours, learned_from(blind=blind, third=third)),
        "blind": (blind, learned_from(ours=ours, third=third)),
        "development": (development, others_of_third),
        "check": (check, others_of_third),
        "third": (third, others_of_third),
    }


def measured(opinions: Labelled, learned: Cached, orders: int) -> list[quality.Quality]:
    engine.LEARNED = learned
    return quality.in_random_orders(opinions, orders)


def mean(found: list[quality.Quality]) -> quality.Quality:
    return quality.Quality(
        *(statistics.mean(getattr(q, f) for q in found) for f in ("precision", "recall", "ari"))
    )


def chosen(scores: dict[tuple, dict[str, quality.Quality]], sets: list[str]) -> tuple:
    eligible = [
        key
        for key, by_set in scores.items()
        if all(by_set[s].precision >= FLOORS[s] for s in sets if s in FLOORS)
    ]
    return max(eligible, key=lambda key: (statistics.mean(scores[key][s].ari for s in sets), key))


def fmt(q: quality.Quality) -> str:
    return f"{q.precision:.3f} / {q.recall:.3f} / {q.ari:.3f}"


def grid() -> None:
    sets = writers()
    rule_sets = ["ours", "blind", "development"]
    scores: dict[tuple, dict[str, quality.Quality]] = {}
    for share, threshold in itertools.product(SHARES, THRESHOLDS):
        engine.LEARNED_SHARE, engine.THRESHOLD = share, threshold
        scores[share, threshold] = {s: mean(measured(*sets[s], orders=6)) for s in rule_sets}
        print(
            share,
            threshold,
            "  ".join(f"{s} {fmt(q)}" for s, q in scores[share, threshold].items()),
            flush=True,
        )
    print("chosen on all three:", chosen(scores, rule_sets))
    for out in rule_sets:
        key = chosen(scores, [s for s in rule_sets if s != out])
        print(f"left out {out}: chosen {key}; scored on it {fmt(scores[key][out])}")


def table() -> None:
    """Every set with the shipped settings and learned concepts of the other writers only."""
    for name, (opinions, learned) in writers().items():
        found = measured(opinions, learned, 20)
        worst = min(found, key=lambda q: q.precision)
        print(f"{name} ({len(opinions)}): mean of 20 orders {fmt(mean(found))}; worst order {fmt(worst)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", action="store_true", help="every set, the shipped settings, 20 orders")
    if parser.parse_args().table:
        table()
    else:
        grid()


if __name__ == "__main__":
    main()
