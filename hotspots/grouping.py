"""The bot's grouping of released opinions: one in-memory index per database, fed from the
batch in which opinions become visible to the office, and told about the office's merges,
splits and moves. CPU work only (the caller reads and writes storage on its own thread and
runs `place` in a worker thread), so the event loop never waits on it."""

from __future__ import annotations

import threading
from collections import deque

from hotspots.engine import Index

Rows = list[tuple[str, str]]


class Grouper:
    def __init__(self, new_key) -> None:
        self._new_key = new_key
        self.index: Index | None = None
        self._pending: deque[tuple[str, str]] = deque()  # the office's moves not yet in the index
        self._lock = threading.Lock()

    @property
    def needs_members(self) -> bool:
        """True until the index is built: the caller then passes every grouped opinion."""
        return self.index is None

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def note_moves(self, moves: list[tuple[str, str]]) -> None:
        """(opinion, group) pairs the office made; applied before the next placing."""
        self._pending.extend(moves)

    def place(self, new: Rows, grouped: list[tuple[str, str, str]] | None = None
              ) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """Group new (id, text) opinions. Returns the (opinion, group) placements and the
        representative opinion of every group that changed."""
        with self._lock:
            if self.index is None:
                self.index = Index(new_key=self._new_key)
                for opinion_id, group_id, text in grouped or ():
                    self.index.add(opinion_id, text, group=group_id)
            index = self.index
            touched = set()
            while self._pending:
                opinion_id, group_id = self._pending.popleft()
                if opinion_id in index.group_of:
                    touched.add(index.group_of[opinion_id])
                    index.move(opinion_id, group_id)
                    touched.add(group_id)
            placements = []
            for opinion_id, text in new:
                if opinion_id in index.group_of:  # placed by a batch that ran alongside
                    continue
                group_id = index.add(opinion_id, text)
                placements.append((opinion_id, group_id))
                touched.add(group_id)
            representatives = {g: index.representative(g) for g in touched if index.sizes.get(g)}
            return placements, representatives
