"""The authorisation matrix: every view declares who may open it, and the declaration is what actually happens.

The endpoints are discovered from the URL map at run time, so a view added tomorrow is checked without anyone
editing this file: it fails (a) if it declares nothing, and (b) if its declaration is not enforced.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from flask import Flask, url_for
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import (
    ROLES,
    Counter,
    EmployeeAssignment,
    EmployeeTarget,
    PeerRater,
    PeerRound,
    ScoreIndicator,
    ScoreRun,
    SurveyResponse,
    User,
)
from feedback_app.services.complaints import file_complaint
from feedback_app.services.tokens import counter_token
from tests.helpers import PASSWORD, hidden_fields, login

#: Methods Flask adds by itself; they never choose which view runs.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}


def endpoints(app: Flask) -> list[tuple[str, object]]:
    """(endpoint, access) for every routed view, ``access`` being None when the view declares nothing."""
    return sorted(
        (rule.endpoint, getattr(app.view_functions[rule.endpoint], "access", None))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    )


def undeclared(app: Flask) -> list[str]:
    """Endpoints whose view is neither ``@public`` nor wrapped in ``roles_required``/``any_role``."""
    wrong = []
    for endpoint, access in endpoints(app):
        if access == "public":
            continue
        if isinstance(access, frozenset) and access and access <= set(ROLES):
            continue
        wrong.append(endpoint)
    return wrong


def test_every_view_declares_who_may_open_it(app):
    assert endpoints(app), "the URL map is empty: the app registered no blueprint"
    assert undeclared(app) == [], "views without @public or @roles_required(...): anyone could open them"


def test_the_declaration_check_catches_an_unprotected_view(app):
    app.add_url_rule("/bocor", "leak", lambda: "rahasia")
    assert undeclared(app) == ["leak"]


def test_the_public_pages_are_the_expected_ones(app):
    public = {endpoint for endpoint, access in endpoints(app) if access == "public"}
    assert public == {
        "public.index",
        "auth.login",
        "auth.reset_password",  # the one-time link an admin made: the token is the credential (test_accounts.py)
        "survey.show_form",
        "survey.submit_form",
        "survey.thanks",
        "survey.show_ticket_form",
        "survey.submit_ticket_form",
        "survey.ticket_thanks",
        # Issue 13: the unit's public page and open data, and complaints by tracking code.
        "public.unit_page",
        "public.unit_json",
        "public.unit_csv",
        "public.complaint_form",
        "public.submit_complaint",
        "public.complaint_lookup",
        "public.complaint_status",
        # The queue-machine API authenticates by bearer token (tests/api), not by login.
        "api.post_ticket_events",
        "api.get_ticket",
        "api.list_indicators",  # scope indicators:read (tests/api/test_indicators.py)
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        "api-docs.swagger_ui_asset",
    }


def test_the_staff_appeal_and_account_pages_declare_these_roles(app):
    """Issue 12's routes × roles, spelled out (the matrix below checks each declaration is what happens)."""
    every_role = frozenset(ROLES)
    declared = dict(endpoints(app))
    assert {
        endpoint: declared[endpoint]
        for endpoint in (
            "staff.show_performance",
            "staff.list_appeals",
            "staff.file_appeal",
            "supervisor.list_appeals",
            "supervisor.decide_appeal",
            "auth.change_password",
            "admin.list_users",
            "admin.create_password_reset",
            "admin.edit_training_topics",
            "admin.save_training_topics",
        )
    } == {
        # Any account may open its own page; it shows data only for an account linked to an employee.
        "staff.show_performance": every_role,
        "staff.list_appeals": every_role,
        "staff.file_appeal": every_role,
        # Deciders: the supervisor named on the appeal, else a unit admin (services/appeals.py may_decide).
        "supervisor.list_appeals": frozenset({"supervisor", "admin"}),
        "supervisor.decide_appeal": frozenset({"supervisor", "admin"}),
        "auth.change_password": every_role,
        "admin.list_users": frozenset({"admin"}),
        "admin.create_password_reset": frozenset({"admin"}),
        "admin.edit_training_topics": frozenset({"admin"}),
        "admin.save_training_topics": frozenset({"admin"}),
    }


