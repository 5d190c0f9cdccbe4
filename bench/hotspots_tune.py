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
THRESHOLDS = [round(0.05 + 0.05 * n, 2) for n in range(12)]


def run(name: str, threshold: float) -> quality.Quality:
    truth, texts = quality.read_labelled(DATA / f"hotspots_{name}.tsv")
    return quality.measure(truth, engine.group_texts(texts, threshold))


def main() -> None:
    best = None
    for concept_share in (0.0, 0.3, 0.5, 0.6, 0.7, 0.8):
        for bigram_weight in (0.25, 0.5):
            engine.CONCEPT_SHARE, engine.BIGRAM_WEIGHT = concept_share, bigram_weight
            for threshold in THRESHOLDS:
                q = run("tune", threshold)
                print(f"concept {concept_share:3} bigram {bigram_weight:4} t {threshold:.2f}  "
                      f"P {q.precision:.3f} R {q.recall:.3f} ARI {q.ari:.3f}")
                if q.precision >= 0.9 and (best is None or q.recall > best[0].recall):
                    best = (q, concept_share, bigram_weight, threshold)
    q, concept_share, bigram_weight, threshold = best
    print(f"\nchosen on the tuning half: concept {concept_share}, bigram {bigram_weight}, "
          f"threshold {threshold}: P {q.precision:.3f} R {q.recall:.3f} ARI {q.ari:.3f}")
    engine.CONCEPT_SHARE, engine.BIGRAM_WEIGHT = concept_share, bigram_weight
    t = run("test", threshold)
    print(f"on the test half:          P {t.precision:.3f} R {t.recall:.3f} ARI {t.ari:.3f}")


if __name__ == "__main__":
    main()
