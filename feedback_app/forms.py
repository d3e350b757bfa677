"""HTML forms (WTForms via Flask-WTF: every form carries a CSRF token). Messages are in Indonesian first."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from .i18n import lazy_gettext as _l
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


class RevokePosterForm(FlaskForm):
    """Revoking a counter's posters; the version the page showed makes a double click revoke once."""

    poster_version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    confirm = HiddenField()  # "ya" only on the confirmation page: one click on the list never revokes


COMPLAINT_KIND_LABELS = {
    "pengaduan": _l("Pengaduan (keluhan atas pelayanan)"),
    "saran": _l("Saran"),
    "informasi": _l("Permintaan informasi"),
}
COMPLAINT_CATEGORY_LABELS = {
    "information": _l("Informasi (jawaban 3 hari kerja, selesai 5 hari kerja)"),
    "complaint": _l("Pengaduan (jawaban 3 hari kerja, selesai 5 hari kerja)"),
    "dispute": _l("Sengketa yang perlu pemeriksaan (jawaban 14 hari kerja, selesai 60 hari kerja)"),
}


class ComplaintForm(FlaskForm):
    """A citizen's complaint, suggestion or request; the contact is optional."""

    kind = RadioField(
        _l("Jenis"),
        choices=[SelectChoice(value, label) for value, label in COMPLAINT_KIND_LABELS.items()],
        default="pengaduan",
        validators=[InputRequired(message=_l("Pilih jenisnya."))],
    )
    text = TextAreaField(
        _l("Apa yang terjadi, atau apa yang Anda tanyakan?"),
        validators=[
            InputRequired(message=_l("Tuliskan pengaduan, saran, atau pertanyaan Anda.")),
            Length(max=COMMENT_MAX_CHARS, message=_l("Paling panjang %(max)d karakter.")),
        ],
    )
    contact = StringField(
        _l("Nomor HP atau e-mail untuk jawaban (boleh dikosongkan)"),
        validators=[Optional(), Length(max=120, message=_l("Paling panjang %(max)d karakter."))],
    )
    answer_ref = HiddenField()


class TrackingLookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    kode = StringField(_l("Kode pelacakan"), validators=[InputRequired(message=_l("Isi kode pelacakan."))])


class ComplaintAnswerForm(FlaskForm):
    text = TextAreaField(
        _l("Jawaban untuk warga"),
        validators=[InputRequired(message=_l("Tuliskan jawabannya.")), Length(max=4000)],
    )


class ComplaintRejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan penolakan (ditampilkan kepada warga)"),
        validators=[InputRequired(message=_l("Tuliskan alasannya.")), Length(max=4000)],
    )


class ComplaintClassifyForm(FlaskForm):
    category = RadioField(
        _l("Klasifikasi"),
        choices=[SelectChoice(value, label) for value, label in COMPLAINT_CATEGORY_LABELS.items()],
        validators=[InputRequired(message=_l("Pilih klasifikasinya."))],
    )


class ComplaintForwardForm(FlaskForm):
    unit = SelectField(_l("Teruskan ke unit"), validators=[InputRequired(message=_l("Pilih unitnya."))])


class PublishRunForm(FlaskForm):
    follow_up_plan = TextAreaField(
        _l("Rencana tindak lanjut (boleh dikosongkan)"), validators=[Optional(), Length(max=4000)]
    )


class PublicRatingsForm(FlaskForm):
    enabled = BooleanField(_l("Tampilkan IKP per petugas di halaman publik (hanya bila n ≥ ambang publikasi)"))


def _password(label: Any, autocomplete_message: Any) -> PasswordField:
    return PasswordField(label, validators=[InputRequired(message=autocomplete_message), Length(max=200)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (an admin's reset link)."""

    new = _password(_l("Kata sandi baru"), _l("Isi kata sandi baru."))
    repeat = _password(_l("Ulangi kata sandi baru"), _l("Ulangi kata sandi baru."))


class PasswordChangeForm(NewPasswordForm):
    current = _password(_l("Kata sandi sekarang"), _l("Isi kata sandi sekarang."))


# --- The comment inbox and moderation (issue 13) ---------------------------------------------------------------

#: The reasons a moderator may flag an answer by hand (the rules raise the others themselves).
MANUAL_FLAG_LABELS = {
    "burst": _l("Jawaban beruntun (banyak jawaban dalam waktu singkat)"),
    "fingerprint_many_counters": _l("Satu peramban menjawab banyak loket"),
    "self_rating": _l("Petugas menilai diri sendiri"),
    "short_visit": _l("Kunjungan terlalu singkat"),
}


class ModerationReasonForm(FlaskForm):
    """Release or exclude an answer: the reason is required and kept with the status and in the audit trail."""

    reason = TextAreaField(
        _l("Alasan (wajib, disimpan di jejak audit)"),
        validators=[InputRequired(message=_l("Tuliskan alasannya.")), Length(max=200)],
    )


class ManualFlagForm(ModerationReasonForm):
    code = RadioField(
        _l("Jenis tanda"),
        choices=[SelectChoice(code, label) for code, label in MANUAL_FLAG_LABELS.items()],
        validators=[InputRequired(message=_l("Pilih jenis tandanya."))],
    )


class PopulationForm(FlaskForm):
    period = StringField(
        _l("Periode (mis. 2026-Q3, 2026-10, 2026-S2, 2026)"),
        validators=[InputRequired(message=_l("Pilih periodenya.")), Length(max=12)],
    )
    population = StringField(
        _l("Jumlah pengguna layanan pada periode itu (kosongkan untuk menghapus)"),
        validators=[Optional(), Regexp(r"^\s*\d{1,9}\s*$", message=_l("Tulis bilangan bulat positif."))],
    )
