"""The form pieces several blueprints share (WTForms via Flask-WTF: every form carries a CSRF token).

The convention: a form lives beside its users, in the nearest module they all share. A form one route module
uses is defined in that module, above its views (``SurveyForm`` in ``blueprints/survey.py``); forms that several
route modules of one blueprint package use go to that package's ``forms.py`` (as the API's marshmallow schemas
are in ``blueprints/api/schemas.py``); what several blueprints use is here. Messages are in Indonesian first.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import ValidationError

from .i18n import lazy_gettext as _l

CHOICE_INVALID = _l("Pilihan ini tidak tersedia.")


#: The largest value of an INTEGER column (PostgreSQL's int4, the type of every id): a larger number names no row.
MAX_ID = 2**31 - 1


class IdField(HiddenField):
    """The id of a row, sent back by a page: its ``data`` is an int within the database's range, else the form is
    invalid (never an out-of-range query, which PostgreSQL answers with an error)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else None

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            raise ValidationError(str(CHOICE_INVALID))


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""


class OptionalChoiceField(SelectField):
    """A select whose empty value means "not answered"."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] != "" else None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in {str(choice.value) for choice in self.choices if choice.value}:
            raise ValidationError(str(CHOICE_INVALID))
