"""The one source of the current time, so that tests and the sandbox can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def freeze(self, moment: datetime) -> None:
        self._frozen = moment.astimezone(UTC)

    def travel_to(self, moment: datetime) -> None:
        """Keep running, but from `moment` on (tests pin the time of day this way)."""
        self._frozen = None
        self._offset = moment.astimezone(UTC) - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    def reset(self) -> None:
        self._offset = timedelta(0)
        self._frozen = None


clock = Clock()


def iso(moment: datetime) -> str:
    """UTC ISO-8601, the one form times are stored in."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
