"""Setting up an office from an empty database: units, service types, counters, employees, their placements and
supervisors, and login accounts (issue 14 item 5).

Each function checks what it is given, makes one change and writes one audit row (spec §7); the caller commits.
A problem raises :class:`SetupError` with a message in the reader's language naming the field, so a form can show
it beside that field and an import beside its line.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..identifiers import InvalidNIP, validate_nip
from ..models import (
    ACTING_KINDS,
    EMPLOYMENT_TYPES,
    ROLES,
    UNIT_KINDS,
    ZONE_ABBREVIATIONS,
    Counter,
    Employee,
    EmployeeAssignment,
    PasswordReset,
    ServiceType,
    Unit,
    UnitHoliday,
    User,
)
from .accounts import RESET_VALID_HOURS
from .audit import changed_fields, record_audit
from .errors import DomainError

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")
COUNTER_CODE = re.compile(r"[A-Z0-9]{3,12}")
LOGIN = re.compile(r"[A-Za-z0-9._-]{3,80}")
MAX_GRACE_DAYS = 60


class SetupError(DomainError):
    """A value the admin gave cannot be stored; ``field`` is the form field it belongs to."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(message)  # lazy: read in the language of whoever reads it
        self.field = field
        self.message = message


# --- Units -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFields:
    name: str
    slug: str
    kind: str
    timezone: str
    parent_id: int | None
    period_close_grace_days: int | None


def _unit_values(unit: Unit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "slug": unit.slug,
        "kind": unit.kind,
        "timezone": unit.timezone,
        "parent_id": unit.parent_id,
        "period_close_grace_days": unit.period_close_grace_days,
    }


def _descendants(unit_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for child, parent in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(child)
    found, frontier = {unit_id}, [unit_id]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, ()) if child not in found]
        found.update(frontier)
    return found


def _check_unit(fields: UnitFields, unit: Unit | None, scope: set[int] | None) -> None:
    if not fields.name.strip():
        raise SetupError("name", _l("Isi nama unit."))
    if len(fields.name) > 200:
        raise SetupError("name", _l("Nama unit paling panjang 200 karakter."))
    if not SLUG.fullmatch(fields.slug):
        raise SetupError(
            "slug", _l("Slug hanya huruf kecil, angka dan tanda hubung (mis. dukcapil-kota-bogor), paling panjang 60.")
        )
    taken = db.session.scalar(select(Unit.id).where(Unit.slug == fields.slug))
    if taken is not None and (unit is None or taken != unit.id):
        raise SetupError("slug", _l("Slug %(slug)s sudah dipakai unit lain.", slug=fields.slug))
    if fields.kind not in UNIT_KINDS:
        raise SetupError("kind", _l("Jenis unit tidak dikenal."))
    if fields.timezone not in ZONE_ABBREVIATIONS:
        raise SetupError("timezone", _l("Zona waktu harus WIB, WITA atau WIT."))
    if fields.period_close_grace_days is not None and not 0 <= fields.period_close_grace_days <= MAX_GRACE_DAYS:
        raise SetupError("period_close_grace_days", _l("Masa tenggang 0 sampai %(n)d hari.", n=MAX_GRACE_DAYS))
    if fields.parent_id is not None:
        if db.session.get(Unit, fields.parent_id) is None or (scope is not None and fields.parent_id not in scope):
            raise SetupError("parent_id", _l("Instansi induk ini tidak ada dalam cakupan akun Anda."))
        if unit is not None and fields.parent_id in _descendants(unit.id):
            raise SetupError("parent_id", _l("Unit tidak dapat berada di bawah dirinya sendiri atau sub-unitnya."))
    elif scope is not None and (unit is None or unit.parent_id is not None):
        # An admin of a unit works inside their tree: a new top-level unit would fall outside their own scope.
        raise SetupError("parent_id", _l("Pilih instansi induk: unit baru harus berada di bawah unit Anda."))


def create_unit(fields: UnitFields, scope: set[int] | None) -> Unit:
    """A new unit inside the admin's scope (``scope`` None: anywhere); one audit row."""
    _check_unit(fields, None, scope)
    unit = Unit(**{**fields.__dict__, "name": fields.name.strip()})
    db.session.add(unit)
    db.session.flush()
    record_audit("unit.create", entity="unit", entity_id=unit.id, unit_id=unit.id, after=_unit_values(unit))
    return unit


