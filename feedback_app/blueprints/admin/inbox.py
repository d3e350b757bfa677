"""The unit's comment inbox and moderation (spec §5, §7): the unit head and admins read every comment, filtered
and a page at a time; admins release, exclude or flag an answer with a reason; admins enter the period's
population N and the unit's flag thresholds. Every decision is audited (services/flags.py, services/moderation.py).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from feedback_app.access import check_unit_scope, get_unit_or_404, roles_required, units_in_scope

from ...extensions import db
from ...forms import MAX_ID, ConfirmForm
from ...i18n import lazy_gettext as _l
from ...identifiers import mask_personal_data
from ...models import FLAG_REASONS, Employee, EmployeeAssignment, ScoreRun, ServiceType, SurveyResponse, Unit
from ...services import flags, moderation
from ...services.flags import FlagError
from ...services.moderation import InboxFilter, ModerationError
from . import bp

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


READERS = ("head", "admin")
MODERATORS = ("admin",)

FLAG_LABELS = {
    "burst": lambda: _("Jawaban beruntun"),
    "fingerprint_many_counters": lambda: _("Satu peramban, banyak loket"),
    "self_rating": lambda: _("Petugas menilai diri sendiri"),
    "short_visit": lambda: _("Kunjungan terlalu singkat"),
    "no_browser_cookie": lambda: _("Tanpa cookie peramban survei"),
    "staff_appeal": lambda: _("Keberatan pegawai atas komentar"),
}
STATUS_LABELS = {
    "valid": lambda: _("dihitung"),
    "duplicate": lambda: _("duplikat (tidak dihitung)"),
    "flagged": lambda: _("ditandai, menunggu keputusan"),
    "excluded": lambda: _("dikecualikan"),
}
VIEW_LABELS = {
    "komentar": lambda: _("Jawaban berkomentar"),
    "ditandai": lambda: _("Ditandai, menunggu keputusan"),
    "dikecualikan": lambda: _("Dikecualikan"),
    "semua": lambda: _("Semua jawaban"),
}
THRESHOLD_LABELS = {
    "short_visit_seconds": lambda: _("Kunjungan singkat: kurang dari (detik)"),
    "burst_window_minutes": lambda: _("Jawaban beruntun: jendela (menit)"),
    "burst_min_answers": lambda: _("Jawaban beruntun: jawaban yang selalu boleh per jendela"),
    "burst_factor": lambda: _("Jawaban beruntun: kelipatan tiket atau laju biasa"),
    "burst_baseline_days": lambda: _("Jawaban beruntun: laju biasa dihitung dari (hari)"),
    "burst_service_hours_per_day": lambda: _("Jawaban beruntun: jam layanan per hari"),
    "fingerprint_max_counters": lambda: _("Satu peramban: loket paling banyak"),
    "fingerprint_window_hours": lambda: _("Satu peramban: dalam (jam)"),
}


def _labels() -> dict[str, Any]:
    return {
        "flag_labels": {code: label() for code, label in FLAG_LABELS.items()},
        "status_labels": {code: label() for code, label in STATUS_LABELS.items()},
    }


@bp.get("/kotak-masuk")
@roles_required(*READERS)
def inbox_units() -> Response:
    units = [unit for unit in units_in_scope(current_user) if unit.counters]
    if len(units) == 1:
        return redirect(url_for("admin.show_inbox", slug=units[0].slug))
    return make_response(render_template("admin/inbox_units.html", units=units))


def _choice(name: str, allowed: set[int], problems: list[str]) -> int | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) < 10 and int(text) in allowed:
        return int(text)
    problems.append(_("Pilihan %(value)s tidak tersedia untuk unit ini.", value=text[:20]))
    return None


def _employees(unit: Unit) -> list[Employee]:
    return list(
        db.session.scalars(
            select(Employee)
            .where(Employee.id.in_(select(EmployeeAssignment.employee_id).where(EmployeeAssignment.unit_id == unit.id)))
            .order_by(Employee.name)
        )
    )


def _filter(unit: Unit, employees: list[Employee]) -> tuple[InboxFilter, list[str]]:
    problems: list[str] = []
    args = request.args
    try:
        period = moderation.parse_inbox_period(args.get("periode", ""))
    except ModerationError as error:
        problems.append(str(error.message))
        period = None
    score = (args.get("nilai") or "").strip().upper() or None
    if score is not None and score not in moderation.SCORE_BANDS:
        problems.append(_("Nilai %(value)s tidak dikenali: pilih A, B, C atau D.", value=score[:5]))
        score = None
    view = (args.get("tampil") or "komentar").strip()
    if view not in moderation.VIEWS:
        problems.append(_("Tampilan %(value)s tidak dikenali.", value=view[:20]))
        view = "komentar"
    chosen = InboxFilter(
        unit_id=unit.id,
        period=period,
        counter_id=_choice("loket", {c.id for c in unit.counters}, problems),
        employee_id=_choice("petugas", {e.id for e in employees}, problems),
        service_type_id=_choice("layanan", {s.id for s in unit.service_types}, problems),
        score=score,
        view=view,
    )
    return chosen, problems


FILTER_KEYS = ("periode", "loket", "petugas", "layanan", "nilai", "tampil")


@bp.get("/unit/<slug>/kotak-masuk")
@roles_required(*READERS)
def show_inbox(slug: str) -> Response:
    """Every answer of the unit with a comment (or the flagged, excluded or all ones), newest first, 25 a page."""
    unit = get_unit_or_404(slug)
    employees = _employees(unit)
    chosen, problems = _filter(unit, employees)
    before_text = request.args.get("sebelum", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 10 else None
    page = None if problems else moderation.inbox_page(unit, chosen, reader=current_user, before=before)
    changed = None
    if chosen.period is not None and not problems:
        run = db.session.scalar(
            select(ScoreRun)
            .where(
                ScoreRun.unit_id == unit.id,
                ScoreRun.period_id == chosen.period.id,
                ScoreRun.superseded_by_id.is_(None),
            )
            .order_by(ScoreRun.id.desc())
            .limit(1)
        )
        changed = run is not None and moderation.changed_since_run(run) is not None
    html = render_template(
        "admin/inbox.html",
        unit=unit,
        page=page,
        chosen=chosen,
        problems=problems,
        employees=employees,
        args=request.args,
        filter_args={key: request.args[key] for key in FILTER_KEYS if request.args.get(key)},
        view_labels={code: label() for code, label in VIEW_LABELS.items()},
        bands=moderation.SCORE_BANDS,
        unmasked=moderation.sees_personal_data(current_user, unit),
        changed=changed,
        **_labels(),
    )
    return make_response(html, 422 if problems else 200)


def _response_or_404(response_id: int) -> SurveyResponse:
    # An id beyond the column's range is unknown (PostgreSQL would refuse the query itself).
    response = db.session.get(SurveyResponse, response_id) if response_id <= MAX_ID else None
    if response is None:
        abort(404)
    check_unit_scope(current_user, response.unit_id)
    return response


def _detail(
    response: SurveyResponse, forms: dict[str, Any] | None = None, status: int = 200, error: str | None = None
) -> Response:
    unit = db.session.get(Unit, response.unit_id)
    assert unit is not None
    row = moderation.inbox_response(unit, response.id, reader=current_user)
    assert row is not None
    forms = forms or {}
    service = db.session.get(ServiceType, response.service_type_id) if response.service_type_id else None
    html = render_template(
        "admin/inbox_response.html",
        unit=unit,
        row=row,
        service=service,
        history=moderation.response_history(response),
        release=forms.get("release") or ModerationReasonForm(prefix="release", formdata=None),
        exclude=forms.get("exclude") or ModerationReasonForm(prefix="exclude", formdata=None),
        flag=forms.get("flag") or ManualFlagForm(prefix="flag", formdata=None),
        may_moderate=current_user.has_role(*MODERATORS),
        back=request.args.get("kembali", ""),
        error=error,
        # A moderator's reason is free text too: masked like the comment for everyone but the unit's admin.
        status_reason=response.status_reason
        if moderation.sees_personal_data(current_user, unit)
        else mask_personal_data(response.status_reason or ""),
        **_labels(),
    )
    return make_response(html, status)


@bp.get("/jawaban/<int:response_id>")
@roles_required(*READERS)
def show_response(response_id: int) -> Response:
    """One answer: its nine scores, masked comment, the flag's reason and numbers, and every decision so far."""
    return _detail(_response_or_404(response_id))


