"""The citizen's path: open a counter's QR link, answer, be thanked, be counted for the right employee."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.qr import counter_survey_url
from tests.helpers import hidden_fields, need_service

ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


def path_of(counter) -> str:
    return counter_survey_url(counter).removeprefix("http://survey.test")


def open_survey(client, counter, **query):
    response = client.get(path_of(counter), query_string=query)
    assert response.status_code == 200, response.status_code
    return response


def submit(client, counter, answers=None, **extra):
    form = hidden_fields(open_survey(client, counter).get_data(as_text=True))
    return client.post(path_of(counter), data={**form, **(ALL_GOOD if answers is None else answers), **extra})


def stored() -> list[SurveyResponse]:
    return list(db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))


def test_survey_page_is_small_accessible_indonesian_and_script_free(client, build, clock):
    counter = build.counter()
    build.duty(counter, build.employee(name="Siti Rahmawati"))
    db.session.commit()
    html = open_survey(client, counter).get_data(as_text=True)
    assert len(html.encode()) <= 20_000
    assert "<script" not in html.lower()
    assert '<html lang="id">' in html
    assert html.count("<fieldset") == 10 and html.count("<legend>") == 10
    assert "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?" in html
    assert "Dikelola dengan baik" in html and "Sangat sopan dan ramah" in html
    assert "Petugas: Siti Rahmawati" in html
    assert counter.unit.name in html and counter.name in html
    # Every radio button sits inside its label (large touch target, read out by screen readers).
    assert len(re.findall(r'<label><input type="radio" name="u\d" value="[1-4]"', html)) == 36


def test_english_switch_translates_questions_and_is_remembered(client, build, clock):
    counter = build.counter()
    db.session.commit()
    html = open_survey(client, counter, lang="en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "How do you rate how well the service requirements match the type of service?" in html
    assert "Very polite and friendly" in html
    # The choice sticks for the next page without the query parameter.
    assert '<html lang="en">' in open_survey(client, counter).get_data(as_text=True)


def test_valid_submission_is_stored_attributed_and_thanked(client, build, clock):
    counter = build.counter()
    employee = build.employee()
    assignment = build.duty(counter, employee, source="roster")
    db.session.commit()
    response = submit(
        client, counter, comment="Petugas ramah", age_band="30-39", service_type=str(counter.service_types[0].id)
    )
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Terima kasih" in thanks.get_data(as_text=True)
    [row] = stored()
    assert row.answers == {f"U{i}": 4 for i in range(1, 10)}
    assert (row.status, row.attribution_source, row.employee_id) == ("valid", "roster", employee.id)
    assert row.counter_assignment_id == assignment.id
    assert row.comment == "Petugas ramah" and row.age_band == "30-39"
    assert row.service_type_id == counter.service_types[0].id
    assert row.submitted_at == clock.now() and row.counted_at == clock.now()
    assert row.channel == "counter_qr" and row.ticket_id is None


def test_same_browser_again_is_kept_as_duplicate_and_thanked(client, build, clock):
    counter = build.counter()
    db.session.commit()
    assert submit(client, counter).status_code == 303
    clock.advance(timedelta(minutes=10))
    assert submit(client, counter).status_code == 303
    assert [r.status for r in stored()] == ["valid", "duplicate"]
    # After the window the same browser counts again.
    clock.advance(timedelta(minutes=31))
    assert submit(client, counter).status_code == 303
    assert [r.status for r in stored()] == ["valid", "duplicate", "valid"]


def test_duplicate_window_spans_utc_midnight(client, build, clock):
    from datetime import UTC, datetime

    clock.set(datetime(2026, 10, 14, 23, 50, tzinfo=UTC))
    counter = build.counter()
    db.session.commit()
    submit(client, counter)
    clock.advance(timedelta(minutes=20))  # the fingerprint key has rotated in between
    submit(client, counter)
    rows = stored()
    assert [r.status for r in rows] == ["valid", "duplicate"]
    assert rows[0].client_fingerprint != rows[1].client_fingerprint


def test_other_browser_is_not_a_duplicate(app, build, clock):
    counter = build.counter()
    db.session.commit()
    submit(app.test_client(), counter)
    submit(app.test_client(), counter)
    assert [r.status for r in stored()] == ["valid", "valid"]


def test_retried_post_of_the_same_form_stores_nothing_new(client, build, clock):
    counter = build.counter()
    db.session.commit()
    form = hidden_fields(open_survey(client, counter).get_data(as_text=True))
    first = client.post(path_of(counter), data={**form, **ALL_GOOD})
    second = client.post(path_of(counter), data={**form, **ALL_GOOD})
    assert first.status_code == second.status_code == 303
    assert len(stored()) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"u3": None}, "Pilih salah satu jawaban."),
        ({"u5": "0"}, "Jawaban harus salah satu dari empat pilihan (1–4)."),
        ({"u9": "5"}, "Jawaban harus salah satu dari empat pilihan (1–4)."),
        ({"u1": "abc"}, "Jawaban harus salah satu dari empat pilihan (1–4)."),
        ({"comment": "x" * 100_000}, "Saran paling panjang 2000 karakter."),
        ({"age_band": "99"}, "Pilihan ini tidak tersedia."),
        ({"csrf_token": "forged"}, "Sesi formulir sudah habis."),
        ({"submission_key": "not-a-key"}, "Formulir tidak lengkap; muat ulang halaman."),
    ],
)
def test_bad_input_is_refused_clearly_and_keeps_the_other_answers(client, build, clock, change, message):
    counter = build.counter()
    db.session.commit()
    form = hidden_fields(open_survey(client, counter).get_data(as_text=True))
    data = {**form, **ALL_GOOD, "u2": "3", **change}
    response = client.post(path_of(counter), data={k: v for k, v in data.items() if v is not None})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'name="u2" value="3" checked' in html
    assert stored() == []


def test_empty_post_and_forged_links(client, build, clock):
    counter = build.counter()
    db.session.commit()
    assert client.post(path_of(counter), data={}).status_code == 400
    token = path_of(counter).rsplit("/", 1)[1]
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    for path in (f"/s/{counter.public_code}/{forged}", f"/s/NOPE1/{token}", f"/s/{counter.public_code}/x"):
        page = client.get(path)
        assert page.status_code == 404 and "Halaman tidak ditemukan" in page.get_data(as_text=True)
        assert client.post(path, data=ALL_GOOD).status_code == 404
    assert stored() == []


def test_inactive_counter_says_so(client, build, clock):
    counter = build.counter()
    db.session.commit()
    url = path_of(counter)
    counter.active = False
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 410
    assert "Loket ini sedang tidak aktif" in page.get_data(as_text=True)


def test_revoked_poster_stops_working(client, build, clock):
    counter = build.counter()
    db.session.commit()
    old = path_of(counter)
    counter.poster_version += 1
    db.session.commit()
    retired = client.get(old)  # a clear page for the citizen, not a bare 404
    assert retired.status_code == 410 and "Kode QR ini sudah tidak berlaku" in retired.get_data(as_text=True)
    assert client.get(path_of(counter)).status_code == 200


def test_no_raw_ip_address_is_stored(app, build, clock):
    counter = build.counter()
    db.session.commit()
    client = app.test_client()
    form = hidden_fields(
        client.get(path_of(counter), environ_base={"REMOTE_ADDR": "203.0.113.77"}).get_data(as_text=True)
    )
    client.post(path_of(counter), data={**form, **ALL_GOOD}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    [row] = stored()
    values = " ".join(str(getattr(row, c.key)) for c in SurveyResponse.__table__.columns)
    assert "203.0.113.77" not in values
    assert re.fullmatch(r"[0-9a-f]{32}", row.client_fingerprint)


@pytest.mark.config(
    RATELIMIT_ENABLED=True,
    SURVEY_LIMIT_PER_BROWSER="3 per minute",
    SURVEY_LIMIT_PER_IP="5 per hour",
    SURVEY_DUPLICATE_WINDOW_MINUTES=0,
)
def test_rate_limits_per_browser_and_per_network(app, build, clock):
    counter = build.counter()
    db.session.commit()
    browser = app.test_client()
    codes = [submit(browser, counter).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    page = submit(browser, counter)
    assert page.status_code == 429 and "Terlalu banyak pengiriman" in page.get_data(as_text=True)
    # Other browsers on the same network share the generous network cap (5 per hour in this test).
    others = [submit(app.test_client(), counter).status_code for _ in range(3)]
    assert others == [303, 303, 429]
    assert len(stored()) == 5


REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.config(
    RATELIMIT_ENABLED=True,
    RATELIMIT_STORAGE_URI=REDIS_URL or "memory://",
    RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    SURVEY_LIMIT_PER_BROWSER="2 per minute",
    SURVEY_DUPLICATE_WINDOW_MINUTES=0,
)
def test_rate_limits_shared_through_redis(app, build, clock):
    need_service("Redis for rate limits (TEST_REDIS_URL)", bool(REDIS_URL))
    counter = build.counter()
    db.session.commit()
    browser = app.test_client()
    assert [submit(browser, counter).status_code for _ in range(3)] == [303, 303, 429]
    # A second app process (another gunicorn worker) sees the same counts.
    from feedback_app import create_app

    other_worker = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    other_worker.test_client_class = type(browser)
    other = other_worker.test_client()
    other.set_cookie("sw_browser", browser.get_cookie("sw_browser").value)
    with other_worker.app_context():
        page = other.get(path_of(counter))
        form = hidden_fields(page.get_data(as_text=True))
        assert other.post(path_of(counter), data={**form, **ALL_GOOD}).status_code == 429
        db.session.remove()
        db.engine.dispose()


def test_malformed_posts_get_400_never_500(client, build, clock):
    counter = build.counter()
    db.session.commit()
    path = path_of(counter)
    for body, content_type in [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b'{"u1": 4}', "application/json"),
    ]:
        response = client.post(path, data=body, content_type=content_type)
        assert response.status_code == 400, (content_type, response.status_code)
    assert stored() == []


def test_cached_question_block_follows_language_and_service_types(app, build, clock):
    unit = build.unit()
    ktp, kk = build.service_type(unit, name="KTP-el"), build.service_type(unit, name="Kartu Keluarga")
    first = build.counter(unit, service_types=[ktp])
    second = build.counter(unit, service_types=[kk])
    db.session.commit()
    client = app.test_client()
    indonesian = open_survey(client, first, lang="id").get_data(as_text=True)
    english = open_survey(client, first, lang="en").get_data(as_text=True)
    assert "Sangat sesuai" in indonesian and "Very appropriate" not in indonesian
    assert "Very appropriate" in english and "Sangat sesuai" not in english
    other = open_survey(client, second, lang="id").get_data(as_text=True)
    assert "Kartu Keluarga" in other and "KTP-el" not in other


def test_a_non_ascii_forged_token_is_a_404_not_a_500(client, build, clock):
    counter = build.counter()
    db.session.commit()
    assert client.get(f"/s/{counter.public_code}/1éééééééé").status_code == 404
