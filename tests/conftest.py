"""Fixtures shared by the whole suite.

Every test that uses ``app`` (or ``client``, ``build`` ...) runs once on SQLite and, when ``TEST_DATABASE_URL`` is
set, once more on PostgreSQL. The schema is created once per database by the real Alembic migrations; each test
starts from empty tables. Any request that ends in a 5xx fails the test that made it.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, got_request_exception
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, select, text

from feedback_app import create_app
from feedback_app.clock import clock as app_clock
from feedback_app.config import normalise_database_url
from feedback_app.extensions import db
from feedback_app.models import Counter, CounterAssignment, Employee, EmployeeAssignment, ServiceType, Unit, User
from feedback_app.services.partitions import key_metadata
from tests.audit_probe import AuditProbe
from tests.helpers import IN_CI, PASSWORD

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if IN_CI else "dev")

if IN_CI and not os.environ.get("TEST_DATABASE_URL"):
    raise pytest.UsageError("CI must set TEST_DATABASE_URL: the suite has to run on PostgreSQL there.")

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "QR_SIGNING_KEY": "test-qr-key",
    "QR_SIGNING_KEY_ID": "1",
    "PUBLIC_BASE_URL": "http://survey.test",
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": None,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql_only`` run on the PostgreSQL backend only: deselected on SQLite and without one."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec is not None else None
        # a test without the database fixture runs wherever TEST_DATABASE_URL names a PostgreSQL server
        on_postgresql = backend == "postgresql" or (backend is None and bool(os.environ.get("TEST_DATABASE_URL")))
        (drop if item.get_closest_marker("postgresql_only") and not on_postgresql else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:
        raise pytest.UsageError(f"PostgreSQL at TEST_DATABASE_URL is unreachable or unusable: {error}") from error
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the migrated schema, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
        _reset_postgresql(url)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = [table.name for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        # The audit trail refuses TRUNCATE unless the session says it is maintenance (spec §7: a privileged path).
        db.session.execute(text("SET LOCAL suara_warga.audit_maintenance = 'on'"))
        tables += [table.name for table in key_metadata.sorted_tables]  # the partitioned schema's key tables
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's own app context, as in production: fresh ``g``, own DB session."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Buffered: a streamed body (CSV exports) is read inside the request's own context, as a server would.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    marker = request.node.get_closest_marker("config")
    overrides = marker.kwargs if marker else {}
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    application.test_client_class = IsolatedClient
    server_errors: list[str] = []

    def record_exception(sender: Flask, exception: BaseException, **_: Any) -> None:
        server_errors.append(repr(exception))

    @application.after_request
    def record_status(response: Any) -> Any:
        if response.status_code >= 500:
            server_errors.append(f"HTTP {response.status_code}")
        return response

    got_request_exception.connect(record_exception, application)
    context = application.app_context()
    context.push()
    audit = AuditProbe(application)  # spec §7: each successful write by admin, supervisor or HR is audited once
    audit.install()
    try:
        yield application
    finally:
        audit.remove()
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()
        context.pop()
        got_request_exception.disconnect(record_exception, application)
        app_clock.reset()
    assert not server_errors, f"requests ended in server errors: {server_errors}"
    assert not audit.problems, "writes without exactly one audit row:\n" + "\n".join(audit.problems)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def clock() -> Iterator[Any]:
    """The application clock, fixed at a Wednesday morning in Jakarta unless the test moves it."""
    app_clock.set(datetime(2026, 10, 14, 2, 30, tzinfo=UTC))  # 09:30 WIB
    yield app_clock
    app_clock.reset()


class Builder:
    """Makes domain objects with sensible defaults; every keyword can be overridden."""

    def __init__(self) -> None:
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def unit(self, **kw: Any) -> Unit:
        n = self._next()
        unit = Unit(**{"name": f"Unit {n}", "slug": f"unit-{n}", "kind": "dukcapil", "timezone": "Asia/Jakarta", **kw})
        db.session.add(unit)
        db.session.flush()
        return unit

    def service_type(self, unit: Unit, **kw: Any) -> ServiceType:
        service = ServiceType(
            **{
                "unit": unit,
                "name": f"Layanan {self._next()}",
                "counter_standard_minutes": 20,
                "completion_standard": "Hari yang sama",
                "fee_rupiah": 0,
                **kw,
            }
        )
        db.session.add(service)
        db.session.flush()
        return service

    def counter(self, unit: Unit | None = None, **kw: Any) -> Counter:
        unit = unit or self.unit()
        n = self._next()
        counter = Counter(
            **{
                "unit": unit,
                "public_code": f"T{n:03d}",
                "name": f"Loket {n}",
                "active": True,
                "poster_version": 1,
                **kw,
            }
        )
        db.session.add(counter)
        if "service_types" not in kw:
            counter.service_types = [self.service_type(unit)]
        db.session.flush()
        return counter

    def employee(self, unit: Unit | None = None, **kw: Any) -> Employee:
        """An employee; with ``unit``, also placed there (an EmployeeAssignment since 2020)."""
        n = self._next()
        employee = Employee(
            **{"name": f"Pegawai {n}", "employment_type": "PNS", "nip": f"19850315201001{1 + n % 2}{n:03d}", **kw}
        )
        db.session.add(employee)
        if unit is not None:
            db.session.add(
                EmployeeAssignment(
                    employee=employee, unit=unit, position="Petugas Pelayanan", valid_from=date(2020, 1, 1)
                )
            )
        db.session.flush()
        return employee

    def duty(
        self,
        counter: Counter,
        employee: Employee,
        *,
        source: str = "roster",
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        hours: float = 8,
    ) -> CounterAssignment:
        starts_at = starts_at or app_clock.now() - timedelta(hours=1)
        if ends_at is None and source == "roster":
            ends_at = starts_at + timedelta(hours=hours)
        self.placement(employee, counter.unit)
        assignment = CounterAssignment(
            counter=counter, employee=employee, source=source, starts_at=starts_at, ends_at=ends_at
        )
        db.session.add(assignment)
        db.session.flush()
        return assignment

    def placement(self, employee: Employee, unit: Unit) -> None:
        """Place ``employee`` in ``unit`` since 2020 unless they are placed there already: attribution counts only
        the unit's own employees (issue 9, item 2), as the roster import and the console's sign-in do."""
        db.session.flush()
        placed = db.session.scalar(
            select(EmployeeAssignment.id).where(
                EmployeeAssignment.employee_id == employee.id, EmployeeAssignment.unit_id == unit.id
            )
        )
        if placed is None:
            db.session.add(
                EmployeeAssignment(
                    employee=employee, unit=unit, position="Petugas Pelayanan", valid_from=date(2020, 1, 1)
                )
            )

    def user(
        self,
        login: str | None = None,
        roles: set[str] | None = None,
        *,
        unit: Unit | None = None,
        employee: Employee | None = None,
    ) -> User:
        user = User(login=login or f"user{self._next()}", unit=unit, employee=employee)
        user.roles = roles or {"staff"}
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        return user


@pytest.fixture
def build(app: Flask) -> Builder:
    return Builder()
