"""Limits on how often one person may do something, that store nothing about who did what.

Counters are keyed by an HMAC of the Telegram user id under a key that exists only in this
process's memory and is replaced when the period changes (a local day for opinions, an hour
for wrong receipt codes); the old counters go with it. Nothing is ever written to disk, so a
restart forgets the counts: the price of not keeping them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Hashable


class FloodGuard:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._period: Hashable = None
        self._key = b""
        self._counts: dict[bytes, int] = {}

    def _slot(self, user_id: int, period: Hashable) -> bytes:
        if period != self._period:
            self._period, self._key, self._counts = period, secrets.token_bytes(32), {}
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).digest()

    def allows(self, user_id: int, period: Hashable) -> bool:
        return self._counts.get(self._slot(user_id, period), 0) < self.limit

    def count(self, user_id: int, period: Hashable) -> None:
        slot = self._slot(user_id, period)
        self._counts[slot] = self._counts.get(slot, 0) + 1