def test_the_peer_feedback_pages_declare_these_roles(app):
    """Issue 16's routes × roles (the matrix below checks each declaration is what happens)."""
    declared = dict(endpoints(app))
    managers = frozenset({"supervisor", "hr"})
    expected = {
        # Any account: the form and results are the user's own (an id that is not theirs leads back to the list).
        "staff.list_peer_requests": frozenset(ROLES),
        "staff.show_peer_form": frozenset(ROLES),
        "staff.submit_peer_form": frozenset(ROLES),
        # A supervisor for their team, HR for its scope (services/peer_feedback.py may_manage); admins never.
        "supervisor.list_peer_rounds": managers,
        "supervisor.new_peer_round": managers,
        "supervisor.open_peer_round": managers,
        "supervisor.show_peer_round": managers,
        "supervisor.close_peer_round": managers,
    }
    assert {endpoint: declared[endpoint] for endpoint in expected} == expected


def test_the_inbox_and_moderation_pages_declare_these_roles(app):
    """Issue 13's inbox: the unit head reads it (masked), admins read it and decide (the matrix checks each)."""
    declared = dict(endpoints(app))
    readers, admins = frozenset({"head", "admin"}), frozenset({"admin"})
    assert {
        endpoint: declared[endpoint]
        for endpoint in (
            "admin.inbox_units",
            "admin.show_inbox",
            "admin.show_response",
            "admin.release_response",
            "admin.exclude_response",
            "admin.flag_response",
            "admin.moderation_settings",
            "admin.set_population",
            "admin.set_flag_thresholds",
        )
    } == {
        "admin.inbox_units": readers,
        "admin.show_inbox": readers,
        "admin.show_response": readers,
        "admin.release_response": admins,
        "admin.exclude_response": admins,
        "admin.flag_response": admins,
        "admin.moderation_settings": admins,
        "admin.set_population": admins,
        "admin.set_flag_thresholds": admins,
    }


def test_the_bias_audit_pages_declare_these_roles(app):
    """Issue 15's routes × roles, spelled out (the matrix below checks each declaration is what happens)."""
    declared = dict(endpoints(app))
    assert {endpoint: declared[endpoint] for endpoint in ("hr.show_bias_audit", "supervisor.show_bias_audit")} == {
        "hr.show_bias_audit": frozenset({"hr", "admin"}),
        "supervisor.show_bias_audit": frozenset({"supervisor", "hr", "admin"}),
    }


# --- the matrix --------------------------------------------------------------------------------------------------


def _world(build) -> dict[str, str]:
    """One unit with one counter, a supervisor (``team_lead``) and their team member with one SKP target; the value
    each URL argument takes."""
    unit = build.unit(slug="kota-contoh", name="Disdukcapil Kota Contoh")
    counter = build.counter(unit, public_code="MTX1")
    lead = build.employee(name="Atasan Matriks")
    member = build.employee(name="Anggota Matriks")
    db.session.add(
        EmployeeAssignment(employee=member, unit=unit, position="Petugas", supervisor=lead, valid_from=date(2026, 1, 1))
    )
    db.session.flush()
    target = EmployeeTarget(employee_id=member.id, period_id="2026-Q3", work_plan="Layanan", name="Berkas", target=10)
    db.session.add(target)
    complaint = file_complaint(unit, kind="pengaduan", text="Antrean lama", counter=counter)
    run = ScoreRun(
        unit_id=unit.id,
        period_id="2026-Q2",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 7, 1),
        parameters={},
        code_version="t",
        input_counts={},
        created_by="t",
    )
    db.session.add(run)
    # Issue 16: an open peer-feedback round of the lead's team, with one rater link (the member rates the lead).
    peer_round = PeerRound(
        unit_id=unit.id,
        period_id="2026-Q3",
        team_supervisor_id=lead.id,
        closes_on=date(2099, 12, 31),
        min_answers=3,
        state="open",
    )
    db.session.add(peer_round)
    db.session.flush()
    pair = PeerRater(round_id=peer_round.id, rater_id=member.id, ratee_id=lead.id, submitted=False)
    db.session.add(pair)
    at = datetime(2026, 10, 14, 3, 0, tzinfo=UTC)
    response = SurveyResponse(
        unit_id=unit.id,
        counter_id=counter.id,
        attribution_source="none",
        channel="counter_qr",
        client_fingerprint="f" * 32,
        submission_key="m" * 32,
        status="flagged",
        flag_reason="burst",
        comment="Antrean lama",
        submitted_at=at,
        counted_at=at,
        **{f"u{i}": 3 for i in range(1, 10)},
    )
    db.session.add(response)
    db.session.flush()
    indicator = ScoreIndicator(
        run_id=run.id, employee_id=member.id, code="ikp", status="ok", value=80, n=40, explanation={}
    )
    db.session.add(indicator)
    db.session.commit()
    return {
        "code": counter.public_code,
        "slug": unit.slug,
        "fmt": "png",
        "token": counter_token(counter),
        "employee_id": str(member.id),
        "period_id": "2026-Q3",
        "target_id": str(target.id),
        "team_lead": str(lead.id),
        "complaint_id": str(complaint.id),
        "action": "verify",
        "run_id": str(run.id),
        "round_id": str(peer_round.id),
        "pair_id": str(pair.id),
        "word": "pegawai",
        "service_type_id": str(counter.service_types[0].id),
        "response_id": str(response.id),
        "indicator_id": str(indicator.id),
        "file_type": "csv",
    }


