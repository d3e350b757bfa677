"""Creating login accounts."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import ROLES, Employee, Unit, User
from .audit import record_audit
from .errors import AccountError

MIN_PASSWORD_LENGTH = 10


def create_user(
    login: str,
    password: str,
    roles: set[str],
    *,
    unit_slug: str | None = None,
    employee_nip: str | None = None,
) -> User:
    """A new account with a hashed password; the caller commits."""
    login = login.strip()
    if not login:
        raise AccountError("login must not be empty")
    if not roles:
        raise AccountError(f"give at least one role ({', '.join(ROLES)})")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(f"unknown role(s) {', '.join(sorted(unknown))}; choose from {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise AccountError(f"login {login!r} is taken")
    unit = None
    if unit_slug:
        unit = db.session.scalar(select(Unit).where(Unit.slug == unit_slug))
        if unit is None:
            raise AccountError(f"no unit with slug {unit_slug!r}")
    employee = None
    if employee_nip:
        employee = db.session.scalar(select(Employee).where(Employee.nip == employee_nip))
        if employee is None:
            raise AccountError(f"no employee with NIP {employee_nip!r}")
    if "staff" in roles and employee is None:
        raise AccountError("a staff account must be linked to an employee (--employee NIP)")
    user = User(login=login, unit=unit, employee=employee)
    user.roles = set(roles)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(
        "user.create",
        entity="user",
        entity_id=user.id,
        unit_id=unit.id if unit else None,
        after={"login": login, "roles": set(roles), "employee_id": employee.id if employee else None},
    )
    db.session.flush()
    return user
