"""The one exception family of the scoring package.

Every error raised on purpose by :mod:`scoring` is a :class:`ScoringError`. Its message is plain English that a
web layer can show to the user as it is (or translate), e.g. ``"Answer for U3 must be an integer from 1 to 4;
got 5."``. ``ScoringError`` subclasses :class:`ValueError`, so code that already catches ``ValueError`` keeps
working.
"""

from __future__ import annotations

__all__ = [
    "InvalidAnswer",
    "InvalidParameter",
    "InvalidPeriod",
    "InvalidRating",
    "InvalidStatistics",
    "InvalidTarget",
    "InvalidWeights",
    "ScoringError",
]


class ScoringError(ValueError):
    """Base class of every error raised by :mod:`scoring`; the message is safe to show to a user."""


class InvalidAnswer(ScoringError):
    """An SKM answer is not an integer from 1 to 4, or a response does not answer all nine unsur (spec §1.1)."""


class InvalidWeights(ScoringError):
    """A weight convention is unknown, or custom weights are not exact, negative or do not sum to 1 (spec §1.3)."""


class InvalidTarget(ScoringError):
    """A performance target cannot be scored: zero, negative or missing (spec §3)."""


class InvalidPeriod(ScoringError):
    """A period code or period boundaries are not valid (spec §5, §6)."""


class InvalidRating(ScoringError):
    """A rating or predikat is not one of the names in the regulation (spec §3)."""


class InvalidStatistics(ScoringError):
    """Sufficient statistics handed to scoring are inconsistent, e.g. counts that do not add up (spec §6)."""


class InvalidParameter(ScoringError):
    """A scoring parameter or a plain argument is out of range or of the wrong type."""
