"""An office in the loop: how many corrections the office makes, with and without the grouping
learning from them (hotspots/quality.py office_replay).

A labelled file's opinions are fed in order to one index; after each one (or each batch of
--batch, a day's release), an office that knows the true groups fixes a wrong placement with
one action: it moves the opinion to the card holding most of its true group (or to a new card),
or merges two cards that are both mostly one true group. Without learning, a moved opinion or a
merged card joins the target's one sum of vectors (as before the parts); with learning, each
part the office put in a card is kept as a part of its own, and a new opinion is as close to
the card as to its closest part. Printed: the office's actions per 100 opinions, and the
pairwise precision and recall of the grouping's own placements (each new opinion against the
earlier ones in the card it joined, before the office's fix) over the second half of the feed;
in the file's order and as the mean of random orders (the bot places a batch in the order of
its random ids).

    .venv/bin/python bench/hotspots_office.py tests/data/hotspots_blind3.tsv
    .venv/bin/python bench/hotspots_office.py --orders 5 --batch 20 FILE ...
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots import quality  # noqa: E402


def line(name: str, runs: list[quality.Replay]) -> str:
    def m(field: str) -> float:
        return statistics.mean(getattr(r, field) for r in runs)

    return (
        f"{name}: {m('per_100'):5.1f} actions per 100 (moves {m('moves'):.1f}, merges {m('merges'):.1f}); "
        f"own placements, second half: P {m('precision'):.3f} R {m('recall'):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--orders", type=int, default=5, help="random orders besides the file's")
    parser.add_argument("--batch", type=int, default=1, help="opinions between the office's looks")
    args = parser.parse_args()
    for path in args.files:
        opinions = quality.read_opinions(path)
        print(f"{path} ({len(opinions)} opinions), office looks every {args.batch}:")
        shuffled = []
        for seed in range(args.orders):
            order = opinions[:]
            random.Random(seed).shuffle(order)
            shuffled.append(order)
        for learn in (False, True):
            name = "  learning" if learn else "  without "
            print(
                line(f"{name} file order", [quality.office_replay(opinions, learn=learn, batch=args.batch)])
            )
            if shuffled:
                runs = [quality.office_replay(o, learn=learn, batch=args.batch) for o in shuffled]
                print(line(f"{name} {args.orders} random orders", runs), flush=True)


if __name__ == "__main__":
    main()
