"""A unit's scoring parameters on the admin page: the unit's own values over the spec's defaults, audited."""

from __future__ import annotations

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent
from feedback_app.services.score_runs import overridden_parameters, unit_parameters
from tests.helpers import hidden_fields, login


def test_an_admin_sets_and_resets_a_units_parameters(app, client, build):
    unit = build.unit(slug="kota-palu")
    admin = build.user("admin.palu", {"admin"}, unit=unit)
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/unit/kota-palu/parameter").get_data(as_text=True)
    assert "Bawaan: 20" in page and "Bawaan: U3,U6,U7" in page
    token = hidden_fields(page)["csrf_token"]

    saved = client.post(
        "/admin/unit/kota-palu/parameter", data={"csrf_token": token, "shrinkage_k": "10", "ikp_unsur": "u6,u7"}
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert unit_parameters(unit).shrinkage_k == 10 and overridden_parameters(unit) == {"shrinkage_k", "ikp_unsur"}
    again = client.post(
        "/admin/unit/kota-palu/parameter", data={"csrf_token": token, "shrinkage_k": "10", "ikp_unsur": "U6,U7"}
    )
    assert again.status_code == 303  # nothing changed: no second audit row

    bad = client.post("/admin/unit/kota-palu/parameter", data={"csrf_token": token, "shrinkage_k": "sepuluh"})
    assert bad.status_code == 422 and "shrinkage_k must be a whole number" in bad.get_data(as_text=True)
    reset = client.post("/admin/unit/kota-palu/parameter", data={"csrf_token": token, "ikp_unsur": "U6,U7"})
    assert reset.status_code == 303
    db.session.expire_all()
    assert overridden_parameters(unit) == {"ikp_unsur"}
    assert db.session.scalars(select(AuditEvent.action)).all() == ["unit.set_parameters", "unit.set_parameters"]
