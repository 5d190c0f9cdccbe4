"""Grouping opinions that raise the same problem, written in different words.

Each opinion becomes a sparse TF-IDF vector over three kinds of terms taken from its text
folded to simplified Chinese (OpenCC, Taiwan phrases included, so 腳踏車 meets 自行车): the
words rjieba finds (two characters or more), the character bigrams of every run of Chinese
characters (they catch what segmentation splits differently: 车棚 in 自行车棚 and 車棚), and the
concepts of the campaign's lexicon it names (hotspots/lexicon.py: 车棚太乱 and 石棉瓦破了 share
few words but both are about the bike shed; a phrase inside a longer one found there names
only the longer one's concept, and a concept named after the clause that says what the opinion
is about weighs less). Beside them, the labelled groups the grouping was
measured on are learned concepts (LearnedConcepts): an opinion's closest few are a fourth kind
of term. A new opinion is compared by cosine similarity
with the earlier ones through an inverted index and joins the group with the highest average
similarity to it when that reaches the threshold; otherwise it starts a group of its own.
Average, not nearest-neighbour linkage: with the nearest single opinion, one opinion that
names two things (车棚丢了电动车，去调监控) chains two groups into one.

The office's merges and moves are learned: a group the office made of parts (a merged group,
an opinion moved in) is as close to a new opinion as its closest part, so a wording the office
once put in a group is found again (README "The office's corrections are learned").

Only the text is used: never who wrote it or when. Measured on tests/data/hotspots_*.tsv,
see README "Hotspots".
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import opencc
import rjieba

from hotspots.lexicon import ASPECTS, CONCEPTS, PLACES

# Chosen (#22, 1 December 2026) with LEARNED_SHARE, across writers: each writer's set scored
# with learned concepts made of the other writers' sets only, the setting with the highest mean
# ARI over ours, the blind set and the third writer's development half among those that keep
# our and the blind set's precision at their pinned floors (0.975, 0.935); the same setting is
# chosen with any one of the three left out (docs/hotspots_quality.md, "Learned concepts").
# Was 0.54 without learned concepts (blind round).
THRESHOLD = 0.50
# Bigrams weigh less than words: they are many and overlap each other.
BIGRAM_WEIGHT = 0.5
# The share of the lexicon's concepts in the similarity (the rest is words and bigrams): the
# concepts are what two wordings of one complaint share.
CONCEPT_SHARE = 0.7
# A concept that says how something is wrong (ASPECTS) weighs this much of a subject.
ASPECT_WEIGHT = 0.5
# Concepts are not weighed by how rare they are: a concept many opinions share is exactly
# a hotspot, and with IDF the first opinions about the bike shed made 车棚 worth less than
# whatever else the next one named (火灾), so it started a group of its own.
CONCEPT_IDF = False
# A concept named only after the first clause that names any (…，灯也不亮; …，去调监控) weighs
# this much: people state what they complain about first and what goes with it after, and a
# side remark at full weight pulled opinions into the group of the thing remarked on.
LATER_WEIGHT = 0.7
# When an opinion names a subject, it joins only a group where at least this share of the
# members name it too: one member's side remark (…灯也不亮) does not make the group about it.
SUBJECT_SHARE = 0.5
# A concept named again and again is what a long opinion is about: its weight grows by this
# much of the logarithm of its mentions (文件 four times in a long text about documents, the
# 签字 and 值班 of its side remarks once each). Without it, recall on the blind tuning half
# falls from 0.854 to 0.712 and our tuning file misses its pinned recall; 0.3 to 1.0 differ little.
MENTION_WEIGHT = 0.5
# A term held by more than this many groups is looked up among the groups most recently fed
# with it only: such a term (医院, 病人) says little, and scanning all holders is what would
# make one new opinion cost more as the institution's box fills up.
POSTINGS_SCAN = 100
# Bigrams are many per opinion and each says less than a word: fewer of their holders are read.
BIGRAM_SCAN = 25
# A group the office made of parts (a merge, a move) is as close to a new opinion as its closest
# part, each part's average drawn this many members' worth toward the whole group's: a part of
# one is one opinion's wording, and one opinion alone is a noisy guide (it pulled in unrelated
# opinions that shared one concept with it). Chosen by the office-in-the-loop replay
# (bench/hotspots_office.py, docs/hotspots_quality.md): 0, 0.25, 0.5 and 1
# tried; 0.25 kept the office's actions as few as 0 did and the placements' precision higher.
PART_PRIOR = 0.25
# The share of the labelled groups as learned concepts in the similarity (LearnedConcepts; the
# rest is the concepts' and the words' as before): chosen with THRESHOLD (0, 0.05 … 0.2 tried).
LEARNED_SHARE = 0.15

_TO_SIMPLIFIED = opencc.OpenCC("tw2sp")
# The six Hong Kong variants tw2sp leaves as they are (hk2s folds them): 保衞科 is 保卫科.
_HK_VARIANTS = str.maketrans("敍枱粧糭衞衹", "叙台妆粽卫只")
_INVISIBLE = dict.fromkeys(i for i in range(0x110000) if unicodedata.category(chr(i)) == "Cf")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"^[\u4e00-\u9fffa-z0-9]{2,}$")
_CLAUSE_END = re.compile(r"[,，。.!！?？;；:：\n]")
# Words that appear in opinions about anything: they would pull unrelated opinions together.
STOPWORDS = frozenset(
    "建议 希望 能不能 能否 一下 一直 问题 医院 我们 大家 什么 没有 不要 现在 已经 还是 可以 "
    "就是 这样 一个 根本 经常 非常 实在 真的 职工 病人 时候 好几 好多 很多 太多 还要 怎么 "
    "应该 需要 不能 只能 这个 那个 今天 每天 到处 总是 为什么 反映 谢谢 请问 尽快 及时 "
    "严重 情况 现象 方面 工作 科室 相关 有关 领导 部门 管理".split()
)

# Words of a write-back that say nothing new about the problem: chasing, thanks, time passing.
FOLLOW_UP_FILLER = frozenset(
    "解决 处理 回复 答复 进展 结果 收到 感谢 满意 不满意 催促 跟进 落实 整改 多久 什么 什么时候 "
    "没人管 没有人 还没 依然 仍然 继续 再次 补充 说明 之前 上次 过去 一个月 几个月 几天 好久 "
    "到底 怎么样 答案 消息 等待 等了 还是 一样 老样子 变化 改善 改变".split()
)
# New words a write-back must bring (besides filler) to count as more to say, when it names no
# new concept.
SUBSTANCE_WORDS = 3


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to plain ones), invisible characters out, traditional
    to simplified, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _TO_SIMPLIFIED.convert(text).translate(_HK_VARIANTS).lower()


# Every phrase of the lexicon and the concepts it names (a phrase in two concepts names both),
# as written and folded as the texts are: OpenCC's Taiwan phrases turn 影像 into 图像 and 小程序
# into 小进程 in simplified text too (and 小程式 into 小程序), so a phrase kept only as written
# would never be found in a simplified text. (How a Taiwan or Hong Kong text of a phrase folds,
# 健康檔案 to 健康文件, is written in the lexicon itself: the converters that would find it at
# import hold 40 MB; tests/test_hotspots.py checks that the lexicon has every such form.)
_CONCEPTS_OF: dict[str, list[str]] = defaultdict(list)
for _concept, _phrases in CONCEPTS.items():
    for _phrase in _phrases:
        for _form in dict.fromkeys((_phrase, normalize(_phrase))):
            # once per concept: a phrase listed in both scripts (夜班费 / 夜班費) is one mention
            if "c:" + _concept not in _CONCEPTS_OF[_form]:
                _CONCEPTS_OF[_form].append("c:" + _concept)


def phrase_pattern(phrases: Iterable[str]) -> str:
    """One regular expression for the longest of the phrases starting at a place, written as a
    trie (挂号 and 挂号难 as 挂号(?:难)?): an alternation of 2,500 phrases is tried one by one at
    every place of a text, a trie one character at a time. Each step is greedy and the branches
    of a node begin with different characters, so the match is the longest phrase there."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # the phrase may end here: the longer ones are optional
            return "(?:" + body + ")?"
        return body

    return pattern(trie)


