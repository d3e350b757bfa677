"""What several commands need: a unit by its slug, a period by its code, and one progress bar for long work."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TextIO, TypeVar, overload

import click
from sqlalchemy import select

from scoring import Period, ScoringError, parse_period

from ..extensions import db
from ..models import Unit

T = TypeVar("T")

#: The ``--quiet`` flag every long command takes: no bar and no running commentary, for cron and scripts.
quiet_option = click.option("--quiet", is_flag=True, help="No progress bar (scripts, cron); errors are still shown.")


def unit_by_slug(slug: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        raise click.BadParameter(f"no unit with slug {slug!r}", param_hint="--unit")
    return unit


def period_by_code(code: str) -> Period:
    try:
        return parse_period(code.strip().upper())
    except ScoringError as error:
        raise click.BadParameter(str(error), param_hint="--period") from None


class Progress(Generic[T]):
    """What :func:`progress` yields: iterate it for the items, or call :meth:`update` for steps without items."""

    def __init__(self, items: Iterable[T] | None, bar: Any | None) -> None:
        self._items = items
        self._bar = bar

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn (a terminal, not ``--quiet``)."""
        return self._bar is not None

    def update(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def __iter__(self) -> Iterator[T]:
        if self._items is None:
            raise TypeError("this progress bar counts steps (update()); it was given no items to iterate")
        for item in self._items:
            yield item
            self.update(1)


def shows_bar(quiet: bool = False, file: TextIO | None = None) -> bool:
    """A bar only on a terminal and never with ``--quiet``: scripts and cron read clean output."""
    stream = file if file is not None else sys.stdout
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


@overload
def progress(
    items: Iterable[T],
    label: str = "",
    *,
    length: int | None = None,
    quiet: bool = False,
    show: bool | None = None,
    file: TextIO | None = None,
) -> AbstractContextManager[Progress[T]]: ...


@overload
def progress(
    items: None = None,
    label: str = "",
    *,
    length: int | None = None,
    quiet: bool = False,
    show: bool | None = None,
    file: TextIO | None = None,
) -> AbstractContextManager[Progress[Any]]: ...


def progress(
    items: Iterable[Any] | None = None,
    label: str = "",
    *,
    length: int | None = None,
    quiet: bool = False,
    show: bool | None = None,
    file: TextIO | None = None,
) -> AbstractContextManager[Progress[Any]]:
    """The one progress bar of the command-line tools (imports, exports, reports, score runs).

    Drawn on standard output when it is a terminal and ``quiet`` is not set (``show`` forces the choice, as
    ``scores compute --progress`` does); otherwise it prints nothing at all. ``length`` defaults to ``len(items)``.

    >>> with progress([1, 2, 3], "Numbers", quiet=True) as bar:
    ...     [n * 2 for n in bar]
    [2, 4, 6]
    """
    return _progress(items, label, length, quiet, show, file)


@contextmanager
def _progress(
    items: Iterable[Any] | None,
    label: str,
    length: int | None,
    quiet: bool,
    show: bool | None,
    file: TextIO | None,
) -> Iterator[Progress[Any]]:
    stream = file if file is not None else sys.stdout
    drawn = shows_bar(quiet, stream) if show is None else show
    if length is None and items is not None and hasattr(items, "__len__"):
        length = len(items)  # type: ignore[arg-type]
    if not drawn:
        yield Progress(items, None)
        return
    with click.progressbar(length=length or 0, label=label, file=stream, show_pos=True) as bar:
        yield Progress(items, bar)


def step_counter(bar: Progress[Any]) -> Callable[..., None]:
    """A callback that advances ``bar`` by one whatever it is called with (services report steps by name)."""
    return lambda *_args, **_kwargs: bar.update(1)