def _decide(response_id: int, form_name: str, decide: Any) -> Response:
    response = _response_or_404(response_id)
    form: Any = ManualFlagForm(prefix="flag") if form_name == "flag" else ModerationReasonForm(prefix=form_name)
    if not form.validate():
        return _detail(response, {form_name: form}, 422)
    try:
        decide(response.id, form)
    except FlagError as error:
        db.session.rollback()
        form.reason.errors = [str(error.message)]
        return _detail(_response_or_404(response_id), {form_name: form}, 422, error=str(error.message))
    db.session.commit()
    flash(_("Keputusan tersimpan; berlaku pada perhitungan berikutnya periode ini."), "info")
    return redirect(url_for("admin.show_response", response_id=response_id))


@bp.post("/jawaban/<int:response_id>/lepas")
@roles_required(*MODERATORS)
def release_response(response_id: int) -> Response:
    """Flagged or excluded → valid: the answer counts again from the next run."""
    return _decide(response_id, "release", lambda rid, form: flags.release_response(rid, reason=form.reason.data))


@bp.post("/jawaban/<int:response_id>/kecualikan")
@roles_required(*MODERATORS)
def exclude_response(response_id: int) -> Response:
    """Flagged or valid → excluded: the answer counts nowhere from the next run (kept for audit)."""
    return _decide(response_id, "exclude", lambda rid, form: flags.exclude_response(rid, reason=form.reason.data))


