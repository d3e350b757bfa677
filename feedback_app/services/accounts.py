"""Login accounts: creating them, changing and resetting passwords."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import ROLES, Employee, PasswordReset, Unit, User
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


# --- Password change and admin-initiated reset (issue 12 item 5) ----------------------------------------------------

#: How long a reset link made by an admin stays usable.
RESET_VALID_HOURS = 24


def _check_new_password(user: User, new: str, repeat: str) -> None:
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("Kata sandi baru minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH))
    if len(new) > 200:
        raise AccountError(_l("Kata sandi baru paling panjang 200 karakter."))
    if new != repeat:
        raise AccountError(_l("Kedua isian kata sandi baru tidak sama."))
    if new.strip().lower() == user.login.strip().lower():
        raise AccountError(_l("Kata sandi tidak boleh sama dengan nama pengguna."))


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """The user changes their own password, proving the current one; one audit row. The caller commits."""
    if not user.check_password(current):
        raise AccountError(_l("Kata sandi sekarang salah."))
    _check_new_password(user, new, repeat)
    if user.check_password(new):
        raise AccountError(_l("Kata sandi baru harus berbeda dari yang sekarang."))
    user.set_password(new)
    _close_open_resets(user)
    record_audit("user.change_password", entity="user", entity_id=user.id, unit_id=user.unit_id)
    db.session.flush()


def _close_open_resets(user: User) -> None:
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(expires_at=now())
        .execution_options(synchronize_session=False)
    )


def create_password_reset(admin: User, user: User) -> str:
    """A one-time reset link's token for ``user`` (shown once; only its SHA-256 is stored). Earlier unused links
    of the user stop working. One audit row. The caller commits."""
    if admin.unit_id is not None and user.unit_id != admin.unit_id:
        raise AccountError(_l("Akun ini di luar unit Anda."))
    if admin.id == user.id:
        raise AccountError(_l("Ubah kata sandi Anda sendiri di halaman Akun."))
    _close_open_resets(user)
    token = secrets.token_urlsafe(32)
    at = now()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        created_by_id=admin.id,
        created_at=at,
        expires_at=at + timedelta(hours=RESET_VALID_HOURS),
    )
    db.session.add(reset)
    db.session.flush()
    record_audit(
        "user.create_password_reset",
        entity="user",
        entity_id=user.id,
        unit_id=user.unit_id,
        after={"reset_id": reset.id, "expires_at": reset.expires_at},
    )
    return token


def usable_reset(token: str) -> PasswordReset | None:
    """The reset a link names, if it is unused and not expired."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hashlib.sha256(token.encode()).hexdigest())
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now():
        return None
    return reset


def reset_password(token: str, new: str, repeat: str) -> User:
    """Set a new password through a reset link, which then stops working; one audit row. The caller commits."""
    reset = usable_reset(token)
    if reset is None:
        raise AccountError(_l("Tautan ini tidak berlaku lagi. Minta tautan baru kepada admin."))
    user = reset.user
    _check_new_password(user, new, repeat)
    user.set_password(new)
    reset.used_at = now()
    _close_open_resets(user)
    record_audit("user.reset_password", entity="user", entity_id=user.id, unit_id=user.unit_id)
    db.session.flush()
    return user


def users_in_scope(admin: User) -> list[User]:
    """The accounts a (unit) admin manages, by login."""
    query = select(User).order_by(User.login)
    if admin.unit_id is not None:
        query = query.where(User.unit_id == admin.unit_id)
    return list(db.session.scalars(query.limit(500)))
