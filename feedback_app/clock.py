"""The one place the application reads "now" from, so tests can stand at any instant.

Code calls :func:`now`; tests call :meth:`Clock.set` (or use the ``clock`` fixture) to stop or move time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Real UTC time unless a test has fixed it."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock takes aware datetimes")
        self._fixed = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)

    def reset(self) -> None:
        self._fixed = None


clock = Clock()


def now() -> datetime:
    """The current instant, aware and in UTC."""
    return clock.now()