# In a lookahead: the search finds the longest phrase starting at every place, overlapping ones
# included (微信预约 and 预约挂号 in 微信预约挂号).
_PHRASES = re.compile("(?=(" + phrase_pattern(_CONCEPTS_OF) + "))")


def terms(text: str) -> dict[str, float]:
    """The weighted term counts of one text (before IDF)."""
    plain = normalize(text)
    counts: dict[str, float] = defaultdict(float)
    for word in rjieba.cut(plain):
        if _WORD.match(word) and word not in STOPWORDS:
            counts["w:" + word] += 1.0
    for run in _CJK_RUN.findall(plain):
        for i in range(len(run) - 1):
            counts[run[i : i + 2]] += BIGRAM_WEIGHT
        if len(run) == 1:
            counts[run] += BIGRAM_WEIGHT
    for concept, weight in _concepts(plain).items():
        counts[concept] = weight * (ASPECT_WEIGHT if concept[2:] in ASPECTS else 1.0)
    return dict(counts)


def _concepts(plain: str) -> dict[str, float]:
    """The concepts a folded text names, each with its weight: 1 up to the first clause that
    names a subject (an aspect such as 领导 in 院领导： does not make a clause the topic),
    LATER_WEIGHT when named only after it; times 1 + MENTION_WEIGHT × ln(mentions)."""
    named: dict[str, float] = {}
    mentions: dict[str, int] = defaultdict(int)
    topic_named = False
    for clause in _CLAUSE_END.split(plain):
        weight = LATER_WEIGHT if topic_named else 1.0
        for phrase in _phrases(clause):
            for concept in _CONCEPTS_OF[phrase]:
                named[concept] = max(named.get(concept, 0.0), weight)
                mentions[concept] += 1
                topic_named = topic_named or concept[2:] not in ASPECTS
    # a place gives way to a problem that happens there and is named as early (车棚里充电插座太少
    # is about charging; 车棚乱，…再装几个充电桩 stays about the shed)
    for place, problems in PLACES.items():
        where = named.get("c:" + place)
        if where and any(named.get("c:" + problem, 0.0) >= where for problem in problems):
            del named["c:" + place]
    if MENTION_WEIGHT:
        return {c: w * (1.0 + MENTION_WEIGHT * math.log(mentions[c])) for c, w in named.items()}
    return named


