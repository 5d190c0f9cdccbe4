"""The bot's grouping of released opinions: one in-memory index per database, fed from the
batch in which opinions become visible to the office, told about the office's merges, splits
and moves, and about write-backs that say more about the problem than the opinion did. CPU
work only (the caller reads and writes storage on its own thread and runs `place` in a worker
thread), so the event loop never waits on it."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from hotspots.engine import Index, adds_substance

Rows = list[tuple[str, str]]


@dataclass(frozen=True)
class FollowUp:
    """A released write-back of an opinion's holder: its opinion, its place in the thread, its
    text, the opinion's own text, and whether the opinion must stay in its group (the office
    placed it, or it is on the problem list)."""

    opinion_id: str
    seq: int
    text: str
    opinion_text: str
    stay: bool


@dataclass
class Placed:
    placements: list[tuple[str, str, str]]  # new opinions: (opinion, group, part)
    regrouped: list[tuple[str, str, str, str]]  # write-backs moved them: (opinion, from, to, part)
    representatives: dict[str, str] = field(default_factory=dict)  # every touched group's


class Grouper:
    def __init__(self, new_key) -> None:
        self._new_key = new_key
        self.index: Index | None = None
        # the office's moves not yet in the index: (opinion, group, part)
        self._pending: deque[tuple[str, str, str | None]] = deque()
        self._read: dict[str, int] = {}  # the last write-back read, per opinion
        self._texts: dict[str, str] = {}  # an opinion's text with the write-backs taken in
        self._lock = threading.Lock()

    @property
    def needs_members(self) -> bool:
        """True until the index is built: the caller then passes every grouped opinion."""
        return self.index is None

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def has_unread(self, follow_ups: list[FollowUp]) -> bool:
        """Whether any write-back is new to the index (once built: building reads them all)."""
        return self.index is not None and any(f.seq > self._read.get(f.opinion_id, 0) for f in follow_ups)

    def note_moves(self, moves: Sequence[tuple[str, str] | tuple[str, str, str]]) -> None:
        """(opinion, group[, part]) the office made (storage/hotspots.py move, merge, split);
        applied before the next placing. A part left out is the group's own."""
        for opinion_id, group_id, *part in moves:
            self._pending.append((opinion_id, group_id, part[0] if part else None))

    def _take(self, follow_up: FollowUp) -> bool:
        """Read one write-back; True when it said more and the opinion's text grew."""
        if follow_up.seq <= self._read.get(follow_up.opinion_id, 0):
            return False
        self._read[follow_up.opinion_id] = follow_up.seq
        known = self._texts.get(follow_up.opinion_id, follow_up.opinion_text)
        if not adds_substance(known, follow_up.text):
            return False
        self._texts[follow_up.opinion_id] = f"{known}\n{follow_up.text}"
        return True

    def place(
        self,
        new: Rows,
        grouped: Sequence[tuple[str, str, str] | tuple[str, str, str, str]] | None = None,
        follow_ups: Sequence[FollowUp] = (),
    ) -> Placed:
        """Group new (id, text) opinions, then take in the write-backs not read before (in
        thread order). Returns what to store and the representative of every group that changed."""
        with self._lock:
            if self.index is None:
                self._build(grouped or (), follow_ups)
            index = self.index
            touched = set()
            while self._pending:
                opinion_id, group_id, part_id = self._pending.popleft()
                if opinion_id in index.group_of:
                    touched.add(index.group_of[opinion_id])
                    index.move(opinion_id, group_id, part_id)
                    touched.add(group_id)
            placements = []
            for opinion_id, text in new:
                if opinion_id in index.group_of:  # placed by a batch that ran alongside
                    continue
                group_id = index.add(opinion_id, self._texts.get(opinion_id, text))
                placements.append((opinion_id, group_id, index.part_name(opinion_id)))
                touched.add(group_id)
            regrouped = []
            grown = {
                f.opinion_id: f
                for f in sorted(follow_ups, key=lambda f: (f.opinion_id, f.seq))
                if self._take(f)
            }
            for opinion_id, follow_up in grown.items():
                if opinion_id not in index.group_of:  # not released to the office yet
                    continue
                before = index.group_of[opinion_id]
                after = index.retext(opinion_id, self._texts[opinion_id], stay=follow_up.stay)
                touched.update((before, after))
                if after != before:
                    regrouped.append((opinion_id, before, after, index.part_name(opinion_id)))
            representatives = {g: index.representative(g) for g in touched if index.sizes.get(g)}
            return Placed(placements, regrouped, representatives)

    def _build(self, grouped, follow_ups: Sequence[FollowUp]) -> None:
        """The index from what is stored: every grouped opinion in its stored group and part (the
        office's merges and moves are learned again), with the write-backs that said more folded
        into its text (they moved it when they came)."""
        for follow_up in sorted(follow_ups, key=lambda f: (f.opinion_id, f.seq)):
            self._take(follow_up)
        self.index = Index(new_key=self._new_key)
        for opinion_id, group_id, text, *part in grouped:
            text = self._texts.get(opinion_id, text)
            self.index.add(opinion_id, text, group=group_id, part=part[0] if part else None)
