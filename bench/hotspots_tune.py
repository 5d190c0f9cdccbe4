"""How the grouping's settings were chosen: a sweep on the tuning half of the labelled set
(tests/data/hotspots_tune.tsv) only. The rule: the highest pairwise recall whose precision
is at least 0.95 there (the first such setting in the sweep's order when several tie). The
margin over the 0.9 target is there because the lexicon was written from the tuning half, so
precision there is better than on wordings it has not seen (the first rule of this session,
the widest run of thresholds with P and R ≥ 0.9, chose concept share 0.8 at 0.425 and read
precision 0.75 on the test half). Then the chosen settings once on the test half, for the
README.

    .venv/bin/python bench/hotspots_tune.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots import engine, quality  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
THRESHOLDS = [round(0.2 + 0.025 * n, 3) for n in range(20)]
SETTINGS = {
    "SUBJECT_SHARE": (0.5, 0.0),
    "CONCEPT_IDF": (False, True),
    "ASPECT_WEIGHT": (1.0, 0.5),
    "CONCEPT_SHARE": (0.5, 0.6, 0.7, 0.8),
    "BIGRAM_WEIGHT": (0.5,),
}


def run(name: str, threshold: float) -> quality.Quality:
    truth, texts = quality.read_labelled(DATA / f"hotspots_{name}.tsv")
    return quality.measure(truth, engine.group_texts(texts, threshold))


def main() -> None:
    best = None
    for values in itertools.product(*SETTINGS.values()):
        setting = dict(zip(SETTINGS, values, strict=True))
        for name, value in setting.items():
            setattr(engine, name, value)
        measured = [run("tune", t) for t in THRESHOLDS]
        print(f"{setting}  " + "".join("#" if q.precision >= 0.95 else "p" if q.precision >= 0.9 else "."
                                       for q in measured))
        for q, threshold in zip(measured, THRESHOLDS, strict=True):
            if q.precision >= 0.95 and (best is None or q.recall > best[0].recall):
                best = (q, setting, threshold)
    print(f"thresholds {THRESHOLDS[0]} … {THRESHOLDS[-1]} by 0.025; # P ≥ 0.95, p P ≥ 0.9")
    _, setting, threshold = best
    for name, value in setting.items():
        setattr(engine, name, value)
    for name in ("tune", "test"):
        q = run(name, threshold)
        print(f"{name}: {setting} threshold {threshold}: "
              f"P {q.precision:.3f} R {q.recall:.3f} ARI {q.ari:.3f}")


if __name__ == "__main__":
    main()