def update_unit(unit: Unit, fields: UnitFields, scope: set[int] | None) -> bool:
    """Change a unit's fields; returns whether anything changed (and so was audited)."""
    _check_unit(fields, unit, scope)
    old = _unit_values(unit)
    for key, value in fields.__dict__.items():
        setattr(unit, key, value.strip() if key == "name" else value)
    before, after = changed_fields(old, _unit_values(unit))
    if not after:
        return False
    db.session.flush()
    record_audit("unit.update", entity="unit", entity_id=unit.id, unit_id=unit.id, before=before, after=after)
    return True


# --- Service types and counters ----------------------------------------------------------------------------------


def create_service_type(
    unit: Unit, name: str, counter_standard_minutes: int, completion_standard: str, fee_rupiah: int
) -> ServiceType:
    """A service of the unit with its standards (spec §4); one audit row."""
    name = name.strip()
    if not name or len(name) > 120:
        raise SetupError("name", _l("Isi nama layanan (paling panjang 120 karakter)."))
    if not 1 <= counter_standard_minutes <= 24 * 60:
        raise SetupError("counter_standard_minutes", _l("Standar waktu di loket 1 sampai 1440 menit."))
    if fee_rupiah < 0:
        raise SetupError("fee_rupiah", _l("Biaya tidak boleh negatif."))
    if db.session.scalar(select(ServiceType.id).where(ServiceType.unit_id == unit.id, ServiceType.name == name)):
        raise SetupError("name", _l("Layanan %(name)s sudah ada di unit ini.", name=name))
    service = ServiceType(
        unit=unit,
        name=name,
        counter_standard_minutes=counter_standard_minutes,
        completion_standard=completion_standard.strip()[:80],
        fee_rupiah=fee_rupiah,
    )
    db.session.add(service)
    db.session.flush()
    record_audit(
        "service_type.create",
        entity="service_type",
        entity_id=service.id,
        unit_id=unit.id,
        after={
            "name": name,
            "counter_standard_minutes": counter_standard_minutes,
            "completion_standard": service.completion_standard,
            "fee_rupiah": fee_rupiah,
        },
    )
    return service


def update_service_type(
    service: ServiceType, counter_standard_minutes: int, completion_standard: str, fee_rupiah: int
) -> bool:
    """Change a service's standards (a new regulation, a new fee); returns whether anything changed (and so was
    audited). Stored score runs keep the standard they were computed with; the next run uses the new one."""
    if not 1 <= counter_standard_minutes <= 24 * 60:
        raise SetupError("counter_standard_minutes", _l("Standar waktu di loket 1 sampai 1440 menit."))
    if fee_rupiah < 0:
        raise SetupError("fee_rupiah", _l("Biaya tidak boleh negatif."))
    fields = ("counter_standard_minutes", "completion_standard", "fee_rupiah")
    old = {name: getattr(service, name) for name in fields}
    new = {
        "counter_standard_minutes": counter_standard_minutes,
        "completion_standard": completion_standard.strip()[:80],
        "fee_rupiah": fee_rupiah,
    }
    before, after = changed_fields(old, new)
    if not after:
        return False
    for name, value in new.items():
        setattr(service, name, value)
    db.session.flush()
    record_audit(
        "service_type.update",
        entity="service_type",
        entity_id=service.id,
        unit_id=service.unit_id,
        before=before,
        after=after,
    )
    return True