def _url(app: Flask, endpoint: str, values: dict[str, str]) -> str:
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    missing = rule.arguments - values.keys()
    assert not missing, f"{endpoint}: no test value for URL argument(s) {sorted(missing)}; add them to _world()"
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def _method(app: Flask, endpoint: str) -> str:
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    methods = rule.methods - AUTOMATIC_METHODS
    return "GET" if "GET" in methods else sorted(methods)[0]


def _csrf_token(client) -> str:
    """A CSRF token for this client's session, so that a POST reaches the access check and not the CSRF check."""
    return hidden_fields(client.get("/masuk").get_data(as_text=True))["csrf_token"]


def _request(client, method: str, url: str):
    # buffered: a streamed body (the audit CSV) is read inside the request's own context, as a server would.
    if method == "GET":
        return client.get(url, buffered=True)
    return client.open(url, method=method, data={"csrf_token": _csrf_token(client)}, buffered=True)


def _user_with(roles: set[str]) -> User:
    """A user holding exactly ``roles`` (possibly none) and no unit limit."""
    user = User(login="tanpa-peran" if not roles else "peran-" + "-".join(sorted(roles)))
    user.roles = roles
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def test_anonymous_visitors_are_sent_to_the_login_page(app, build, subtests):
    values = _world(build)
    protected = [endpoint for endpoint, access in endpoints(app) if access != "public"]
    assert protected, "no protected views found"
    for endpoint in protected:
        with subtests.test(endpoint=endpoint):
            client = app.test_client()
            url, method = _url(app, endpoint, values), _method(app, endpoint)
            response = _request(client, method, url)
            assert response.status_code == 302, f"{method} {url} ({endpoint}) anonymously: {response.status_code}"
            location = urlsplit(response.headers["Location"])
            assert location.path == "/masuk", f"{endpoint} redirects anonymous visitors to {location.path}"
            assert parse_qs(location.query)["next"] == [url], f"{endpoint}: login would not lead back"


def test_each_role_reaches_exactly_the_views_declared_for_it(app, build, subtests):
    values = _world(build)
    users = {role: _user_with({role}) for role in ROLES} | {"no role": _user_with(set())}
    users["supervisor"].employee_id = int(values["team_lead"])  # the appraisal desk: the member is in their team
    db.session.commit()
    clients = {}

    def logged_in(label: str):
        if label not in clients:
            clients[label] = app.test_client()
            login(clients[label], users[label])
        return clients[label]

    for endpoint, access in endpoints(app):
        if access == "public":
            continue
        url, method = _url(app, endpoint, values), _method(app, endpoint)
        for label in users:
            allowed = label in access
            with subtests.test(endpoint=endpoint, role=label):
                response = _request(logged_in(label), method, url)
                if method != "GET":
                    clients.pop(label)  # the request may have changed the session (logging out does)
                if allowed:
                    # 303: see other after a POST; 400/422: the access check let the request through and the empty
                    # form was refused as invalid
                    assert response.status_code in (200, 302, 303, 400, 422), (
                        f"{label} on {method} {url}: {response.status_code}"
                    )
                    assert "next=" not in response.headers.get("Location", ""), f"{label} sent to log in on {url}"
                else:
                    assert response.status_code == 403, (
                        f"{label} on {method} {url} ({endpoint}): {response.status_code}, expected 403"
                    )
                    assert "Akses ditolak" in response.get_data(as_text=True)


