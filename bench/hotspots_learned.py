"""A learned pair similarity for the grouping (#22): tried, scored once on the third writer's
set, not landed (docs/hotspots_quality.md, "A learned pair similarity").

Pairs of opinions of the labelled sets other than the third writer's (our three files as one
set, 377, and the blind file, 462; a pair never spans the two, whose labels are two writers'),
cheap pair features the grouping could compute from what its index holds (cosines of unit
vectors per kind of term, flags of each opinion), a logistic regression in numpy, and the
online grouping simulated on the pair matrix with the model's logit averaged over a group's
members (= the model on the group's averaged features, what per-part sums give) and the
engine's subject rule. With the engine's own similarity the simulation gives the engine's
figures (ours 0.979 / 0.898, blind 0.934 / 0.804).

Writer against writer: trained and its threshold chosen (bench/hotspots_tune.py's rule) on one
writer's set, scored on the other's with the whole lexicon and with 30 % and 50 % of its
phrases left out (wordings the lexicon does not know). Learned concepts: each labelled group of
the other writer's set and of the probes file as a concept of its own (Learned).

    .venv/bin/python bench/hotspots_learned.py              # the cross-validation (about 4 minutes)
    .venv/bin/python bench/hotspots_learned.py --no-probes  # learned concepts without the probes
    .venv/bin/python bench/hotspots_learned.py --held-out   # FROZEN on the third writer's set (run once)
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots import engine, quality  # noqa: E402
from hotspots.lexicon import ASPECTS  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
OURS = ("tune", "test", "fresh")


def load(names) -> list[quality.Opinion]:
    return [o for name in names for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")]


class lexicon_dropout:
    """The engine with each phrase of the lexicon left out with probability `fraction` (drawn
    per draw and phrase, as bench/hotspots_tune.py --dropout does)."""

    def __init__(self, fraction: float, draw: int) -> None:
        self.fraction, self.draw = fraction, draw

    def __enter__(self):
        self.saved = engine._CONCEPTS_OF, engine._PHRASES
        if self.fraction:
            kept = {
                phrase: names
                for phrase, names in self.saved[0].items()
                if random.Random(f"{self.draw} {phrase}").random() >= self.fraction
            }
            engine._CONCEPTS_OF = defaultdict(list, kept)
            engine._PHRASES = re.compile("(?=(" + engine.phrase_pattern(kept) + "))")

    def __exit__(self, *exc):
        engine._CONCEPTS_OF, engine._PHRASES = self.saved


def unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def channels(opinions: list[quality.Opinion]) -> list[dict[str, dict[str, float]]]:
    """Each opinion's unit vector per channel, TF-IDF over the set (concepts without IDF, as
    the engine has them)."""
    raw = []
    for o in opinions:
        plain = engine.normalize(o.text)
        t = engine.terms(o.text)
        chars = [c for c in plain if "\u4e00" <= c <= "\u9fff"]
        found = {
            "concept": {k: v for k, v in t.items() if k.startswith("c:")},
            "subject": {k: v for k, v in t.items() if k.startswith("c:") and k[2:] not in ASPECTS},
            "word": {k: v for k, v in t.items() if k.startswith("w:")},
            "bigram": {k: v for k, v in t.items() if not k.startswith(("c:", "w:"))},
            "char": dict(Counter(chars)),
            "trigram": dict(Counter("".join(chars[i : i + 3]) for i in range(len(chars) - 2))),
        }
        raw.append(found)
    df: dict[str, Counter] = defaultdict(Counter)
    for found in raw:
        for channel, vector in found.items():
            df[channel].update(vector)
    n = len(opinions)
    out = []
    for found in raw:
        vectors = {}
        for channel, vector in found.items():
            if channel in ("concept", "subject"):
                vectors[channel] = unit(vector)
            else:
                vectors[channel] = unit(
                    {
                        k: ((1 + math.log(c)) if c >= 1 else c)
                        * (math.log((n + 1) / (df[channel][k] + 1)) + 1)
                        for k, c in vector.items()
                    }
                )
        out.append(vectors)
    return out


def engine_cosines(opinions) -> np.ndarray:
    """The engine's similarity of every pair, with the set's IDF (the engine's is online)."""
    index = engine.Index()
    for n, o in enumerate(opinions):
        for term in engine.terms(o.text):
            index.document_frequency[term] += 1
        index.vectors[n] = ((), None)  # type: ignore[assignment]  # counted by the IDF only
    vectors = [index.vector(o.text) for o in opinions]
    n = len(opinions)
    m = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a, b = vectors[i], vectors[j]
            if len(a) > len(b):
                a, b = b, a
            m[i, j] = m[j, i] = sum(w * b.get(t, 0.0) for t, w in a.items())
    return m


def cos(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def lexical(o: quality.Opinion) -> dict[str, float]:
    """Words, bigrams and single characters of a text, counted (the vocabulary of the groups
    learned from)."""
    plain = engine.normalize(o.text)
    found: dict[str, float] = defaultdict(float)
    for term, count in engine.terms(o.text).items():
        if not term.startswith("c:"):
            found[term] += count
    for c in plain:
        if "\u4e00" <= c <= "\u9fff":
            found["u:" + c] += 0.5
    return found


class Learned:
    """The true groups of labelled opinions as learned concepts: each group's centroid of its
    members' TF-IDF unit vectors; an opinion's learned-concept vector is its cosine with every
    centroid, the TOP highest kept (at least FLOOR), as a unit vector."""

    TOP = 5
    FLOOR = 0.1

    def __init__(self, opinions: list[quality.Opinion]) -> None:
        counted = [lexical(o) for o in opinions]
        df = Counter(t for c in counted for t in c)
        self.n = len(opinions)
        self.df = df
        by_group: dict[str, list[dict]] = defaultdict(list)
        for o, c in zip(opinions, counted, strict=True):
            by_group[o.group].append(self.unit(c))
        self.centroids = {}
        for group, vectors in by_group.items():
            if len(vectors) < 2:  # a one-off is no concept
                continue
            total: dict[str, float] = defaultdict(float)
            for v in vectors:
                for t, w in v.items():
                    total[t] += w
            self.centroids[group] = unit(total)
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for group, c in self.centroids.items():
            for t, w in c.items():
                self.postings[t].append((group, w))

    def unit(self, counted: dict[str, float]) -> dict[str, float]:
        return unit(
            {
                t: ((1 + math.log(c)) if c >= 1 else c)
                * (math.log((self.n + 1) / (self.df.get(t, 0) + 1)) + 1)
                for t, c in counted.items()
            }
        )

    def vector(self, o: quality.Opinion) -> dict[str, float]:
        scores: dict[str, float] = defaultdict(float)
        for t, w in self.unit(lexical(o)).items():
            for group, cw in self.postings.get(t, ()):
                scores[group] += w * cw
        top = sorted(scores.items(), key=lambda kv: -kv[1])[: self.TOP]
        return unit({g: s for g, s in top if s >= self.FLOOR})


def learned_cosines(opinions, learned: Learned) -> np.ndarray:
    vectors = [learned.vector(o) for o in opinions]
    n = len(opinions)
    m = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = m[j, i] = cos(vectors[i], vectors[j])
    return m


FEATURES = (
    "engine",
    "concept",
    "subject",
    "word",
    "bigram",
    "char",
    "trigram",
    "both_no_concept",
    "one_no_concept",
    "same_category",
    "same_department",
    "learned",
)


def features(opinions, learned: Learned | None = None) -> np.ndarray:
    """F[i, j, k]: feature k of the pair (i, j)."""
    vectors = channels(opinions)
    eng = engine_cosines(opinions)
    n = len(opinions)
    f = np.zeros((n, n, len(FEATURES)))
    f[:, :, 0] = eng
    names = ("concept", "subject", "word", "bigram", "char", "trigram")
    for i in range(n):
        for j in range(i + 1, n):
            for k, name in enumerate(names, start=1):
                f[i, j, k] = f[j, i, k] = cos(vectors[i][name], vectors[j][name])
    none = np.array([not v["concept"] for v in vectors], dtype=float)
    f[:, :, 7] = np.outer(none, none)
    f[:, :, 8] = none[:, None] + none[None, :] - 2 * np.outer(none, none)
    cat = [o.category for o in opinions]
    dep = [o.department for o in opinions]
    f[:, :, 9] = [[float(a == b and a != "") for b in cat] for a in cat]
    f[:, :, 10] = [[float(a == b and a != "") for b in dep] for a in dep]
    if learned is not None:
        f[:, :, 11] = learned_cosines(opinions, learned)
    return f


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (IRLS), an intercept first; L2 on the weights only."""
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    reg = np.eye(x.shape[1]) * l2
    reg[0, 0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + reg @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + reg
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def pairs(f: np.ndarray, labels: list[str]):
    n = len(labels)
    i, j = np.triu_indices(n, 1)
    y = np.array([labels[a] == labels[b] for a, b in zip(i, j, strict=True)], dtype=float)
    return f[i, j], y


def auc(score: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(score)
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def group_online(sim: np.ndarray, order: list[int], threshold: float, subjects: list[set]) -> list[int]:
    """The engine's rule on a similarity matrix: join the group with the highest average
    similarity when it reaches the threshold and, when the opinion names a subject, at least
    half of the group's members name one of its subjects; else a group of its own."""
    n = len(order)
    sums = np.zeros((n, n))  # sums[:, g]: each opinion's summed similarity to group g
    sizes = np.zeros(n)
    members: list[list[int]] = []
    found = [0] * n
    for i in order:
        count = len(members)
        scores = sums[i, :count] / np.maximum(sizes[:count], 1)
        chosen = None
        for g in np.argsort(-scores, kind="stable"):
            if scores[g] < threshold:
                break
            group = members[g]
            if not subjects[i] or sum(1 for m in group if subjects[i] & subjects[m]) >= 0.5 * len(group):
                chosen = int(g)
                break
        if chosen is None:
            chosen = count
            members.append([])
        members[chosen].append(i)
        sizes[chosen] += 1
        sums[:, chosen] += sim[:, i]
        found[i] = chosen
    return found


def measure_orders(sim, labels, threshold, subjects, orders=6) -> quality.Quality:
    found = []
    n = len(labels)
    for seed in range(orders):
        order = list(range(n))
        random.Random(seed).shuffle(order)
        groups = group_online(sim, order, threshold, subjects)
        found.append(quality.measure(labels, groups))
    return quality.Quality(
        *(statistics.mean(getattr(q, k) for q in found) for k in ("precision", "recall", "ari"))
    )


# Lexicon variants a set's features are computed under: the whole lexicon, and 30 % or 50 % of
# its phrases left out (two draws each), standing in for wordings the lexicon does not know.
VARIANTS = {"full": (0.0, 0), "d30a": (0.3, 0), "d30b": (0.3, 1), "d50a": (0.5, 0), "d50b": (0.5, 1)}
UNSEEN = ("d30a", "d30b", "d50a", "d50b")
# Probabilities swept for the learned similarity's threshold, and the engine's thresholds.
PROBABILITIES = [round(0.30 + 0.05 * k, 2) for k in range(13)]
ENGINE_THRESHOLDS = [0.5, 0.52, 0.54, 0.56, 0.58, 0.6, 0.625, 0.65]
# The candidates: the features of the logistic regression, and the lexicon variants of the
# training writer its pairs are taken under (the whole lexicon; with phrases left out too).
CANDIDATES = [
    (features_, augment)
    for features_ in (
        ("engine", "char"),
        ("concept", "word", "bigram", "char"),
        ("concept", "subject", "word", "bigram", "char", "trigram", "both_no_concept", "one_no_concept"),
        ("engine", "learned"),
        ("engine", "char", "learned"),
        ("concept", "word", "bigram", "char", "learned"),
    )
    for augment in (("full",), ("full", "d30a", "d30b"), ("full", "d30a", "d50a"))
]
ORDERS = 6


def chosen(scores) -> float:
    """bench/hotspots_tune.py's rule: the highest mean precision with mean recall >= 0.8; on a
    tie, the higher recall."""
    eligible = [(q.precision, q.recall, key) for key, q in scores.items() if q.recall >= 0.8]
    if not eligible:
        return max(scores, key=lambda key: (scores[key].recall, scores[key].precision))
    return max(eligible)[2]


def read_probes() -> list[quality.Opinion]:
    """tests/data/hotspots_probes.tsv (`batch/group<TAB>text`): learned concepts only."""
    return quality.read_opinions(DATA / "hotspots_probes.tsv")


def prepared(opinions, learned_from) -> dict[str, tuple]:
    """Per lexicon variant: the pair features, the true groups and each opinion's subjects."""
    learned = Learned(learned_from)
    out = {}
    for variant, (fraction, draw) in VARIANTS.items():
        with lexicon_dropout(fraction, draw):
            f = features(opinions, learned)
            subjects = [
                {t for t in engine.terms(o.text) if t.startswith("c:") and t[2:] not in ASPECTS}
                for o in opinions
            ]
        out[variant] = (f, [o.group for o in opinions], subjects)
    return out


class Model:
    """A logistic regression over some pair features; its similarity of a pair is its logit."""

    def __init__(self, names, train: list[dict[str, tuple]], augment) -> None:
        self.names = names
        self.cols = [FEATURES.index(n) for n in names]
        xs, ys = zip(*(pairs(t[v][0], t[v][1]) for t in train for v in augment), strict=True)
        self.w = fit(np.vstack(xs)[:, self.cols], np.concatenate(ys))

    def sim(self, f: np.ndarray) -> np.ndarray:
        return f[:, :, self.cols] @ self.w[1:] + self.w[0]


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def scored(sim_of, data: dict[str, tuple], threshold: float, variants, orders=ORDERS):
    return {
        v: measure_orders(sim_of(data[v][0]), data[v][1], threshold, data[v][2], orders) for v in variants
    }


def sweep_on(sim_of, data_list, grid) -> float:
    """The rule's threshold on the training sets' whole-lexicon grouping (mean over the sets)."""
    scores = {}
    for t in grid:
        found = [scored(sim_of, d, t, ("full",))["full"] for d in data_list]
        scores[t] = quality.Quality(
            *(statistics.mean(getattr(q, k) for q in found) for k in ("precision", "recall", "ari"))
        )
    return chosen(scores)


def fmt(q: quality.Quality) -> str:
    return f"{q.precision:.3f} / {q.recall:.3f} / {q.ari:.3f}"


def cross_validate(probes: list[quality.Opinion]) -> None:
    """Writer-wise: chosen on one writer's set, scored on the other's, both ways. The learned
    concepts of a set are learned from the other writer's groups (and the probes)."""
    sets = {"ours": load(OURS), "blind": load(("blind",))}
    other = {"ours": "blind", "blind": "ours"}
    data = {name: prepared(opinions, sets[other[name]] + probes) for name, opinions in sets.items()}
    print(
        "candidate | trained on -> scored on | threshold | whole lexicon P / R / ARI | "
        "unseen wording (mean of 4) P / R / ARI"
    )
    summary = []

    def run(label, make_sim, grid, to_threshold):
        unseen_ari, full_ari = [], []
        for train, test in (("ours", "blind"), ("blind", "ours")):
            sim_of = make_sim(train)
            key = sweep_on(sim_of, [data[train]], grid) if len(grid) > 1 else grid[0]
            found = scored(sim_of, data[test], key, VARIANTS)
            unseen = [found[v] for v in UNSEEN]
            mean_unseen = quality.Quality(
                *(statistics.mean(getattr(q, k) for q in unseen) for k in ("precision", "recall", "ari"))
            )
            print(
                f"{label} | {train} -> {test} | {to_threshold(key)} | {fmt(found['full'])} | {fmt(mean_unseen)}",
                flush=True,
            )
            unseen_ari.append(mean_unseen.ari)
            full_ari.append(found["full"].ari)
        summary.append((statistics.mean(unseen_ari), statistics.mean(full_ari), label))

    run("engine as shipped", lambda train: lambda f: f[:, :, 0], [engine.THRESHOLD], str)
    run("engine, threshold by the rule", lambda train: lambda f: f[:, :, 0], ENGINE_THRESHOLDS, str)
    for names, augment in CANDIDATES:
        label = f"LR {'+'.join(names)} on {'+'.join(augment)}"
        run(
            label,
            lambda train, names=names, augment=augment: Model(names, [data[train]], augment).sim,
            [logit(p) for p in PROBABILITIES],
            lambda k: f"p {1 / (1 + math.exp(-k)):.2f}",
        )
    print("\nmean over both directions: unseen-wording ARI, whole-lexicon ARI")
    for unseen, full, label in sorted(summary, reverse=True):
        print(f"{unseen:.3f} {full:.3f} {label}")


# Frozen before the third writer's set was opened (cross_validate's figures, 30 November 2026):
# the candidate with the highest mean ARI on unseen wording, and the highest whose whole-lexicon
# ARI stays within 0.015 of the engine's. Only a candidate that also holds the other sets'
# figures could land (docs/hotspots_quality.md, "A learned pair similarity").
FROZEN = {
    "best on unseen wording": (("engine", "learned"), ("full", "d30a", "d50a")),
    "best holding the whole lexicon": (("engine", "char"), ("full", "d30a", "d50a")),
}


def orders_of(sim, labels, threshold, subjects, orders=20):
    found = []
    for seed in range(orders):
        order = list(range(len(labels)))
        random.Random(seed).shuffle(order)
        found.append(quality.measure(labels, group_online(sim, order, threshold, subjects)))
    mean = quality.Quality(
        *(statistics.mean(getattr(q, k) for q in found) for k in ("precision", "recall", "ari"))
    )
    worst = min(found, key=lambda q: q.precision)
    filed = quality.measure(labels, group_online(sim, list(range(len(labels))), threshold, subjects))
    return f"mean of {orders} orders {fmt(mean)}; worst order {fmt(worst)}; file order {fmt(filed)}"


def held_out(probes: list[quality.Opinion]) -> None:
    """ONCE: the frozen candidates, trained on both writers' sets (each set's learned concepts
    from the other's groups and the probes), the threshold by the rule on both sets, scored on
    the third writer's set (learned concepts from every labelled set but it)."""
    sets = {"ours": load(OURS), "blind": load(("blind",))}
    other = {"ours": "blind", "blind": "ours"}
    data = {name: prepared(opinions, sets[other[name]] + probes) for name, opinions in sets.items()}
    third = load(("blind3",))
    target = prepared(third, sets["ours"] + sets["blind"] + probes)["full"]
    print(
        f"engine-like similarity at {engine.THRESHOLD} (simulated, the set's own IDF), third writer "
        f"({len(third)}): {orders_of(target[0][:, :, 0], target[1], engine.THRESHOLD, target[2])}"
    )
    for label, (names, augment) in FROZEN.items():
        model = Model(names, list(data.values()), augment)
        key = sweep_on(model.sim, list(data.values()), [logit(p) for p in PROBABILITIES])
        print(
            f"{label}: LR {'+'.join(names)} on {'+'.join(augment)}, weights {np.round(model.w, 3).tolist()}, "
            f"p >= {1 / (1 + math.exp(-key)):.2f}"
        )
        for name in data:
            d = data[name]["full"]
            print(f"   {name}: {orders_of(model.sim(d[0]), d[1], key, d[2])}")
        print(f"   THIRD WRITER: {orders_of(model.sim(target[0]), target[1], key, target[2])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--held-out", action="store_true", help="score the frozen candidates on the third writer's set"
    )
    parser.add_argument("--no-probes", action="store_true")
    args = parser.parse_args()
    probes = [] if args.no_probes else read_probes()
    if args.held_out:
        held_out(probes)
    else:
        cross_validate(probes)


if __name__ == "__main__":
    main()
