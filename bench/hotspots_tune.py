"""How the grouping's settings were chosen: a sweep on the tuning half of the labelled set
(tests/data/hotspots_tune.tsv) only. The rule: the highest pairwise recall whose precision is
at least 0.9. Then the chosen settings once on the test half, for the README.

    .venv/bin/python bench/hotspots_tune.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots import engine, quality  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
THRESHOLDS = [round(0.10 + 0.05 * n, 2) for n in range(11)]


def run(name: str, threshold: float) -> quality.Quality:
    truth, texts = quality.read_labelled(DATA / f"hotspots_{name}.tsv")
    return quality.measure(truth, engine.group_texts(texts, threshold))


def main() -> None:
    best = None
    for linkage in ("average", "nearest"):
        for concept_weight in (0.0, 2.0, 4.0, 8.0):
            for bigram_weight in (0.25, 0.5):
                engine.LINKAGE, engine.CONCEPT_WEIGHT = linkage, concept_weight
                engine.BIGRAM_WEIGHT = bigram_weight
                for threshold in THRESHOLDS:
                    q = run("tune", threshold)
                    print(f"{linkage:8} concept {concept_weight:3} bigram {bigram_weight:4} "
                          f"t {threshold:.2f}  P {q.precision:.3f} R {q.recall:.3f} ARI {q.ari:.3f}")
                    if q.precision >= 0.9 and (best is None or q.recall > best[0].recall):
                        best = (q, linkage, concept_weight, bigram_weight, threshold)
    q, linkage, concept_weight, bigram_weight, threshold = best
    print(f"\nchosen on the tuning half: {linkage}, concept {concept_weight}, bigram {bigram_weight}, "
          f"threshold {threshold}: P {q.precision:.3f} R {q.recall:.3f} ARI {q.ari:.3f}")
    engine.LINKAGE, engine.CONCEPT_WEIGHT, engine.BIGRAM_WEIGHT = linkage, concept_weight, bigram_weight
    t = run("test", threshold)
    print(f"on the test half:          P {t.precision:.3f} R {t.recall:.3f} ARI {t.ari:.3f}")


if __name__ == "__main__":
    main()