def create_counter(unit: Unit, public_code: str, name: str, service_type_ids: list[int]) -> Counter:
    """A new active counter (its QR poster is printable at once); one audit row."""
    code = public_code.strip().upper()
    if not COUNTER_CODE.fullmatch(code):
        raise SetupError("public_code", _l("Kode loket 3–12 huruf besar atau angka, mis. BGR01."))
    if db.session.scalar(select(Counter.id).where(Counter.public_code == code)) is not None:
        raise SetupError("public_code", _l("Kode loket %(code)s sudah dipakai.", code=code))
    name = name.strip()
    if not name or len(name) > 120:
        raise SetupError("name", _l("Isi nama loket (paling panjang 120 karakter)."))
    services = list(
        db.session.scalars(
            select(ServiceType).where(ServiceType.id.in_(service_type_ids), ServiceType.unit_id == unit.id)
        )
    )
    if not services or len(services) != len(set(service_type_ids)):
        raise SetupError("service_type_ids", _l("Pilih sedikitnya satu layanan unit ini untuk loket."))
    counter = Counter(unit=unit, public_code=code, name=name, active=True, poster_version=1, service_types=services)
    db.session.add(counter)
    db.session.flush()
    record_audit(
        "counter.create",
        entity="counter",
        entity_id=counter.id,
        unit_id=unit.id,
        after={"public_code": code, "name": name, "service_type_ids": sorted(s.id for s in services)},
    )
    return counter


def set_counter_active(counter: Counter, active: bool) -> bool:
    """(De)activate a counter; an inactive counter's posters show "not in use". Returns whether it changed."""
    if counter.active == active:
        return False
    counter.active = active
    db.session.flush()
    record_audit(
        "counter.activate" if active else "counter.deactivate",
        entity="counter",
        entity_id=counter.id,
        unit_id=counter.unit_id,
        before={"active": not active},
        after={"active": active},
    )
    return True


# --- Employees and their placements ------------------------------------------------------------------------------

_NIP_PARTS = {
    "shape": _l("NIP harus 18 digit angka (format kolom sebagai Teks di spreadsheet)."),
    "birth_date": _l("Bagian tanggal lahir (digit 1–8, YYYYMMDD) bukan tanggal yang ada."),
    "appointment": _l(
        "Bagian TMT pengangkatan (digit 9–14, YYYYMM; NI PPPK: tahun lalu 21) salah atau tidak setelah umur 17 tahun."
    ),
    "sex": _l("Digit jenis kelamin (digit 15) harus 1 (laki-laki) atau 2 (perempuan)."),
    "sequence": _l("Nomor urut (digit 16–18) tidak boleh 000."),
}


def nip_message(nip: str, employment_type: str) -> Any | None:
    """Why ``nip`` does not fit an employee of ``employment_type``, naming the wrong part; None when it fits."""
    if employment_type == "non-ASN":
        return _l("Pegawai non-ASN tidak punya NIP: kosongkan NIP.") if nip else None
    if not nip:
        return _l("Pegawai PNS dan PPPK wajib punya NIP atau NI PPPK.")
    try:
        validate_nip(nip)
    except InvalidNIP as error:
        return _NIP_PARTS.get(error.part, _NIP_PARTS["shape"])
    is_pppk = nip[12:14] == "21"
    if employment_type == "PNS" and is_pppk:
        return _l("Nomor ini berbentuk NI PPPK (digit 13–14 = 21), tetapi jenis kepegawaian PNS.")
    if employment_type == "PPPK" and not is_pppk:
        return _l("Nomor ini berbentuk NIP PNS; NI PPPK punya 21 pada digit 13–14.")
    return None


@dataclass(frozen=True)
class PlacementFields:
    unit: Unit
    position: str
    supervisor_id: int | None
    supervisor_acting: str | None
    valid_from: date
    valid_until: date | None = None


def employee_scope_ids(scope: set[int] | None) -> set[int] | None:
    """The employees an admin manages: those ever placed in a unit of their scope (None: every employee)."""
    if scope is None:
        return None
    return set(
        db.session.scalars(
            select(EmployeeAssignment.employee_id).where(EmployeeAssignment.unit_id.in_(sorted(scope))).distinct()
        )
    )