def _phrases(clause: str) -> list[str]:
    """The lexicon's phrases in a clause, leaving out every one that lies inside a longer one
    found there: 挂号 in 预约挂号 names online booking only, 夜班 in 夜班费 names pay only."""
    found = [(m.start(), m.start() + len(m.group(1)), m.group(1)) for m in _PHRASES.finditer(clause)]
    return [
        phrase
        for start, end, phrase in found
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in found)
    ]


def adds_substance(known: str, follow_up: str) -> bool:
    """Whether a write-back says more about the problem than the opinion (with the write-backs
    taken in before) already does: it names a concept the opinion does not, or brings at least
    SUBSTANCE_WORDS words it does not use that are neither common nor chasing. 还没解决？谢谢
    leaves the grouping as it was; 车棚里的电动车充电线被剪了，监控也是坏的 does not."""
    before, after = terms(known), terms(follow_up)
    if any(t.startswith("c:") and t not in before for t in after):
        return True
    fresh = [t for t in after if t.startswith("w:") and t not in before and t[2:] not in FOLLOW_UP_FILLER]
    return len(fresh) >= SUBSTANCE_WORDS


class LearnedConcepts:
    """The labelled groups as concepts of their own (#22, docs/hotspots_quality.md "Learned
    concepts"): each group of two or more is the centroid of its members' unit vectors (words,
    bigrams and single characters, TF-IDF over the labelled texts), and an opinion's learned
    concepts are its TOP highest cosines with the centroids (at least FLOOR). Two wordings of
    one problem that share no phrase of the lexicon may still both be closest to the group
    some earlier writer wrote about it in other words again."""

    TOP = 5
    FLOOR = 0.1

    def __init__(self, labelled: Iterable[tuple[str, str]]) -> None:
        counted = [(group, self._lexical(text, terms(text))) for group, text in labelled]
        self.n = len(counted)
        self.df: dict[str, int] = defaultdict(int)
        for _, c in counted:
            for t in c:
                self.df[t] += 1
        totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        sizes: dict[str, int] = defaultdict(int)
        for group, c in counted:
            sizes[group] += 1
            for t, w in self._unit(c).items():
                totals[group][t] += w
        self.concepts = ["l:" + group for group in totals if sizes[group] >= 2]  # a one-off is no concept
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for number, concept in enumerate(self.concepts):
            total = totals[concept[2:]]
            norm = math.sqrt(sum(w * w for w in total.values()))
            for t, w in total.items():
                postings[t][0].append(number)
                postings[t][1].append(w / norm)
        # per term, the concepts holding it and its weight in each, as arrays: a character such
        # as 的 is in most centroids, and adding them up one by one cost 0.7 ms an opinion
        self.postings = {t: (np.array(n, dtype=np.intp), np.array(w)) for t, (n, w) in postings.items()}

    @staticmethod
    def _lexical(text: str, counted: dict[str, float]) -> dict[str, float]:
        found = {t: c for t, c in counted.items() if not t.startswith("c:")}
        for char in normalize(text):
            if "\u4e00" <= char <= "\u9fff":
                found["u:" + char] = found.get("u:" + char, 0.0) + 0.5
        return found

    def _unit(self, counted: dict[str, float]) -> dict[str, float]:
        weights = {
            t: ((1.0 + math.log(c)) if c >= 1 else c)
            * (math.log((self.n + 1) / (self.df.get(t, 0) + 1)) + 1.0)
            for t, c in counted.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {t: w / norm for t, w in weights.items()} if norm else {}

    def vector(self, text: str, counted: dict[str, float]) -> dict[str, float]:
        held = [
            (self.postings[t], w)
            for t, w in self._unit(self._lexical(text, counted)).items()
            if t in self.postings
        ]
        if not held:
            return {}
        scores = np.bincount(
            np.concatenate([numbers for (numbers, _), _ in held]),
            weights=np.concatenate([weights * w for (_, weights), w in held]),
            minlength=len(self.concepts),
        )
        top = np.argsort(-scores, kind="stable")[: self.TOP]
        return {self.concepts[n]: float(scores[n]) for n in top if scores[n] >= self.FLOOR}


# The labelled opinions the learned concepts are made of (`set:group<TAB>text`; written by
# bench/hotspots_tune.py --learned-groups from tests/data, which a test keeps in step).
LEARNED_GROUPS = Path(__file__).with_name("learned_groups.tsv")
LEARNED: LearnedConcepts | None = None  # made on first use: reading 1,700 texts takes a moment


def learned_concepts() -> LearnedConcepts:
    global LEARNED
    if LEARNED is None:
        rows = LEARNED_GROUPS.read_text(encoding="utf-8").splitlines()
        LEARNED = LearnedConcepts(
            tuple(row.split("\t", 1)) for row in rows if row and not row.startswith("#")
        )
    return LEARNED


@dataclass
class Index:
    """The opinions of one institution seen so far, and the group each belongs to.

    A group is made of parts (most groups, all those the grouping made alone, of one part,
    the group's own): the office's merges and moves are kept as parts of the group they made,
    so that the group is as close to a new opinion as the closest of the wordings the office
    put in it. A part has a name (storage keeps it: the group's own part is named as the
    group); in the index a part is its group's key when it is the group's own, else (group,
    name), so that one name in two groups (a merge that ran alongside a batch placing into
    the merged group) is two parts, as storage has it. A part is kept as the sum of its
    members' unit vectors: the average of the cosine similarities between a new opinion and
    every member of a part is its dot product with that sum divided by the part's size, so
    average linkage costs one look-up per part, not per member. The sums live in the inverted
    index itself: `postings[term][part]` is the part's summed weight of the term, most recently
    fed parts last."""

    threshold: float = THRESHOLD
    # each opinion's vector as (terms, weights): a tuple and an array take a fifth of the
    # memory of a dict, and the terms are the index's own (interned) strings
    vectors: dict[Hashable, tuple[tuple[str, ...], array]] = field(default_factory=dict)
    group_of: dict[Hashable, Hashable] = field(default_factory=dict)
    sizes: dict[Hashable, int] = field(default_factory=lambda: defaultdict(int))
    members: dict[Hashable, set] = field(default_factory=lambda: defaultdict(set))
    # the parts: each opinion's, each part's group and size, each group's parts
    part_of: dict[Hashable, Hashable] = field(default_factory=dict)
    group_of_part: dict[Hashable, Hashable] = field(default_factory=dict)
    part_sizes: dict[Hashable, int] = field(default_factory=lambda: defaultdict(int))
    parts: dict[Hashable, set] = field(default_factory=lambda: defaultdict(set))
    postings: dict[str, dict[Hashable, float]] = field(default_factory=lambda: defaultdict(dict))
    document_frequency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # subject_counts[concept][part]: how many of the part's members name the subject
    subject_counts: dict[str, dict[Hashable, int]] = field(default_factory=lambda: defaultdict(dict))
    new_key: Callable[[], Hashable] | None = None  # how a new group is named; else 1, 2, 3 …
    _next_group: int = 1

    def _idf(self, term: str) -> float:
        df = self.document_frequency.get(term, 0)
        return math.log((len(self.vectors) + 1) / (df + 1)) + 1.0

    def vector(self, text: str) -> dict[str, float]:
        """The opinion's unit vector: its concepts and its words and bigrams are each
        normalised and then weighed by CONCEPT_SHARE, so that the cosine of two opinions is
        CONCEPT_SHARE × (how alike their concepts are) + the rest × (how alike their words);
        its learned concepts (the labelled groups closest to it) take LEARNED_SHARE of that
        first, when it has any."""
        concepts, lexical = {}, {}
        counted = terms(text)
        for t, c in counted.items():
            idf = 1.0 if t.startswith("c:") and not CONCEPT_IDF else self._idf(t)
            weight = ((1.0 + math.log(c)) if c >= 1 else c) * idf
            (concepts if t.startswith("c:") else lexical)[t] = weight
        vector = {}
        learned = learned_concepts().vector(text, counted) if LEARNED_SHARE else {}
        rest = 1.0 - LEARNED_SHARE if learned else 1.0
        blocks = (
            (concepts, CONCEPT_SHARE * rest),
            (lexical, (1.0 - CONCEPT_SHARE) * rest),
            (learned, LEARNED_SHARE),
        )
        for part, share in blocks:
            norm = math.sqrt(sum(w * w for w in part.values()))
            vector.update({t: w / norm * math.sqrt(share) for t, w in part.items()} if norm else {})
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {t: w / norm for t, w in vector.items()}

    def nearest(self, vector: dict[str, float]) -> tuple[Hashable | None, float]:
        """The group with the highest similarity to the opinion, and that similarity; None when
        no group reaches the threshold. A group's similarity is its closest part's (see
        nearest_part)."""
        part, similarity = self.nearest_part(vector)
        return (None, 0.0) if part is None else (self.group_of_part[part], similarity)

    @staticmethod
    def part_key(group: Hashable, name: Hashable | None) -> Hashable:
        """The index's key of the group's part of that name (None: the group's own part): the
        group's key for its own part, else "group/name" when both are text (the bot's random
        ids, which have no slash: a string keeps its hash, and the look-up adds to a part's
        score once per term it holds), else (group, name)."""
        if name is None or name == group:
            return group
        return f"{group}/{name}" if isinstance(group, str) and isinstance(name, str) else (group, name)

    def part_name(self, key: Hashable) -> Hashable:
        """The name of the opinion's part, as storage keeps it (its group's for the own part)."""
        part = self.part_of[key]
        if isinstance(part, tuple):
            return part[1]
        return part.split("/", 1)[1] if isinstance(part, str) and "/" in part else part

    def nearest_part(self, vector: dict[str, float]) -> tuple[Hashable | None, float]:
        """The part with the highest average similarity to the opinion, and that average;
        None when no part reaches the threshold. When the opinion names a subject (a concept
        that is not an aspect such as queues or dirt), at least SUBJECT_SHARE of the part's
        members must name one of its subjects too: 排队 alone does not make 挂号 and 取药 one
        problem."""
        scores: dict[Hashable, float] = defaultdict(float)
        for term, weight in vector.items():
            holders = self.postings.get(term)
            if not holders:
                continue
            pairs = holders.items()
            scan = POSTINGS_SCAN if term[1:2] == ":" else BIGRAM_SCAN
            if len(holders) > scan:
                pairs = islice(reversed(pairs), scan)
            for part, total in pairs:
                scores[part] += weight * total
        sizes, threshold = self.part_sizes, self.threshold
        subjects = [
            self.subject_counts.get(t, {}) for t in vector if t.startswith("c:") and t[2:] not in ASPECTS
        ]
        similarities = self._similarities(scores)
        # on a tie, as before the parts: the larger key first (a part the office made in a group
        # whose key is not text is a tuple, which does not compare with a key: keys first)
        ranked = sorted(
            ((s, isinstance(p, tuple), p) for p, s in similarities.items() if s >= threshold), reverse=True
        )
        for similarity, _, part in ranked:
            if not subjects or any(
                holders.get(part, 0) >= SUBJECT_SHARE * sizes[part] for holders in subjects
            ):
                return part, similarity
        return None, 0.0

    def _similarities(self, scores: dict[Hashable, float]) -> dict[Hashable, float]:
        """The average similarity of each part that may reach the threshold (its summed score
        over its size); a part of a group of several is drawn PART_PRIOR members' worth toward
        the whole group's average. A drawn part reaches the threshold only in a group where
        some part does undrawn (the group's average is between its parts'), so only those
        groups' parts are drawn."""
        sizes, threshold = self.part_sizes, self.threshold
        found = {p: average for p, score in scores.items() if (average := score / sizes[p]) >= threshold}
        for group in {self.group_of_part[p] for p in found}:
            parts = self.parts[group]
            if len(parts) == 1:
                continue
            whole = sum(scores.get(p, 0.0) for p in parts) / self.sizes[group]
            for part in parts:
                if part in scores:
                    found[part] = (scores[part] + PART_PRIOR * whole) / (sizes[part] + PART_PRIOR)
        return found

    def add(
        self, key: Hashable, text: str, group: Hashable | None = None, part: Hashable | None = None
    ) -> Hashable:
        """Take in one opinion and return its group: the one given (the office put it there, or
        it is read back from storage), in the part of the name given (else the group's own),
        else the closest part's group when similar enough, else a new group."""
        vector = self.vector(text)
        if group is None:
            closest = self.nearest_part(vector)[0]
            group = self.new_group() if closest is None else self.group_of_part[closest]
        else:
            closest = self.part_key(group, part)
        self.vectors[key] = (tuple(map(sys.intern, vector)), array("d", vector.values()))
        for term in vector:
            self.document_frequency[term] += 1
        self._join(key, group, group if closest is None else closest)
        return group

    def _join(self, key: Hashable, group: Hashable, part: Hashable) -> None:
        self.group_of_part[part] = group
        for term, weight in zip(*self.vectors[key], strict=True):
            holders = self.postings[term]
            # popped and put back: the most recently fed parts are scanned first
            holders[part] = holders.pop(part, 0.0) + weight
            if term.startswith("c:") and term[2:] not in ASPECTS:
                named = self.subject_counts[term]
                named[part] = named.get(part, 0) + 1
        self.group_of[key] = group
        self.part_of[key] = part
        self.sizes[group] += 1
        self.part_sizes[part] += 1
        self.members[group].add(key)
        self.parts[group].add(part)

    def _leave(self, key: Hashable) -> None:
        group, part = self.group_of.pop(key), self.part_of.pop(key)
        for term, weight in zip(*self.vectors[key], strict=True):
            holders = self.postings[term]
            left = holders.get(part, 0.0) - weight
            if left > 1e-9:
                holders[part] = left
            else:
                holders.pop(part, None)
            if term.startswith("c:") and term[2:] not in ASPECTS:
                named = self.subject_counts[term]
                named[part] -= 1
                if not named[part]:
                    del named[part]
        self.sizes[group] -= 1
        self.part_sizes[part] -= 1
        self.members[group].discard(key)
        if not self.part_sizes[part]:
            del self.part_sizes[part], self.group_of_part[part]
            self.parts[group].discard(part)
        if not self.sizes[group]:
            del self.sizes[group], self.members[group], self.parts[group]

    def new_group(self) -> Hashable:
        if self.new_key is not None:
            return self.new_key()
        self._next_group += 1
        return self._next_group - 1

    def representative(self, group: Hashable) -> Hashable:
        """The member most like the group as a whole (the highest dot product with the sum of
        its members' vectors: its part's sums in the index when it is one part, else added up
        once over the members, so that a group of many parts costs no more)."""
        members = self.members[group]
        if len(self.parts[group]) == 1:
            (part,) = self.parts[group]
            total = {t: self.postings[t].get(part, 0.0) for key in members for t in self.vectors[key][0]}
        else:
            total = defaultdict(float)
            for key in members:
                for t, w in zip(*self.vectors[key], strict=True):
                    total[t] += w

        def likeness(key: Hashable) -> float:
            return sum(w * total[t] for t, w in zip(*self.vectors[key], strict=True))

        return max(sorted(members), key=likeness)

    def retext(self, key: Hashable, text: str, *, stay: bool = False) -> Hashable:
        """The opinion's text grew (its holder wrote back with more to say): its vector is made
        again from the whole text, and it is placed again, in the group most like it now; it
        stays where it was (in its part) when no group is similar enough, or when `stay` (the
        office put it there, or its group's problem is listed with it). Returns its group."""
        group, part = self.group_of[key], self.part_of[key]
        self._leave(key)
        for term in self.vectors[key][0]:
            self.document_frequency[term] -= 1
        vector = self.vector(text)
        self.vectors[key] = (tuple(map(sys.intern, vector)), array("d", vector.values()))
        for term in vector:
            self.document_frequency[term] += 1
        if not stay:
            closest = self.nearest_part(vector)[0]
            if closest is not None:
                group, part = self.group_of_part[closest], closest
        self._join(key, group, part)
        return group

    def move(self, key: Hashable, group: Hashable, part: Hashable | None = None) -> None:
        """The office put an opinion in another group (or a new one), in the part of the name
        given: a name of its own when the office moved it (the group is then as close to a new
        opinion as this one is), its own part's name when the office merged its group (the
        merged group keeps its parts), else (None) the group's own part."""
        part = self.part_key(group, part)
        if self.part_of.get(key) == part:
            return
        self._leave(key)
        self._join(key, group, part)


def group_texts(texts: Iterable[str], threshold: float = THRESHOLD) -> list[int]:
    """One group number per text, in order; the same number for texts of one group, numbered
    from 1 in order of first appearance."""
    index = Index(threshold=threshold)
    return [index.add(n, text) for n, text in enumerate(texts)]


def group_opinions(opinions: Iterable) -> list[int]:
    """group_texts for anything with a `text` (a labelled opinion), with the settings in effect
    now (the tuning bench changes them)."""
    return group_texts([o.text for o in opinions], THRESHOLD)
