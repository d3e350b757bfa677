"""The one place the application reads "now" from, so tests can stand at any instant.

Code calls :func:`now`; tests call :meth:`Clock.set` (or use the ``clock`` fixture) to stop or move time. A
background job computes "as of" the instant it was requested: :meth:`Clock.as_of` holds that instant for the job's
own thread only, so a worker serving other requests keeps the real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_as_of: ContextVar[datetime | None] = ContextVar("clock_as_of", default=None)


class Clock:
    """Real UTC time unless a test has fixed it."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        held = _as_of.get()
        if held is not None:
            return held
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    @contextmanager
    def as_of(self, instant: datetime) -> Iterator[None]:
        """Within the block (this thread or task only), "now" is ``instant``."""
        if instant.tzinfo is None:
            raise ValueError("the clock takes aware datetimes")
        token = _as_of.set(instant.astimezone(UTC))
        try:
            yield
        finally:
            _as_of.reset(token)

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
