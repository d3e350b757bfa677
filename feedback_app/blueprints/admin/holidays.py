"""Holidays (spec §2.4 working days): the national list for this year and the next, and each unit's regional days.

The national list is shared by every unit, so only an admin without a unit changes it; a unit admin adds the
regional holidays (hari libur daerah) of the units in their scope.
"""

from __future__ import annotations

from datetime import date

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from feedback_app.access import roles_required, scope_unit_ids, units_in_scope

from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import Unit
from ...services.appraisal_inputs import NATIONAL_HOLIDAYS, add_holiday, list_holidays, seed_national_holidays
from ...services.errors import DomainError
from ...services.office_setup import SetupError, add_unit_holiday, unit_holidays
from . import bp


class HolidayForm(FlaskForm):
    day = DateField(_l("Tanggal"), validators=[InputRequired(message=_l("Tanggal ditulis YYYY-MM-DD."))])
    name = StringField(_l("Nama hari libur"))
    unit_id = SelectField(_l("Berlaku untuk"), choices=[], validate_choice=False)


class SeedForm(FlaskForm):
    year = HiddenField(validators=[InputRequired()])


def _years() -> tuple[int, int]:
    this_year = now().date().year
    return this_year, this_year + 1


def _page(form: HolidayForm | None = None, status: int = 200) -> Response:
    first, second = _years()
    start, end = date(first, 1, 1), date(second + 1, 1, 1)
    form = form or HolidayForm(formdata=None)
    national = current_user.unit_id is None
    form.unit_id.choices = ([SelectChoice("", _l("Nasional (semua unit)"))] if national else []) + [
        SelectChoice(str(u.id), u.name) for u in units_in_scope(current_user)
    ]
    units = {u.id: u for u in units_in_scope(current_user)}
    return make_response(
        render_template(
            "admin/holidays.html",
            form=form,
            seed_form=SeedForm(formdata=None),
            national=[h for h in list_holidays() if start <= h.day < end],
            regional=unit_holidays(scope_unit_ids(current_user), start, end),
            units=units,
            may_change_national=national,
            years=(first, second),
            built_in=sorted(NATIONAL_HOLIDAYS),
        ),
        status,
    )


@bp.get("/libur")
@roles_required("admin")
def list_holidays_view() -> Response:
    return _page()


@bp.post("/libur")
@roles_required("admin")
def add_holiday_view() -> Response:
    form = HolidayForm()
    if not form.validate():
        return _page(form, 422)
    unit_text = form.unit_id.data or ""
    scope = scope_unit_ids(current_user)
    try:
        if unit_text:
            unit = db.session.get(Unit, int(unit_text)) if unit_text.isdigit() else None
            if unit is None or (scope is not None and unit.id not in scope):
                raise SetupError("unit_id", _l("Pilih unit dalam cakupan akun Anda."))
            add_unit_holiday(unit, form.day.data, form.name.data or "")
        elif scope is not None:
            raise SetupError("unit_id", _l("Hanya admin tanpa unit yang mengubah daftar libur nasional."))
        else:
            name = (form.name.data or "").strip()
            if not name or len(name) > 120:
                raise SetupError("name", _l("Isi nama hari libur (paling panjang 120 karakter)."))
            add_holiday(form.day.data, name)
    except SetupError as error:
        db.session.rollback()
        field = getattr(form, error.field, None)
        if field is not None:
            field.errors = [*field.errors, error.message]
        return _page(form, 422)
    db.session.commit()
    flash(_("Hari libur disimpan."), "info")
    return redirect(url_for("admin.list_holidays_view"), code=303)


@bp.post("/libur/nasional")
@roles_required("admin")
def seed_holidays_view() -> Response:
    """Add the built-in national holidays of a year (this year or the next) that are missing."""
    form = SeedForm()
    year_text = form.year.data or ""
    if current_user.unit_id is not None:
        flash(_("Hanya admin tanpa unit yang mengubah daftar libur nasional."), "error")
        return _page(status=422)
    if not form.validate() or not year_text.isdigit() or int(year_text) not in _years():
        return _page(status=422)
    year = int(year_text)
    try:
        added = seed_national_holidays(year)
    except DomainError:
        db.session.rollback()
        flash(
            _(
                "Libur nasional %(year)d belum tersedia di aplikasi; tambahkan satu per satu dari SKB 3 Menteri.",
                year=year,
            ),
            "error",
        )
        return _page(status=422)
    db.session.commit()
    flash(_("%(n)d hari libur nasional %(year)d ditambahkan.", n=added, year=year), "info")
    return redirect(url_for("admin.list_holidays_view"), code=303)
