"""Setting up an office: units, their service types and counters, employees and their placements, accounts.

Role admin, within their scope (their unit and the units below it; an admin without a unit sees all). Every form
posts back here; a refused value re-renders the page with the message beside its field (422), nothing stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from feedback_app.access import get_counter_or_404, get_unit_or_404, roles_required, scope_unit_ids, units_in_scope

from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import (
    EMPLOYMENT_TYPES,
    ROLES,
    UNIT_KINDS,
    ZONE_ABBREVIATIONS,
    Employee,
    EmployeeAssignment,
    ServiceType,
    Unit,
    User,
)
from ...services.office_setup import (
    PlacementFields,
    SetupError,
    UnitFields,
    add_placement,
    create_counter,
    create_employee,
    create_service_type,
    create_unit,
    employee_scope_ids,
    invite_user,
    set_counter_active,
    set_user_active,
    update_service_type,
    update_unit,
)
from . import bp

NUMBER = _l("Isi dengan angka.")
DATE = _l("Tanggal ditulis YYYY-MM-DD.")


def _options(pairs: Any) -> list[SelectChoice]:
    """Choices as WTForms wants them (SelectChoice, not tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


KIND_LABELS = {"dukcapil": _l("Dukcapil"), "puskesmas": _l("Puskesmas"), "other": _l("Lainnya")}


class UnitForm(FlaskForm):
    name = StringField(_l("Nama unit"))
    slug = StringField(_l("Slug (alamat halaman publik)"))
    kind = SelectField(
        _l("Jenis unit"), choices=_options((k, KIND_LABELS[k]) for k in UNIT_KINDS), validate_choice=False
    )
    timezone = SelectField(
        _l("Zona waktu"),
        choices=_options((z, f"{a} ({z})") for z, a in ZONE_ABBREVIATIONS.items()),
        validate_choice=False,
    )
    parent_id = SelectField(_l("Instansi induk"), choices=[], validate_choice=False)
    period_close_grace_days = IntegerField(
        _l("Masa tenggang tutup periode (hari; kosong = 3)"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric"},
    )

    def fields(self) -> UnitFields:
        parent = self.parent_id.data or ""
        return UnitFields(
            name=self.name.data or "",
            slug=(self.slug.data or "").strip().lower(),
            kind=self.kind.data or "",
            timezone=self.timezone.data or "",
            parent_id=int(parent) if parent.isdigit() else None,
            period_close_grace_days=self.period_close_grace_days.data,
        )


class ServiceTypeForm(FlaskForm):
    name = StringField(_l("Nama layanan"))
    counter_standard_minutes = IntegerField(
        _l("Standar waktu di loket (menit)"), validators=[InputRequired(message=NUMBER), NumberRange(min=1)]
    )
    completion_standard = StringField(_l("Standar penyelesaian (mis. 3 hari kerja)"))
    fee_rupiah = IntegerField(_l("Biaya (Rp)"), default=0, validators=[Optional()])


class CounterForm(FlaskForm):
    public_code = StringField(_l("Kode loket (dicetak di QR)"))
    name = StringField(_l("Nama loket"))
    service_type_ids = SelectMultipleField(_l("Layanan di loket ini"), coerce=int, choices=[], validate_choice=False)


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[InputRequired()])


def _acting_choices() -> list[SelectChoice]:
    return _options(
        [("", _l("Definitif")), ("plt", _l("Plt (pelaksana tugas)")), ("plh", _l("Plh (pelaksana harian)"))]
    )


class PlacementForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), choices=[], validate_choice=False)
    position = StringField(_l("Jabatan"), default="Petugas Pelayanan")
    supervisor_id = SelectField(_l("Atasan (pejabat penilai)"), choices=[], validate_choice=False)
    supervisor_acting = SelectField(_l("Atasan menjabat sebagai"), choices=_acting_choices, validate_choice=False)
    valid_from = DateField(_l("Mulai"), validators=[InputRequired(message=DATE)])