def _check_placement(fields: PlacementFields, employee_id: int | None) -> None:
    if not fields.position.strip() or len(fields.position) > 120:
        raise SetupError("position", _l("Isi jabatan (paling panjang 120 karakter)."))
    if fields.supervisor_acting is not None and fields.supervisor_acting not in ACTING_KINDS:
        raise SetupError("supervisor_acting", _l("Pilih Plt, Plh atau definitif."))
    if fields.supervisor_acting is not None and fields.supervisor_id is None:
        raise SetupError("supervisor_acting", _l("Plt atau Plh hanya berlaku bila atasan dipilih."))
    if fields.supervisor_id is not None:
        if employee_id is not None and fields.supervisor_id == employee_id:
            raise SetupError("supervisor_id", _l("Pegawai tidak dapat menjadi atasannya sendiri."))
        if db.session.get(Employee, fields.supervisor_id) is None:
            raise SetupError("supervisor_id", _l("Atasan ini tidak dikenal."))
    if fields.valid_until is not None and fields.valid_until <= fields.valid_from:
        raise SetupError("valid_until", _l("Tanggal selesai harus setelah tanggal mulai."))


def _placement_values(assignment: EmployeeAssignment) -> dict[str, Any]:
    return {
        "unit_id": assignment.unit_id,
        "position": assignment.position,
        "supervisor_id": assignment.supervisor_id,
        "supervisor_acting": assignment.supervisor_acting,
        "valid_from": assignment.valid_from,
        "valid_until": assignment.valid_until,
    }


def create_employee(
    nip: str, name: str, employment_type: str, placement: PlacementFields, *, audit: bool = True
) -> Employee:
    """A new employee with their first placement (unit, position, supervisor); one audit row (an import writes
    one row for the whole file instead: ``audit=False``)."""
    nip = nip.strip()
    name = name.strip()
    if not name or len(name) > 200:
        raise SetupError("name", _l("Isi nama pegawai (paling panjang 200 karakter)."))
    if employment_type not in EMPLOYMENT_TYPES:
        raise SetupError("employment_type", _l("Jenis kepegawaian PNS, PPPK atau non-ASN."))
    problem = nip_message(nip, employment_type)
    if problem is not None:
        raise SetupError("nip", problem)
    if nip and db.session.scalar(select(Employee.id).where(Employee.nip == nip)) is not None:
        raise SetupError("nip", _l("NIP %(nip)s sudah terdaftar.", nip=nip))
    _check_placement(placement, None)
    employee = Employee(nip=nip or None, name=name, employment_type=employment_type)
    db.session.add(employee)
    assignment = _new_assignment(employee, placement)
    db.session.flush()
    if not audit:
        return employee
    record_audit(
        "employee.create",
        entity="employee",
        entity_id=employee.id,
        unit_id=placement.unit.id,
        after={"nip": employee.nip, "name": name, "employment_type": employment_type, **_placement_values(assignment)},
    )
    return employee


def _new_assignment(employee: Employee, fields: PlacementFields) -> EmployeeAssignment:
    assignment = EmployeeAssignment(
        employee=employee,
        unit=fields.unit,
        position=fields.position.strip(),
        supervisor_id=fields.supervisor_id,
        supervisor_acting=fields.supervisor_acting,
        valid_from=fields.valid_from,
        valid_until=fields.valid_until,
    )
    db.session.add(assignment)
    return assignment


def add_placement(employee: Employee, fields: PlacementFields) -> EmployeeAssignment:
    """A new placement from ``valid_from`` (a transfer, a new supervisor, a Plt/Plh stretch); one audit row.

    The placement open at that date ends the day before (``valid_until`` = valid_from), so exactly one placement
    holds on any day; a placement that starts later than it is refused (history is not rewritten here).
    """
    _check_placement(fields, employee.id)
    open_ones = [a for a in employee.assignments if a.valid_until is None or a.valid_until > fields.valid_from]
    for current in open_ones:
        if current.valid_from >= fields.valid_from:
            raise SetupError(
                "valid_from",
                _l("Sudah ada penempatan mulai %(day)s; tanggal mulai harus sesudahnya.", day=current.valid_from),
            )
    ended = []
    for current in open_ones:
        current.valid_until = fields.valid_from
        ended.append(current.id)
    assignment = _new_assignment(employee, fields)
    db.session.flush()
    record_audit(
        "employee_assignment.create",
        entity="employee_assignment",
        entity_id=assignment.id,
        unit_id=fields.unit.id,
        after={"employee_id": employee.id, **_placement_values(assignment), "ended_assignment_ids": ended},
    )
    return assignment


# --- Accounts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    user: User
    token: str  # the one-time link's token, shown once


