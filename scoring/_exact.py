"""Exact-arithmetic and serialisation helpers shared by the scoring modules (private)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal
from enum import Enum
from fractions import Fraction
from types import MappingProxyType

from scoring.errors import InvalidParameter, ScoringError

#: A number given exactly: ``int``, :class:`~fractions.Fraction`, :class:`~decimal.Decimal` or a string such as
#: ``"12.5"`` or ``"1/3"``. Floats are refused because they cannot hold 0.1 or 1/3 exactly.
ExactNumber = int | Fraction | Decimal | str

#: Half-up rounding with room for any number of digits (quantize fails when the result outgrows the precision).
_HALF_UP = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP)
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(7)}
#: Types :func:`jsonable` returns as they are.
_PLAIN = frozenset({type(None), bool, int, float, str})


def to_fraction(value: object, what: str, error: type[ScoringError] = InvalidParameter) -> Fraction:
    """Convert an exact number to a Fraction, raising ``error`` with a message naming ``what``."""
    if isinstance(value, bool):
        raise error(f"{what} must be a number; got {value!r}.")
    if isinstance(value, float):
        raise error(
            f"{what} must be an exact number (int, Decimal, Fraction or a string such as '12.5'); "
            f"got the float {value!r}."
        )
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise error(f"{what} must be a finite number; got {value}.")
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise error(f"{what} must be a number; got {value!r}.") from None
    raise error(f"{what} must be a number; got a value of type {type(value).__name__}.")


def key_problems(given: Iterable[object], expected: Sequence[str]) -> str:
    """Describe unknown and missing keys, e.g. "unknown U10; missing U9", or "" when the keys are exactly right."""
    keys = list(given)
    unknown = sorted(str(key) for key in keys if key not in expected)
    missing = [key for key in expected if key not in keys]
    parts = [f"unknown {', '.join(unknown)}"] if unknown else []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    return "; ".join(parts)


def to_int(value: object, what: str, minimum: int = 0, error: type[ScoringError] = InvalidParameter) -> int:
    """Check that ``value`` is an int (not a bool) of at least ``minimum`` and return it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{what} must be a whole number; got {value!r}.")
    if value < minimum:
        raise error(f"{what} must be at least {minimum}; got {value}.")
    return value


def round_half_up(value: ExactNumber, places: int = 2) -> Decimal:
    """Round an exact number half up (away from zero) to ``places`` decimals, as the IKM is rounded (spec §1.3).

    >>> round_half_up(Fraction(88305, 1000))
    Decimal('88.31')
    >>> round_half_up("24.975"), round_half_up(100), round_half_up("-0.125"), round_half_up("-0.001")
    (Decimal('24.98'), Decimal('100.00'), Decimal('-0.13'), Decimal('0.00'))
    """
    if type(value) is Decimal and value.is_finite():
        rounded = value.quantize(
            _EXPONENTS[places] if places in _EXPONENTS else Decimal(1).scaleb(-places), context=_HALF_UP
        )
        return rounded if rounded else abs(rounded)  # no "-0.00"
    exact = value if type(value) is Fraction else to_fraction(value, "The value to round")
    return round_ratio(exact.numerator, exact.denominator, places)


def round_ratio(numerator: int, denominator: int, places: int = 2) -> Decimal:
    """numerator ÷ denominator rounded half up to ``places`` decimals, in integers (a score run rounds a few
    hundred thousand figures): ⌊|x|·10^places + ½⌋ as (2·|p|·10^places + q) div 2q, read back exactly.

    >>> round_ratio(2, 3), round_ratio(-1, 8), round_ratio(1, -8, 1)
    (Decimal('0.67'), Decimal('-0.13'), Decimal('-0.1'))
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    digits = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    sign = "-" if numerator < 0 and digits else ""
    return Decimal(f"{sign}{digits}E-{places}")


def jsonable(value: object) -> object:
    """Turn a result into JSON-safe plain values: Decimal and Fraction become strings, enums their value.

    The common types are dispatched on their exact type first: a score run turns a few million values.

    >>> jsonable({"a": (Decimal("1.50"), Fraction(1, 3)), "b": [None, True, 2]})
    {'a': ['1.50', '1/3'], 'b': [None, True, 2]}
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Decimal or kind is Fraction:
        return str(value)
    if kind is dict or kind is MappingProxyType:  # plain keys and values inline: most of them are
        plain = _PLAIN
        return {
            k if type(k) is str else str(jsonable(k)): v if type(v) in plain else jsonable(v)
            for k, v in value.items()  # type: ignore[attr-defined]
        }
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]  # type: ignore[attr-defined]
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, Enum):
            return value.value
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, (Decimal, Fraction)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    raise TypeError(f"cannot make {type(value).__name__} JSON-safe")