class EmployeeForm(PlacementForm):
    nip = StringField(_l("NIP / NI PPPK (18 digit; kosong untuk non-ASN)"), render_kw={"inputmode": "numeric"})
    name = StringField(_l("Nama pegawai"))
    employment_type = SelectField(
        _l("Jenis kepegawaian"), choices=_options((t, t) for t in EMPLOYMENT_TYPES), validate_choice=False
    )


class AccountForm(FlaskForm):
    login = StringField(_l("Nama pengguna"))
    roles = SelectMultipleField(_l("Peran"), choices=_options((r, r) for r in ROLES), validate_choice=False)
    unit_id = SelectField(_l("Unit akun"), choices=[], validate_choice=False)
    employee_id = SelectField(_l("Pegawai (untuk akun petugas)"), choices=[], validate_choice=False)


class AccountActiveForm(FlaskForm):
    user_id = HiddenField(validators=[InputRequired()])
    active = HiddenField(validators=[InputRequired()])


def _scope() -> set[int] | None:
    return scope_unit_ids(current_user)


def _unit_choices(blank: Any = None) -> list[SelectChoice]:
    choices = [(str(u.id), u.name) for u in units_in_scope(current_user)]
    return _options(([("", blank)] if blank is not None else []) + choices)


def _fail(form: FlaskForm, error: SetupError) -> None:
    db.session.rollback()
    field = getattr(form, error.field, None)
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)


# --- Units -------------------------------------------------------------------------------------------------------


def _units_page(form: UnitForm | None = None, status: int = 200) -> Response:
    if form is None:
        form = UnitForm(formdata=None, timezone="Asia/Jakarta")
    form.parent_id.choices = _unit_choices(_l("— tanpa induk (instansi) —") if current_user.unit_id is None else None)
    return make_response(render_template("admin/units.html", units=units_in_scope(current_user), form=form), status)


@bp.get("/unit")
@roles_required("admin")
def list_units() -> Response:
    return _units_page()


@bp.post("/unit")
@roles_required("admin")
def create_unit_view() -> Response:
    form = UnitForm()
    if not form.validate():
        return _units_page(form, 422)
    try:
        unit = create_unit(form.fields(), _scope())
    except SetupError as error:
        _fail(form, error)
        return _units_page(form, 422)
    db.session.commit()
    flash(_("Unit %(name)s dibuat. Tambahkan layanan dan loketnya.", name=unit.name), "info")
    return redirect(url_for("admin.edit_unit", slug=unit.slug), code=303)


def _unit_page(unit: Any, forms: dict[str, FlaskForm] | None = None, status: int = 200) -> Response:
    forms = forms or {}
    unit_form = forms.get("unit") or UnitForm(formdata=None, obj=unit)
    unit_form.parent_id.choices = _unit_choices(_l("— tanpa induk (instansi) —"))
    unit_form.parent_id.choices = [c for c in unit_form.parent_id.choices if c.value != str(unit.id)]
    if "unit" not in forms:
        unit_form.parent_id.data = str(unit.parent_id or "")
    counter_form = forms.get("counter") or CounterForm(formdata=None)
    counter_form.service_type_ids.choices = _options((s.id, s.name) for s in unit.service_types)
    return make_response(
        render_template(
            "admin/unit.html",
            unit=unit,
            unit_form=unit_form,
            service_form=forms.get("service") or ServiceTypeForm(formdata=None),
            counter_form=counter_form,
            active_form=ActiveForm(formdata=None),
        ),
        status,
    )


@bp.get("/unit/<slug>")
@roles_required("admin")
def edit_unit(slug: str) -> Response:
    return _unit_page(get_unit_or_404(slug))


