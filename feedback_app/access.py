"""Who may see what: role decorators, unit scope and the Flask-Login user loader.

Every view is either marked :func:`public` or wrapped in :func:`roles_required`; a test walks the URL map and
fails on any view that is neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .clock import now
from .extensions import db, login_manager
from .i18n import lazy_gettext as _l
from .models import ROLES, Counter, Unit, User

F = TypeVar("F", bound=Callable[..., Any])

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
login_manager.login_message_category = "info"


#: Where a staff session keeps the instant of its last request (Unix seconds, from the app clock).
LAST_SEEN = "_seen"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The account of a session, if it is still valid: same session epoch (no logout, new password or deactivation
    since), active, and not idle longer than ``SESSION_IDLE_MINUTES``. Each valid request restarts the idle clock."""
    account, _, epoch = user_id.partition(":")
    if not (account.isdigit() and epoch.isdigit()) or len(account) > 9:
        return None
    at = now().timestamp()
    seen = session.get(LAST_SEEN)
    if not isinstance(seen, int | float) or at - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return None
    user = db.session.get(User, int(account))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    session[LAST_SEEN] = int(at)
    return user


def start_session(user: User) -> None:
    """Log ``user`` in on this browser (the idle clock starts now)."""
    session[LAST_SEEN] = int(now().timestamp())
    login_user(user)


def end_every_session(user: User) -> None:
    """Log out here and on every other browser of this account (the caller commits)."""
    user.end_sessions()
    logout_user()


def public(view: F) -> F:
    """Mark a view as open to everyone (citizens, the public)."""
    view.access = "public"  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[F], F]:
    """Let a view through only for a logged-in user holding at least one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles_required needs known roles, got {roles!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def any_role(view: F) -> F:
    """Any logged-in account, whatever its roles."""
    return roles_required(*ROLES)(view)


def scope_unit_ids(user: User) -> set[int] | None:
    """The ids of the units a user's scope covers: their unit and every unit below it in the instansi tree.

    ``None`` means every unit (an account without a unit). One query over the units' parent links.
    """
    if user.unit_id is None:
        return None
    return unit_ids_below([user.unit_id])


def unit_ids_below(roots: Iterable[int]) -> set[int]:
    """``roots`` and every unit below them in the instansi tree (a user's scope, an API token's units)."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    scope = set(roots)
    frontier = list(scope)
    while frontier:
        below = [child for parent in frontier for child in children.get(parent, ()) if child not in scope]
        scope.update(below)
        frontier = below
    return scope


def units_in_scope(user: User) -> list[Unit]:
    """The units this user may manage, by name: their unit and the units below it, or every unit without one."""
    query = select(Unit).order_by(Unit.name)
    ids = scope_unit_ids(user)
    if ids is not None:
        query = query.where(Unit.id.in_(sorted(ids)))
    return list(db.session.scalars(query))


def check_unit_scope(user: User, unit_id: int) -> None:
    ids = scope_unit_ids(user)
    if ids is not None and unit_id not in ids:
        abort(403)


def get_unit_or_404(slug: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        abort(404)
    check_unit_scope(current_user, unit.id)
    return unit


def get_counter_or_404(code: str) -> Counter:
    counter = db.session.scalar(select(Counter).where(Counter.public_code == code.upper()))
    if counter is None:
        abort(404)
    check_unit_scope(current_user, counter.unit_id)
    return counter