@bp.post("/jawaban/<int:response_id>/tandai")
@roles_required(*MODERATORS)
def flag_response(response_id: int) -> Response:
    """Valid → flagged by hand, with a reason code: it counts nowhere until someone decides."""

    def decide(rid: int, form: Any) -> None:
        if form.code.data not in MANUAL_FLAG_LABELS or form.code.data not in FLAG_REASONS:
            raise FlagError(_("Pilih jenis tandanya."))
        flags.flag_response(rid, code=form.code.data, reason=form.reason.data, details={"by_hand": 1})

    return _decide(response_id, "flag", decide)


# --- the unit's settings for moderation: population N and flag thresholds ---------------------------------------


def _settings(unit: Unit, population: PopulationForm | None = None, problems: list[str] | None = None) -> Response:
    runs = list(
        db.session.scalars(
            select(ScoreRun)
            .where(ScoreRun.unit_id == unit.id, ScoreRun.superseded_by_id.is_(None))
            .order_by(ScoreRun.period_start.desc(), ScoreRun.id.desc())
            .limit(12)
        )
    )
    thresholds = flags.flag_thresholds(unit.id)
    html = render_template(
        "admin/moderation_settings.html",
        unit=unit,
        population=population or PopulationForm(formdata=None),
        entries=moderation.population_entries(unit),
        runs=runs,
        changed=moderation.runs_changed_since(runs),
        confirm=ConfirmForm(formdata=None),
        thresholds=thresholds.__dict__,
        defaults=flags.default_thresholds().__dict__,
        own=flags.own_thresholds(unit.id),
        threshold_labels={key: label() for key, label in THRESHOLD_LABELS.items()},
        problems=problems or [],
    )
    return make_response(html, 422 if population is not None or problems else 200)


@bp.get("/unit/<slug>/moderasi")
@roles_required(*MODERATORS)
def moderation_settings(slug: str) -> Response:
    """Population N per period (for Krejcie–Morgan) and the unit's flag thresholds, with the runs that use them."""
    return _settings(get_unit_or_404(slug))


@bp.post("/unit/<slug>/populasi")
@roles_required(*MODERATORS)
def set_population(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = PopulationForm()
    if not form.validate():
        return _settings(unit, form)
    text = (form.population.data or "").strip()
    try:
        period = moderation.set_population(
            unit, form.period.data or "", int(text) if text else None, by=current_user.login
        )
    except ModerationError as error:
        db.session.rollback()
        form.period.errors = [str(error.message)]
        return _settings(unit, form)
    db.session.commit()
    flash(_("Populasi %(period)s tersimpan; dipakai pada perhitungan berikutnya.", period=period.id), "info")
    return redirect(url_for("admin.moderation_settings", slug=slug))


@bp.post("/unit/<slug>/ambang-tanda")
@roles_required(*MODERATORS)
def set_flag_thresholds(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = ConfirmForm()
    if not form.validate():
        return _settings(unit, problems=[_("Formulir kedaluwarsa; muat ulang halaman.")])
    changes = {key: request.form.get(key, "")[:20] for key in flags.THRESHOLD_SETTINGS if key in request.form}
    try:
        flags.set_flag_thresholds(unit, changes)
    except FlagError as error:
        db.session.rollback()
        return _settings(unit, problems=[str(error.message)])
    db.session.commit()
    flash(_("Ambang tanda tersimpan; berlaku untuk jawaban berikutnya."), "info")
    return redirect(url_for("admin.moderation_settings", slug=slug, _anchor="ambang"))
