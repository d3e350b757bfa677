"""``flask api-token create|list|revoke``: the operator's way to give a queue machine its token."""

from __future__ import annotations

from datetime import timedelta

from feedback_app.extensions import db


def test_create_prints_the_token_once_and_it_works_on_the_api(app, build, clock):
    unit = build.unit(slug="kota-bogor")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "create", "--unit", "kota-bogor", "--name", "Mesin lantai 1"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("sw_") and "\n" not in token
    assert "shown only now" in result.stderr
    response = app.test_client().get("/api/v1/tickets/X", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404  # authenticated; the ticket simply does not exist
    listing = runner.invoke(args=["api-token", "list", "--unit", "kota-bogor"])
    assert listing.exit_code == 0
    assert "Mesin lantai 1" in listing.output and token[:10] in listing.output
    assert token not in listing.output
    assert unit.slug in listing.output


def test_revoke_stops_the_token_at_once(app, build, clock):
    build.unit(slug="kota-bogor")
    db.session.commit()
    runner = app.test_cli_runner()
    token = runner.invoke(args=["api-token", "create", "--unit", "kota-bogor", "--name", "A"]).stdout.strip()
    listing = runner.invoke(args=["api-token", "list"]).output
    token_id = listing.splitlines()[1].split("\t")[0]
    clock.advance(timedelta(minutes=5))
    result = runner.invoke(args=["api-token", "revoke", token_id])
    assert result.exit_code == 0 and "Revoked API token" in result.output
    response = app.test_client().get("/api/v1/tickets/X", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    again = runner.invoke(args=["api-token", "revoke", token_id])
    assert again.exit_code == 0 and "already revoked" in again.output
    assert "2026-10-14 02:35 UTC" in runner.invoke(args=["api-token", "list"]).output


def test_clear_errors(app, build):
    build.unit(slug="kota-bogor")
    db.session.commit()
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["api-token", "create", "--unit", "nope", "--name", "A"])
    assert unknown.exit_code != 0 and "no unit with slug 'nope'" in unknown.output
    empty = runner.invoke(args=["api-token", "create", "--unit", "kota-bogor", "--name", " "])
    assert empty.exit_code != 0 and "Beri nama token" in empty.output
    missing = runner.invoke(args=["api-token", "revoke", "999"])
    assert missing.exit_code != 0 and "no API token with id 999" in missing.output
    assert "No API tokens." in runner.invoke(args=["api-token", "list"]).output


def test_an_hr_systems_token_reads_indicators_of_the_units_it_is_given(app, build, clock):
    build.unit(slug="kota-bogor")
    build.unit(slug="kab-kassi")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "api-token", "create", "--unit", "kota-bogor", "--name", "SIASN",
            "--scope", "indicators:read", "--reads", "kota-bogor", "--reads", "kab-kassi",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert client.get("/api/v1/indicators?period=2026-09&unit=kab-kassi", headers=headers).status_code == 200
    assert client.get("/api/v1/tickets/X", headers=headers).status_code == 403  # not a queue machine
    listing = runner.invoke(args=["api-token", "list"]).output
    assert "indicators:read\tkab-kassi,kota-bogor" in listing or "indicators:read\tkota-bogor,kab-kassi" in listing
    refused = runner.invoke(args=["api-token", "create", "--unit", "kota-bogor", "--name", "X", "--reads", "kab-kassi"])
    assert refused.exit_code != 0 and "ticket_events:write" in refused.output