@bp.post("/unit/<slug>")
@roles_required("admin")
def update_unit_view(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = UnitForm()
    if not form.validate():
        return _unit_page(unit, {"unit": form}, 422)
    try:
        changed = update_unit(unit, form.fields(), _scope())
    except SetupError as error:
        _fail(form, error)
        return _unit_page(get_unit_or_404(slug), {"unit": form}, 422)
    db.session.commit()
    if changed:
        flash(_("Perubahan unit disimpan."), "info")
    return redirect(url_for("admin.edit_unit", slug=unit.slug), code=303)


@bp.post("/unit/<slug>/layanan")
@roles_required("admin")
def create_service_type_view(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = ServiceTypeForm()
    if not form.validate():
        return _unit_page(unit, {"service": form}, 422)
    try:
        service = create_service_type(
            unit,
            form.name.data or "",
            form.counter_standard_minutes.data or 0,
            form.completion_standard.data or "",
            form.fee_rupiah.data or 0,
        )
    except SetupError as error:
        _fail(form, error)
        return _unit_page(get_unit_or_404(slug), {"service": form}, 422)
    db.session.commit()
    flash(_("Layanan %(name)s ditambahkan.", name=service.name), "info")
    return redirect(url_for("admin.edit_unit", slug=unit.slug, _anchor="layanan"), code=303)


@bp.post("/layanan/<int:service_type_id>")
@roles_required("admin")
def update_service_type_view(service_type_id: int) -> Response:
    service = db.session.get(ServiceType, service_type_id)
    if service is None:
        abort(404)
    unit = get_unit_or_404(service.unit.slug)
    form = ServiceTypeForm()
    form.name.data = service.name  # the name is not changed here (answers and runs refer to it)
    if not form.validate():
        flash(_("Standar layanan %(name)s tidak tersimpan: isi menit dengan angka.", name=service.name), "error")
        return _unit_page(unit, status=422)
    try:
        changed = update_service_type(
            service,
            form.counter_standard_minutes.data or 0,
            form.completion_standard.data or "",
            form.fee_rupiah.data or 0,
        )
    except SetupError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _unit_page(get_unit_or_404(unit.slug), status=422)
    db.session.commit()
    if changed:
        flash(_("Standar layanan %(name)s disimpan.", name=service.name), "info")
    return redirect(url_for("admin.edit_unit", slug=unit.slug, _anchor="layanan"), code=303)


@bp.post("/unit/<slug>/loket")
@roles_required("admin")
def create_counter_view(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = CounterForm()
    form.service_type_ids.choices = _options((s.id, s.name) for s in unit.service_types)
    if not form.validate():
        return _unit_page(unit, {"counter": form}, 422)
    try:
        counter = create_counter(unit, form.public_code.data or "", form.name.data or "", form.service_type_ids.data)
    except SetupError as error:
        _fail(form, error)
        return _unit_page(get_unit_or_404(slug), {"counter": form}, 422)
    db.session.commit()
    flash(_("Loket %(code)s dibuat; posternya siap dicetak.", code=counter.public_code), "info")
    return redirect(url_for("admin.edit_unit", slug=unit.slug, _anchor="loket"), code=303)


@bp.post("/loket/<code>/aktif")
@roles_required("admin")
def set_counter_active_view(code: str) -> Response:
    counter = get_counter_or_404(code)
    form = ActiveForm()
    if not form.validate() or form.active.data not in ("ya", "tidak"):
        return _unit_page(counter.unit, status=422)
    if set_counter_active(counter, form.active.data == "ya"):
        db.session.commit()
        flash(
            _("Loket %(code)s aktif kembali.", code=counter.public_code)
            if counter.active
            else _("Loket %(code)s dinonaktifkan; posternya tidak menerima jawaban.", code=counter.public_code),
            "info",
        )
    return redirect(url_for("admin.edit_unit", slug=counter.unit.slug, _anchor="loket"), code=303)


# --- Employees ---------------------------------------------------------------------------------------------------


def _employees_in_scope() -> list[Employee]:
    ids = employee_scope_ids(_scope())
    query = select(Employee).options(selectinload(Employee.assignments)).order_by(Employee.name)
    if ids is not None:
        query = query.where(Employee.id.in_(sorted(ids)))
    return list(db.session.scalars(query.limit(2000)))


def _fill_placement_choices(form: PlacementForm, employees: list[Employee], exclude: int | None = None) -> None:
    form.unit_id.choices = _unit_choices()
    form.supervisor_id.choices = _options(
        [("", _l("— belum ada —"))]
        + [(str(e.id), e.name + (f" ({e.nip})" if e.nip else "")) for e in employees if e.id != exclude]
    )


def _placement(form: PlacementForm, employee_id: int | None) -> PlacementFields:
    unit_text = form.unit_id.data or ""
    scope = _scope()
    if not unit_text.isdigit() or (scope is not None and int(unit_text) not in scope):
        raise SetupError("unit_id", _l("Pilih unit dalam cakupan akun Anda."))
    unit = get_unit_by_id(int(unit_text))
    supervisor = form.supervisor_id.data or ""
    supervisor_id = int(supervisor) if supervisor.isdigit() else None
    if supervisor_id is not None and supervisor_id not in {e.id for e in _employees_in_scope()}:
        raise SetupError("supervisor_id", _l("Pilih atasan dari pegawai dalam cakupan akun Anda."))
    return PlacementFields(
        unit=unit,
        position=form.position.data or "",
        supervisor_id=supervisor_id,
        supervisor_acting=form.supervisor_acting.data or None,
        valid_from=form.valid_from.data or date.today(),
    )


def get_unit_by_id(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise SetupError("unit_id", _l("Pilih unit dalam cakupan akun Anda."))
    return unit


def _employees_page(form: EmployeeForm | None = None, status: int = 200) -> Response:
    employees = _employees_in_scope()
    if form is None:
        units = units_in_scope(current_user)
        form = EmployeeForm(formdata=None, valid_from=now().date(), unit_id=str(units[0].id) if units else "")
    _fill_placement_choices(form, employees)
    current = {e.id: _current_placement(e) for e in employees}
    return make_response(
        render_template("admin/employees.html", employees=employees, current=current, form=form), status
    )


def _current_placement(employee: Employee) -> EmployeeAssignment | None:
    today = now().date()
    for assignment in reversed(employee.assignments):
        if assignment.valid_from <= today and (assignment.valid_until is None or assignment.valid_until > today):
            return assignment
    return employee.assignments[-1] if employee.assignments else None


@bp.get("/pegawai")
@roles_required("admin")
def list_employees() -> Response:
    return _employees_page()


@bp.post("/pegawai")
@roles_required("admin")
def create_employee_view() -> Response:
    form = EmployeeForm()
    _fill_placement_choices(form, _employees_in_scope())
    if not form.validate():
        return _employees_page(form, 422)
    try:
        employee = create_employee(
            form.nip.data or "", form.name.data or "", form.employment_type.data or "", _placement(form, None)
        )
    except SetupError as error:
        _fail(form, error)
        return _employees_page(form, 422)
    db.session.commit()
    flash(_("Pegawai %(name)s ditambahkan.", name=employee.name), "info")
    return redirect(url_for("admin.list_employees"), code=303)


def _employee_or_404(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    ids = employee_scope_ids(_scope())
    if employee is None or (ids is not None and employee.id not in ids):
        abort(404)
    return employee


def _employee_page(employee: Employee, form: PlacementForm | None = None, status: int = 200) -> Response:
    if form is None:
        current = _current_placement(employee)
        form = PlacementForm(
            formdata=None,
            valid_from=now().date(),
            unit_id=str(current.unit_id) if current else "",
            position=current.position if current else "Petugas Pelayanan",
        )
    _fill_placement_choices(form, _employees_in_scope(), exclude=employee.id)
    return make_response(render_template("admin/employee.html", employee=employee, form=form), status)


@bp.get("/pegawai/<int:employee_id>")
@roles_required("admin")
def show_employee(employee_id: int) -> Response:
    return _employee_page(_employee_or_404(employee_id))


@bp.post("/pegawai/<int:employee_id>/penempatan")
@roles_required("admin")
def create_placement_view(employee_id: int) -> Response:
    employee = _employee_or_404(employee_id)
    form = PlacementForm()
    if not form.validate():
        return _employee_page(employee, form, 422)
    try:
        add_placement(employee, _placement(form, employee.id))
    except SetupError as error:
        _fail(form, error)
        return _employee_page(_employee_or_404(employee_id), form, 422)
    db.session.commit()
    flash(_("Penempatan baru disimpan."), "info")
    return redirect(url_for("admin.show_employee", employee_id=employee.id), code=303)


# --- Accounts ----------------------------------------------------------------------------------------------------


def account_form(posted: bool = False) -> AccountForm:
    """The new-account form of the accounts page, with the units and employees of the admin's scope."""
    form = AccountForm() if posted else AccountForm(formdata=None)
    form.unit_id.choices = _unit_choices(_l("— semua unit —") if current_user.unit_id is None else None)
    form.employee_id.choices = _options(
        [("", _l("— tanpa pegawai —"))]
        + [(str(e.id), e.name + (f" ({e.nip})" if e.nip else "")) for e in _employees_in_scope()]
    )
    return form


@bp.post("/pengguna/baru")
@roles_required("admin")
def create_account() -> Response:
    from .users import users_page

    form = account_form(posted=True)
    if not form.validate():
        return users_page(form, 422)
    scope = _scope()
    unit_text = form.unit_id.data or ""
    employee_text = form.employee_id.data or ""
    try:
        if unit_text and (not unit_text.isdigit() or (scope is not None and int(unit_text) not in scope)):
            raise SetupError("unit_id", _l("Pilih unit dalam cakupan akun Anda."))
        if not unit_text and scope is not None:
            raise SetupError("unit_id", _l("Pilih unit dalam cakupan akun Anda."))
        unit = get_unit_by_id(int(unit_text)) if unit_text else None
        employee = None
        if employee_text:
            if not employee_text.isdigit():
                raise SetupError("employee_id", _l("Pegawai ini tidak dikenal."))
            employee = _employee_or_404(int(employee_text))
        invitation = invite_user(current_user, form.login.data or "", set(form.roles.data or ()), unit, employee)
    except SetupError as error:
        _fail(form, error)
        return users_page(form, 422)
    db.session.commit()
    session["new_reset_link"] = {
        "login": invitation.user.login,
        "url": url_for("auth.reset_password", token=invitation.token, _external=True),
        "new": True,
    }
    return redirect(url_for("admin.list_users"), code=303)


@bp.post("/pengguna/aktif")
@roles_required("admin")
def set_account_active() -> Response:
    form = AccountActiveForm()
    if not form.validate() or not (form.user_id.data or "").isdigit() or form.active.data not in ("ya", "tidak"):
        flash(_("Akun tidak dikenali. Muat ulang halaman lalu coba lagi."), "error")
        return redirect(url_for("admin.list_users"), code=303)
    user = db.session.get(User, int(form.user_id.data))
    scope = _scope()
    if user is None or (scope is not None and user.unit_id not in scope):
        abort(404)
    try:
        changed = set_user_active(current_user, user, form.active.data == "ya")
    except SetupError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("admin.list_users"), code=303)
    db.session.commit()
    if changed:
        flash(
            _("Akun %(login)s aktif kembali.", login=user.login)
            if user.active
            else _("Akun %(login)s dinonaktifkan; semua sesinya berakhir.", login=user.login),
            "info",
        )
    return redirect(url_for("admin.list_users"), code=303)
