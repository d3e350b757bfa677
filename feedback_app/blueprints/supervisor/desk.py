"""The appraisal desk: the team list, one employee's evidence for a period, the targets editor and the appraisal
form (BerAKHLAK, suggested ratings confirmed or overridden, predikat). Supervisors write; HR and admins read."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField

from scoring import PREDIKAT_MATRIX, Period, period_containing

from ...access import roles_required
from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import BERAKHLAK_VALUES, TARGET_ASPECTS, TARGET_INDICATOR_CODES, EmployeeAssignment
from ...services.appraisals import (
    CODE_BY_PREDIKAT,
    CODE_BY_RATING,
    AppraisalError,
    AppraisalInput,
    Evidence,
    TargetInput,
    appraisal_history,
    assignment_on,
    delete_target,
    last_day,
    may_appraise,
    may_read,
    period_or_none,
    read_desk,
    read_evidence,
    save_appraisal,
    save_target,
)
from ..staff.appeals import KIND_LABELS as APPEAL_KIND_LABELS
from ..staff.peer import SHORT_CHOICE_LABELS as PEER_CHOICE_LABELS
from ..staff.peer import VALUE_LABELS as PEER_VALUE_LABELS
from . import bp

READERS = ("supervisor", "hr", "admin")

RATING_LABELS = {
    "di_atas": _l("Di Atas Ekspektasi"),
    "sesuai": _l("Sesuai Ekspektasi"),
    "di_bawah": _l("Di Bawah Ekspektasi"),
}
BERAKHLAK_LABELS = {
    "berorientasi_pelayanan": _l("Berorientasi Pelayanan"),
    "akuntabel": _l("Akuntabel"),
    "kompeten": _l("Kompeten"),
    "harmonis": _l("Harmonis"),
    "loyal": _l("Loyal"),
    "adaptif": _l("Adaptif"),
    "kolaboratif": _l("Kolaboratif"),
}
PREDIKAT_LABELS = {
    "sangat_baik": _l("Sangat Baik"),
    "baik": _l("Baik"),
    "butuh_perbaikan": _l("Butuh Perbaikan"),
    "kurang": _l("Kurang/Misconduct"),
    "sangat_kurang": _l("Sangat Kurang"),
}
ASPECT_LABELS = {"kuantitas": _l("Kuantitas"), "kualitas": _l("Kualitas"), "waktu": _l("Waktu"), "biaya": _l("Biaya")}
INDICATOR_LABELS = {
    "ikp": _l("Indeks kepuasan pelaksana (IKP)"),
    "ikm": _l("IKM pegawai (9 unsur)"),
    "wait_median_minutes": _l("Median waktu tunggu (menit)"),
    "wait_p90_minutes": _l("Persentil 90 waktu tunggu (menit)"),
    "service_median_minutes": _l("Median waktu layanan (menit)"),
    "service_p90_minutes": _l("Persentil 90 waktu layanan (menit)"),
    "on_time_rate": _l("Selesai sesuai standar loket (%)"),
    "tickets_per_working_day": _l("Tiket selesai per hari kerja"),
    "tickets_finished": _l("Tiket selesai (jumlah)"),
    "no_show_rate": _l("Tidak hadir (%)"),
    "error_rate": _l("Dikembalikan untuk perbaikan (%)"),
}
ERRORS = {
    "stale": _l(
        "Penilaian ini sudah disimpan orang lain sejak formulir Anda dibuka. Tidak ada yang diubah. Periksa isinya "
        "yang terbaru di bawah, lalu simpan lagi."
    ),
    "stale_run": _l(
        "Sejak formulir dibuka ada perhitungan skor yang lebih baru. Tidak ada yang diubah. Periksa bukti terbaru di "
        "bawah, lalu simpan lagi."
    ),
    "already_confirmed": _l(
        "Penilaian periode ini sudah dikonfirmasi dan tidak dapat diubah lagi. Keberatan atas predikat diputus oleh "
        "atasan pejabat penilai."
    ),
    "unknown_value": _l("Nilai yang dikirim tidak dikenal. Pilih salah satu pilihan yang tersedia."),
    "reason_hasil": _l("Alasan wajib diisi: rating hasil kerja yang Anda tetapkan berbeda dari saran."),
    "reason_perilaku": _l("Alasan wajib diisi: rating perilaku kerja yang Anda tetapkan berbeda dari saran."),
    "reason_too_long": _l("Alasan paling panjang 2.000 karakter."),
    "feedback_too_long": _l("Umpan balik paling panjang 4.000 karakter."),
    "berakhlak_incomplete": _l("Isi ketujuh nilai BerAKHLAK (atau kosongkan semuanya selama masih draf)."),
    "confirm_needs_both": _l("Untuk mengonfirmasi, tetapkan rating hasil kerja dan rating perilaku kerja."),
    "target_zero": _l("Target tidak boleh 0: capaian dihitung dengan membagi realisasi dengan target."),
    "negative": _l("Target dan realisasi tidak boleh negatif."),
    "not_a_number": _l("Target dan realisasi harus angka (paling banyak 4 desimal), misalnya 120 atau 92,5."),
    "target_name": _l("Isi indikator kinerja individu (paling panjang 200 karakter)."),
    "target_work_plan": _l("Isi rencana hasil kerja (paling panjang 300 karakter)."),
    "target_measure": _l("Satuan paling panjang 40 karakter."),
    "empty": _l("Belum ada yang diisi: pilih nilai BerAKHLAK atau rating sebelum menyimpan."),
}


#: (hasil, perilaku) rating codes → predikat code: the matrix of spec §3, as the form shows it.
PREDIKAT_CODE_MATRIX = {
    (CODE_BY_RATING[hasil], CODE_BY_RATING[perilaku]): CODE_BY_PREDIKAT[value]
    for (hasil, perilaku), value in PREDIKAT_MATRIX.items()
}


class TargetForm(FlaskForm):
    work_plan = StringField(_l("Rencana hasil kerja"))
    name = StringField(_l("Indikator kinerja individu"))
    aspect = SelectField(
        _l("Aspek"), choices=[SelectChoice(a, ASPECT_LABELS[a]) for a in TARGET_ASPECTS], validate_choice=False
    )
    target = StringField(_l("Target"))
    measure_unit = StringField(_l("Satuan"))
    realisation = StringField(_l("Realisasi"))
    lower_is_better = BooleanField(_l("Makin kecil makin baik (misalnya menit tunggu)"))
    indicator_code = SelectField(
        _l("Realisasi diisi dari perhitungan skor"),
        choices=[SelectChoice("", _l("Tidak: diisi manual"))]
        + [SelectChoice(c, INDICATOR_LABELS[c]) for c in TARGET_INDICATOR_CODES],
        validate_choice=False,
    )


def _rating_field(label: object) -> RadioField:
    return RadioField(
        label, choices=[SelectChoice(code, RATING_LABELS[code]) for code in RATING_LABELS], validate_choice=False
    )


class AppraisalForm(FlaskForm):
    version = HiddenField()
    run_id = HiddenField()
    berorientasi_pelayanan = _rating_field(BERAKHLAK_LABELS["berorientasi_pelayanan"])
    akuntabel = _rating_field(BERAKHLAK_LABELS["akuntabel"])
    kompeten = _rating_field(BERAKHLAK_LABELS["kompeten"])
    harmonis = _rating_field(BERAKHLAK_LABELS["harmonis"])
    loyal = _rating_field(BERAKHLAK_LABELS["loyal"])
    adaptif = _rating_field(BERAKHLAK_LABELS["adaptif"])
    kolaboratif = _rating_field(BERAKHLAK_LABELS["kolaboratif"])
    feedback = TextAreaField(_l("Umpan balik berkelanjutan"))
    hasil = _rating_field(_l("Rating hasil kerja"))
    hasil_reason = TextAreaField(_l("Alasan bila berbeda dari saran"))
    perilaku = _rating_field(_l("Rating perilaku kerja"))
    perilaku_reason = TextAreaField(_l("Alasan bila berbeda dari saran"))


@bp.app_template_filter("desk_number")
def desk_number(value: Decimal | None) -> str:
    """A stored NUMERIC without its trailing zeros: 100.0000 → 100, 92.5000 → 92.5 (never 1E+2)."""
    if value is None:
        return "–"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _default_period() -> Period:
    zone = current_user.unit.zone if current_user.unit is not None else None
    today = now().astimezone(zone).date() if zone else now().date()
    return period_containing("quarter", today)


def _period_or_404(period_id: str) -> Period:
    period = period_or_none(period_id)
    if period is None or period.id != period_id:
        abort(404)
    return period


def _assignment_or_404(employee_id: int, period: Period) -> EmployeeAssignment:
    """The employee's assignment at the period's end, if this user may read it (404 unknown, 403 not theirs)."""
    assignment = assignment_on(employee_id, last_day(period))
    if assignment is None:
        abort(404)
    if not may_read(current_user, assignment):
        abort(403)
    return assignment


def _appraisable_or_403(employee_id: int, period_id: str) -> tuple[EmployeeAssignment, Period]:
    period = _period_or_404(period_id)
    assignment = _assignment_or_404(employee_id, period)
    if not may_appraise(current_user, assignment):
        abort(403)
    return assignment, period


@bp.get("/")
@roles_required(*READERS)
def list_team() -> str | tuple[str, int]:
    chosen = request.args.get("periode")
    period = period_or_none(chosen) if chosen else _default_period()
    if period is None:
        flash(_("Periode tidak dikenal. Tulis misalnya 2026-10, 2026-Q3, 2026-S2 atau 2026."), "error")
        period = _default_period()
    recent = [period_containing("quarter", _default_period().start)]
    for _step in range(3):
        recent.append(recent[-1].previous())
    return render_template(
        "supervisor/team.html",
        desk=read_desk(current_user, period),
        period=period,
        recent=recent,
        predikat_labels=PREDIKAT_LABELS,
    )


def _evidence_page(
    assignment: EmployeeAssignment,
    period: Period,
    *,
    appraisal_form: AppraisalForm | None = None,
    target_form: TargetForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    evidence = read_evidence(assignment, period)
    writable = may_appraise(current_user, assignment)
    if writable and appraisal_form is None:
        appraisal_form = _filled_appraisal_form(evidence)
    elif appraisal_form is not None:
        # The stored version and run, so that the corrected form can be sent again after an error.
        appraisal_form.version.data = "" if evidence.appraisal is None else str(evidence.appraisal.version)
        appraisal_form.run_id.data = "" if evidence.run is None else str(evidence.run.id)
    page = render_template(
        "supervisor/evidence.html",
        evidence=evidence,
        period=period,
        writable=writable,
        appraisal_form=appraisal_form,
        target_form=target_form or TargetForm(formdata=None),
        history=appraisal_history(evidence.appraisal),
        error=error,
        rating_labels=RATING_LABELS,
        berakhlak_labels=BERAKHLAK_LABELS,
        berakhlak_values=BERAKHLAK_VALUES,
        predikat_labels=PREDIKAT_LABELS,
        aspect_labels=ASPECT_LABELS,
        indicator_labels=INDICATOR_LABELS,
        code_by_rating=CODE_BY_RATING,
        matrix=PREDIKAT_CODE_MATRIX,
        peer_value_labels=PEER_VALUE_LABELS,
        peer_choice_labels=PEER_CHOICE_LABELS,
        appeal_kinds=APPEAL_KIND_LABELS,
    )
    return page, status


def _filled_appraisal_form(evidence: Evidence) -> AppraisalForm:
    appraisal, rating, suggestion, run = evidence.appraisal, evidence.rating, evidence.suggestion, evidence.run
    data: dict[str, object] = {
        "version": "" if appraisal is None else str(appraisal.version),
        "run_id": "" if run is None else str(run.id),
    }
    if rating is not None:
        data.update({column: getattr(rating, column) for column in BERAKHLAK_VALUES})
        data["feedback"] = rating.feedback or ""
    if appraisal is not None:
        data.update(
            hasil=appraisal.confirmed_hasil,
            hasil_reason=appraisal.hasil_reason or "",
            perilaku=appraisal.confirmed_perilaku,
            perilaku_reason=appraisal.perilaku_reason or "",
        )
    else:  # a new appraisal starts from the suggestions: confirming them is one click
        data.update(
            hasil=None if suggestion.hasil is None else CODE_BY_RATING[suggestion.hasil],
            perilaku=None if suggestion.perilaku is None else CODE_BY_RATING[suggestion.perilaku],
        )
    return AppraisalForm(formdata=None, data=data)


@bp.get("/pegawai/<int:employee_id>/<period_id>")
@roles_required(*READERS)
def show_evidence(employee_id: int, period_id: str) -> tuple[str, int]:
    period = _period_or_404(period_id)
    return _evidence_page(_assignment_or_404(employee_id, period), period)


def _error_message(error: AppraisalError) -> str:
    code = error.code
    if code == "reason_required":
        code = f"reason_{error.details.get('side')}"
    return str(ERRORS.get(code, ERRORS["unknown_value"]))


@bp.post("/pegawai/<int:employee_id>/<period_id>/target")
@roles_required("supervisor")
def save_target_entry(employee_id: int, period_id: str) -> Response | tuple[str, int]:
    assignment, period = _appraisable_or_403(employee_id, period_id)
    form = TargetForm()
    if not form.validate():
        abort(400)
    given = TargetInput(
        work_plan=form.work_plan.data or "",
        name=form.name.data or "",
        aspect=form.aspect.data or "",
        target=form.target.data or "",
        measure_unit=form.measure_unit.data or "",
        realisation=form.realisation.data or "",
        lower_is_better=bool(form.lower_is_better.data),
        indicator_code=form.indicator_code.data or "",
    )
    try:
        target = save_target(assignment, period, given)
    except AppraisalError as error:
        db.session.rollback()
        if error.code == "unchanged":
            flash(_("Target ini sudah tersimpan dengan nilai yang sama; tidak ada yang diubah."), "info")
            return redirect(url_for("supervisor.show_evidence", employee_id=employee_id, period_id=period.id))
        return _evidence_page(assignment, period, target_form=form, error=_error_message(error), status=422)
    db.session.commit()
    flash(_("Target “%(name)s” disimpan.", name=target.name), "info")
    return redirect(url_for("supervisor.show_evidence", employee_id=employee_id, period_id=period.id) + "#sasaran")


@bp.post("/pegawai/<int:employee_id>/<period_id>/target/<int:target_id>/hapus")
@roles_required("supervisor")
def delete_target_entry(employee_id: int, period_id: str, target_id: int) -> Response | tuple[str, int]:
    assignment, period = _appraisable_or_403(employee_id, period_id)
    if not FlaskForm().validate():
        abort(400)
    try:
        delete_target(assignment, period, target_id)
    except AppraisalError as error:
        db.session.rollback()
        if error.code == "unknown_target":
            abort(404)
        return _evidence_page(assignment, period, error=_error_message(error), status=422)
    db.session.commit()
    flash(_("Target dihapus."), "info")
    return redirect(url_for("supervisor.show_evidence", employee_id=employee_id, period_id=period.id) + "#sasaran")


def _optional_int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@bp.post("/pegawai/<int:employee_id>/<period_id>/penilaian")
@roles_required("supervisor")
def save_appraisal_entry(employee_id: int, period_id: str) -> Response | tuple[str, int]:
    assignment, period = _appraisable_or_403(employee_id, period_id)
    form = AppraisalForm()
    if not form.validate():
        abort(400)
    given = AppraisalInput(
        version=_optional_int(form.version.data),
        run_id=_optional_int(form.run_id.data),
        berakhlak={column: getattr(form, column).data or "" for column in BERAKHLAK_VALUES},
        feedback=form.feedback.data or "",
        hasil=form.hasil.data or "",
        hasil_reason=form.hasil_reason.data or "",
        perilaku=form.perilaku.data or "",
        perilaku_reason=form.perilaku_reason.data or "",
        confirm=request.form.get("action") == "confirm",
    )
    try:
        appraisal = save_appraisal(assignment, period, current_user.employee, given)
    except AppraisalError as error:
        db.session.rollback()
        return _evidence_page(assignment, period, appraisal_form=form, error=_error_message(error), status=422)
    db.session.commit()
    if appraisal.status == "confirmed":
        flash(
            _("Penilaian dikonfirmasi: predikat %(predikat)s.", predikat=PREDIKAT_LABELS[appraisal.predikat or ""]),
            "info",
        )
    else:
        flash(_("Draf penilaian disimpan."), "info")
    return redirect(url_for("supervisor.show_evidence", employee_id=employee_id, period_id=period.id) + "#penilaian")