def invite_user(
    admin: User | None, login: str, roles: set[str], unit: Unit | None, employee: Employee | None
) -> Invitation:
    """A new account without a known password and a one-time link to set one (the reset link of the accounts
    page, valid ``RESET_VALID_HOURS``); one audit row for both. The admin hands the link to its owner."""
    user = create_account(login, roles, unit, employee)
    token = secrets.token_urlsafe(32)
    at = now()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        created_by_id=admin.id if admin is not None else None,
        created_at=at,
        expires_at=at + timedelta(hours=RESET_VALID_HOURS),
    )
    db.session.add(reset)
    db.session.flush()
    record_audit(
        "user.create",
        entity="user",
        entity_id=user.id,
        unit_id=unit.id if unit else None,
        after={
            "login": user.login,
            "roles": set(roles),
            "employee_id": employee.id if employee else None,
            "reset_id": reset.id,
        },
    )
    return Invitation(user, token)


def create_account(login: str, roles: set[str], unit: Unit | None, employee: Employee | None) -> User:
    """A checked new account whose password nobody knows (its owner sets one through a reset link); not audited
    here: :func:`invite_user` and the user import write the row."""
    login = login.strip()
    if not LOGIN.fullmatch(login):
        raise SetupError("login", _l("Nama pengguna 3–80 huruf, angka, titik, garis bawah atau tanda hubung."))
    if db.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise SetupError("login", _l("Nama pengguna %(login)s sudah dipakai.", login=login))
    if not roles or set(roles) - set(ROLES):
        raise SetupError("roles", _l("Pilih sedikitnya satu peran."))
    if "staff" in roles and employee is None:
        raise SetupError("employee_id", _l("Akun petugas (staff) harus ditautkan ke pegawai."))
    if employee is not None and db.session.scalar(select(User.id).where(User.employee_id == employee.id)):
        raise SetupError("employee_id", _l("Pegawai ini sudah punya akun."))
    user = User(login=login, unit=unit, employee=employee)
    user.roles = set(roles)
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the owner sets theirs through the link
    db.session.add(user)
    db.session.flush()
    return user


def set_user_active(admin: User, user: User, active: bool) -> bool:
    """(De)activate an account; deactivating ends its sessions at once. Returns whether it changed."""
    if user.id == admin.id:
        raise SetupError("user_id", _l("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.active == active:
        return False
    user.active = active
    db.session.flush()
    record_audit(
        "user.activate" if active else "user.deactivate",
        entity="user",
        entity_id=user.id,
        unit_id=user.unit_id,
        before={"active": not active},
        after={"active": active},
    )
    return True


# --- Regional holidays -------------------------------------------------------------------------------------------


def add_unit_holiday(unit: Unit, day: date, name: str) -> bool:
    """A regional holiday of ``unit`` (or a new name for it); True when new. One audit row when anything changed."""
    name = name.strip()
    if not name or len(name) > 120:
        raise SetupError("name", _l("Isi nama hari libur (paling panjang 120 karakter)."))
    holiday = db.session.get(UnitHoliday, (unit.id, day))
    if holiday is None:
        db.session.add(UnitHoliday(unit_id=unit.id, day=day, name=name))
        db.session.flush()
        record_audit(
            "holiday.add_regional",
            entity="unit_holiday",
            entity_id=f"{unit.id}:{day}",
            unit_id=unit.id,
            after={"name": name},
        )
        return True
    if holiday.name != name:
        before = {"name": holiday.name}
        holiday.name = name
        db.session.flush()
        record_audit(
            "holiday.rename_regional",
            entity="unit_holiday",
            entity_id=f"{unit.id}:{day}",
            unit_id=unit.id,
            before=before,
            after={"name": name},
        )
    return False


def unit_holidays(unit_ids: set[int] | None, start: date, end: date) -> list[UnitHoliday]:
    """The regional holidays in [start, end) of the given units (None: every unit), by day."""
    query = select(UnitHoliday).where(UnitHoliday.day >= start, UnitHoliday.day < end)
    if unit_ids is not None:
        query = query.where(UnitHoliday.unit_id.in_(sorted(unit_ids)))
    return list(db.session.scalars(query.order_by(UnitHoliday.day, UnitHoliday.unit_id)))
