"""The one error of score runs."""

from __future__ import annotations

from ..errors import DomainError


class ScoreRunError(DomainError):
    """A score run or a unit's parameters cannot be computed or changed as asked."""
