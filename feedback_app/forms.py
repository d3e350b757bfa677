"""HTML forms (WTForms via Flask-WTF: every form carries a CSRF token). Messages are in Indonesian first."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from .models import COMMENT_MAX_CHARS
from .survey_text import PROFILE_LABELS, UNSUR

ANSWER_REQUIRED = _l("Pilih salah satu jawaban.")
ANSWER_INVALID = _l("Jawaban harus salah satu dari empat pilihan (1–4).")
CHOICE_INVALID = _l("Pilihan ini tidak tersedia.")


class AnswerField(RadioField):
    """One SKM answer: an integer 1-4, with messages a citizen understands."""

    data: int | None

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(
            label,
            choices=[SelectChoice(v, str(v)) for v in (1, 2, 3, 4)],
            coerce=int,
            validators=[InputRequired(message=ANSWER_REQUIRED)],
            **kwargs,
        )

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            try:
                self.data = int(valuelist[0])
            except ValueError:
                self.data = None
                raise ValueError(str(ANSWER_INVALID)) from None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in (1, 2, 3, 4):
            raise ValidationError(str(ANSWER_INVALID))


class OptionalChoiceField(SelectField):
    """A select whose empty value means "not answered"."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] != "" else None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in {str(choice.value) for choice in self.choices if choice.value}:
            raise ValidationError(str(CHOICE_INVALID))


class SurveyForm(FlaskForm):
    u1 = AnswerField()
    u2 = AnswerField()
    u3 = AnswerField()
    u4 = AnswerField()
    u5 = AnswerField()
    u6 = AnswerField()
    u7 = AnswerField()
    u8 = AnswerField()
    u9 = AnswerField()
    comment = TextAreaField(
        _l("Saran dan masukan (boleh dikosongkan)"),
        validators=[Length(max=COMMENT_MAX_CHARS, message=_l("Saran paling panjang %(max)d karakter."))],
    )
    respondent_sex = OptionalChoiceField(PROFILE_LABELS["respondent_sex"][0])
    age_band = OptionalChoiceField(PROFILE_LABELS["age_band"][0])
    education = OptionalChoiceField(PROFILE_LABELS["education"][0])
    occupation = OptionalChoiceField(PROFILE_LABELS["occupation"][0])
    service_type = OptionalChoiceField(_l("Jenis layanan"))
    duty = HiddenField()
    submission_key = HiddenField(
        validators=[
            InputRequired(message=_l("Formulir tidak lengkap; muat ulang halaman.")),
            Regexp(r"^[0-9a-f]{32}$", message=_l("Formulir tidak lengkap; muat ulang halaman.")),
        ]
    )

    def __init__(self, service_types: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, (_label, options) in PROFILE_LABELS.items():
            getattr(self, name).choices = [
                SelectChoice("", "—"),
                *(SelectChoice(v, label) for v, label in options.items()),
            ]
        self.service_type.choices = [SelectChoice("", "—"), *(SelectChoice(str(i), name) for i, name in service_types)]

    comment_max_chars = COMMENT_MAX_CHARS

    @property
    def answer_fields(self) -> list[tuple[Any, AnswerField]]:
        return [(unsur, getattr(self, unsur.code)) for unsur in UNSUR]

    def answers(self) -> dict[str, int]:
        return {unsur.code: getattr(self, unsur.code).data for unsur in UNSUR}

    def profile(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data for name in PROFILE_LABELS}


class LoginForm(FlaskForm):
    login = StringField(
        _l("Nama pengguna"), validators=[InputRequired(message=_l("Isi nama pengguna.")), Length(max=80)]
    )
    password = PasswordField(
        _l("Kata sandi"), validators=[InputRequired(message=_l("Isi kata sandi.")), Length(max=200)]
    )
    next = HiddenField()

    def safe_next(self) -> str | None:
        """Only same-site paths, never an open redirect."""
        target = self.next.data or ""
        return target if re.fullmatch(r"/(?!/)[\w\-./?=&%]*", target) else None


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""


class RevokePosterForm(FlaskForm):
    """Revoking a counter's posters; the version the page showed makes a double click revoke once."""

    poster_version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])


def _password(label: Any, autocomplete_message: Any) -> PasswordField:
    return PasswordField(label, validators=[InputRequired(message=autocomplete_message), Length(max=200)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (an admin's reset link)."""

    new = _password(_l("Kata sandi baru"), _l("Isi kata sandi baru."))
    repeat = _password(_l("Ulangi kata sandi baru"), _l("Ulangi kata sandi baru."))


class PasswordChangeForm(NewPasswordForm):
    current = _password(_l("Kata sandi sekarang"), _l("Isi kata sandi sekarang."))
