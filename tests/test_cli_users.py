"""``flask users create``: the operator's way to make login accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import User
from tests.helpers import login

GOOD = "pw-long-enough"


@pytest.fixture
def create(app, monkeypatch):
    """Run ``flask users create ARGS``, typing ``password`` twice at the prompt."""
    monkeypatch.delenv("SUARA_WARGA_PASSWORD", raising=False)
    runner = app.test_cli_runner()

    def run(*args: str, password: str = GOOD, confirm: str | None = None):
        typed = f"{password}\n{password if confirm is None else confirm}\n"
        return runner.invoke(args=["users", "create", *args], input=typed)

    return run


def users() -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(select(User).order_by(User.login)))


def test_creates_an_account_with_several_roles_and_a_unit(app, build, create):
    unit = build.unit(slug="kota-bogor", name="Disdukcapil Kota Bogor")
    db.session.commit()
    result = create("ani", "--role", "admin", "--role", "hr", "--unit", "kota-bogor")
    assert result.exit_code == 0, result.output
    assert "Created ani with roles admin, hr." in result.output
    [user] = users()
    assert (user.login, user.roles, user.unit_id, user.employee_id) == ("ani", {"admin", "hr"}, unit.id, None)
    assert user.active
    assert GOOD not in user.password_hash and user.check_password(GOOD)
    # The new account can log in on the web and reaches the admin pages of its unit.
    client = app.test_client()
    login(client, user, password=GOOD)
    assert client.get("/admin/unit/kota-bogor/poster").status_code == 200


def test_the_password_is_not_echoed(create):
    result = create("ani", "--role", "hr")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output


def test_staff_account_needs_an_employee(create):
    result = create("budi", "--role", "staff")
    assert result.exit_code != 0
    assert "a staff account must be linked to an employee (--employee NIP)" in result.output
    assert users() == []


def test_links_the_employee_given_by_nip(build, create):
    employee = build.employee(name="Budi Santoso")
    db.session.commit()
    result = create("budi", "--role", "staff", "--employee", employee.nip)
    assert result.exit_code == 0, result.output
    [user] = users()
    assert user.employee_id == employee.id and user.roles == {"staff"} and user.unit_id is None


def test_unknown_employee_nip_is_an_error(build, create):
    result = create("budi", "--role", "staff", "--employee", "198503152010011999")
    assert result.exit_code != 0
    assert "no employee with NIP '198503152010011999'" in result.output
    assert users() == []


def test_unknown_unit_slug_is_an_error(build, create):
    build.unit(slug="kota-bogor")
    db.session.commit()
    result = create("ani", "--role", "admin", "--unit", "kota-bogr")
    assert result.exit_code != 0
    assert "no unit with slug 'kota-bogr'" in result.output
    assert users() == []


def test_short_password_is_refused(create):
    result = create("ani", "--role", "admin", password="pendek")
    assert result.exit_code != 0
    assert "the password needs at least 10 characters" in result.output
    assert users() == []


def test_mistyped_confirmation_creates_nothing(create):
    result = create("ani", "--role", "admin", confirm="pw-long-enougH")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert users() == []


def test_duplicate_login_is_refused_and_the_first_account_kept(build, create):
    first = build.user("ani", {"hr"})
    db.session.commit()
    result = create("ani", "--role", "admin")
    assert result.exit_code != 0
    assert "login 'ani' is taken" in result.output
    [user] = users()
    assert user.id == first.id and user.roles == {"hr"}


@pytest.mark.parametrize("args", [["ani"], ["ani", "--role", "superuser"]])
def test_a_known_role_is_required(create, args):
    result = create(*args)
    assert result.exit_code == 2
    assert "--role" in result.output
    assert users() == []


def test_password_can_come_from_the_environment(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "ani", "--role", "hr"], env={"SUARA_WARGA_PASSWORD": "dari-lingkungan"}
    )
    assert result.exit_code == 0, result.output
    [user] = users()
    assert user.check_password("dari-lingkungan")