def test_the_export_pages_declare_these_roles(app):
    """Issue 14's export routes × roles (the matrix below checks each declaration is what happens)."""
    declared = dict(endpoints(app))
    readers, with_supervisor = frozenset({"hr", "admin"}), frozenset({"hr", "admin", "supervisor"})
    assert {
        endpoint: declared[endpoint]
        for endpoint in (
            "hr.show_exports",
            "hr.export_indicators",
            "hr.export_responses",
            "hr.show_appraisal_summary",
            "hr.export_ekinerja",
            "hr.show_indicator",
        )
    } == {
        "hr.show_exports": readers,
        "hr.export_indicators": readers,
        "hr.export_responses": readers,
        # and the employee's own supervisor (services/appraisals.py may_read)
        "hr.show_appraisal_summary": with_supervisor,
        "hr.export_ekinerja": with_supervisor,
        "hr.show_indicator": with_supervisor,
    }


def test_a_refused_revoke_changes_nothing(app, client, build):
    values = _world(build)
    hr = _user_with({"hr"})
    db.session.commit()
    login(client, hr)
    assert _request(client, "POST", f"/admin/loket/{values['code']}/cabut-poster").status_code == 403
    assert db.session.scalar(select(Counter.poster_version).where(Counter.public_code == values["code"])) == 1


# --- unit scope --------------------------------------------------------------------------------------------------


def _two_units(build):
    unit_a = build.unit(slug="unit-a", name="Disdukcapil A")
    unit_b = build.unit(slug="unit-b", name="Disdukcapil B")
    counter_a = build.counter(unit_a, public_code="AAA1")
    counter_b = build.counter(unit_b, public_code="BBB1")
    return unit_a, unit_b, counter_a, counter_b


def _pages(unit, counter) -> list[str]:
    code = counter.public_code
    return [
        f"/admin/loket/{code}/poster",
        f"/admin/loket/{code}/qr.png",
        f"/admin/loket/{code}/qr.svg",
        f"/admin/unit/{unit.slug}/poster",
    ]


def test_a_unit_admin_cannot_open_another_units_posters_or_qr_codes(app, client, build):
    unit_a, unit_b, counter_a, counter_b = _two_units(build)
    admin_a = build.user("admin-a", {"admin"}, unit=unit_a)
    db.session.commit()
    login(client, admin_a)
    for path in _pages(unit_b, counter_b):
        assert client.get(path).status_code == 403, path
    for path in _pages(unit_a, counter_a):
        assert client.get(path).status_code == 200, path
    # Nor revoke the other unit's posters.
    response = _request(client, "POST", f"/admin/loket/{counter_b.public_code}/cabut-poster")
    assert response.status_code == 403
    assert db.session.scalar(select(Counter.poster_version).where(Counter.id == counter_b.id)) == 1


def test_an_admin_without_a_unit_sees_every_unit(app, client, build):
    unit_a, unit_b, counter_a, counter_b = _two_units(build)
    admin_all = build.user("admin-semua", {"admin"})
    db.session.commit()
    login(client, admin_all)
    for path in _pages(unit_a, counter_a) + _pages(unit_b, counter_b):
        assert client.get(path).status_code == 200, path


def test_a_unit_admin_lists_only_their_own_counters(app, client, build):
    unit_a, unit_b, counter_a, counter_b = _two_units(build)
    admin_a = build.user("admin-a", {"admin"}, unit=unit_a)
    db.session.commit()
    login(client, admin_a)
    html = client.get("/admin/").get_data(as_text=True)
    assert counter_a.public_code in html and unit_a.name in html
    assert counter_b.public_code not in html and unit_b.name not in html


def test_the_skm_report_and_paper_questionnaire_pages_declare_these_roles(app):
    """Issue 14 items 3 and 4, spelled out (the matrix above checks each declaration is what happens)."""
    declared = dict(endpoints(app))
    readers, writers = frozenset({"head", "admin", "hr"}), frozenset({"head", "admin"})
    admin = frozenset({"admin"})
    assert {
        endpoint: declared[endpoint]
        for endpoint in (
            "admin.choose_skm_report",
            "admin.show_skm_report",
            "admin.skm_report_xlsx",
            "admin.save_skm_report",
            "admin.sign_skm_report",
            "admin.show_paper_entry",
            "admin.enter_paper",
            "admin.show_paper_import",
            "admin.check_paper_upload",
            "admin.apply_paper_upload",
        )
    } == {
        "admin.choose_skm_report": readers,
        "admin.show_skm_report": readers,
        "admin.skm_report_xlsx": readers,
        "admin.save_skm_report": writers,
        "admin.sign_skm_report": frozenset({"head"}),  # and only the head of that unit (services/skm_report.py)
        "admin.show_paper_entry": admin,
        "admin.enter_paper": admin,
        "admin.show_paper_import": admin,
        "admin.check_paper_upload": admin,
        "admin.apply_paper_upload": admin,
    }
