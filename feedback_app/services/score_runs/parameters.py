"""A unit's scoring parameters: its stored choices over the spec's defaults (spec §1.3, §2.2, §2.3, §3).

Values arrive as plain values (numbers, lists, mappings); text typed on the command line is parsed by the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping

from scoring import DEFAULT_PARAMETERS, ScoringError, ScoringParameters

from ...clock import now
from ...extensions import db
from ...models import Unit, UnitScoringParameters
from ..audit import changed_fields, record_audit
from .errors import ScoreRunError

#: The parameters a unit may set (spec §1.3, §2.2, §2.3, §3), with the spec's defaults.
PARAMETER_KEYS: tuple[str, ...] = tuple(key for key in DEFAULT_PARAMETERS.to_dict() if key != "version")


def unit_parameters(unit: Unit) -> ScoringParameters:
    """The unit's scoring parameters: its stored choices over the spec's defaults."""
    row = db.session.get(UnitScoringParameters, unit.id)
    if row is None:
        return DEFAULT_PARAMETERS
    try:
        return ScoringParameters.from_dict(row.parameters)
    except ScoringError as error:
        raise ScoreRunError(f"The stored scoring parameters of {unit.slug} are invalid: {error}") from None


def set_unit_parameters(unit: Unit, changes: Mapping[str, object]) -> ScoringParameters:
    """Change some of a unit's scoring parameters; an empty value (``""`` or None) goes back to the default.

    Values are plain (``10``, ``["U3", "U6"]``, ``{"U1": "1/2", "U2": "1/2"}``), as :class:`scoring.ScoringParameters`
    takes them; it checks the result. Only the keys the unit has set are stored, so it follows the spec's defaults
    for everything else. The caller commits.
    """
    unknown = sorted(set(changes) - set(PARAMETER_KEYS))
    if unknown:
        raise ScoreRunError(
            f"Unknown scoring parameter(s): {', '.join(unknown)}. Known: {', '.join(sorted(PARAMETER_KEYS))}."
        )
    row = db.session.get(UnitScoringParameters, unit.id)
    stored = {k: v for k, v in (row.parameters if row else {}).items() if k != "version"}
    for key, value in changes.items():
        if value is None or value == "":
            stored.pop(key, None)
        else:
            stored[key] = value
    try:
        parameters = ScoringParameters.from_dict(stored)
    except ScoringError as error:
        raise ScoreRunError(f"Invalid scoring parameters for {unit.slug}: {error}") from None
    normal = parameters.to_dict()
    kept = {"version": normal["version"], **{key: normal[key] for key in sorted(stored)}}
    before, after = changed_fields(
        {k: v for k, v in (row.parameters if row else {}).items() if k != "version"},
        {k: v for k, v in kept.items() if k != "version"},
    )
    if before or after:
        record_audit(
            "unit.set_parameters", entity="unit", entity_id=unit.id, unit_id=unit.id, before=before, after=after
        )
    if row is None:
        db.session.add(UnitScoringParameters(unit_id=unit.id, parameters=kept, updated_at=now()))
    else:
        row.parameters = kept
        row.updated_at = now()
    db.session.flush()
    return parameters


def overridden_parameters(unit: Unit) -> frozenset[str]:
    """The parameter names the unit has set itself (the rest are the spec's defaults)."""
    row = db.session.get(UnitScoringParameters, unit.id)
    return frozenset(key for key in (row.parameters if row else {}) if key != "version")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_parameter_text(key: str, text: str) -> object:
    """A parameter as a person types it (the CLI's ``--set`` and the admin's page), e.g. ``shrinkage_k=10`` or
    ``ikp_unsur=U3,U6,U7``, as a plain value; ``""`` stays ``""`` (back to the default).

    >>> parse_parameter_text("ikp_unsur", "u6, u7"), parse_parameter_text("weight_convention", "U1=1/2,U2=1/2")
    (['U6', 'U7'], {'U1': '1/2', 'U2': '1/2'})
    """
    text = text.strip()
    if not text:
        return text
    if key in ("shrinkage_k", "publication_threshold"):
        try:
            return int(text)
        except ValueError:
            raise ScoreRunError(f"{key} must be a whole number; got {text!r}.") from None
    if key == "ikp_unsur":
        return [code.upper() for code in _split(text)]
    if key == "capaian_thresholds":
        return _split(text)
    if key == "weight_convention" and "=" in text:
        weights = {}
        for part in _split(text):
            code, _, weight = part.partition("=")
            weights[code.strip().upper()] = weight.strip()
        return weights
    return text


def parameter_text(value: object) -> str:
    """A stored parameter value written the way :func:`parse_parameter_text` reads it back.

    >>> parameter_text(["U3", "U6"]), parameter_text({"U1": "1/2"}), parameter_text(None), parameter_text(20)
    ('U3,U6', 'U1=1/2', '', '20')
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return ",".join(f"{key}={item}" for key, item in value.items())
    return str(value)
