"""The citizen's path: open a counter's QR link, answer, be thanked, be counted for the right employee."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse, Ticket
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import counting_queries, hidden_fields, need_service

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


def test_a_post_without_the_survey_pages_browser_cookie_is_flagged_never_refused(app, build, clock):
    """Issue 9 item 5: with no cookie and a new User-Agent each POST, every answer used to be valid."""
    counter = build.counter()
    db.session.commit()
    for n in range(3):
        cookieless = app.test_client()
        form = hidden_fields(open_survey(cookieless, counter).get_data(as_text=True))
        cookieless.delete_cookie("sw_browser")  # the session (its CSRF token) stays, the browser id goes
        response = cookieless.post(
            path_of(counter),
            data={**form, "submission_key": f"{n:032x}", **ALL_GOOD},
            headers={"User-Agent": f"bot/{n}"},
        )
        assert response.status_code == 303  # thanked: nothing is lost, a moderator decides
    rows = stored()
    assert [(r.status, r.flag_reason) for r in rows] == [("flagged", "no_browser_cookie")] * 3
    assert rows[0].flag_details == {"no_browser_cookie": {"browser_cookie": 0}}
    assert rows[0].status_reason is None
    # A forged cookie is no cookie.
    forged = app.test_client()
    form = hidden_fields(open_survey(forged, counter).get_data(as_text=True))
    forged.set_cookie("sw_browser", "not-signed")
    forged.post(path_of(counter), data={**form, "submission_key": "f" * 32, **ALL_GOOD})
    assert stored()[-1].flag_reason == "no_browser_cookie"


def _earlier_answers(counter, instants) -> None:
    """Valid answers stored at ``instants`` (the counter's history), straight into the table."""
    for n, at in enumerate(instants):
        db.session.add(
            SurveyResponse(
                unit_id=counter.unit_id,
                counter_id=counter.id,
                attribution_source="none",
                channel="counter_qr",
                client_fingerprint=f"{n:032x}",
                submission_key=f"history{n:025x}",
                status="valid",
                submitted_at=at,
                counted_at=at,
                **{f"u{i}": 3 for i in range(1, 10)},
            )
        )
    db.session.commit()


def test_answers_well_above_the_counters_tickets_and_usual_rate_are_flagged_as_a_burst(app, build, clock):
    """Issue 9 item 5: one address stored 300 valid answers an hour with a fresh cookie each."""
    counter = build.counter()
    db.session.commit()
    for _ in range(20):  # 300 an hour: one every 12 seconds, each from a fresh browser
        assert submit(app.test_client(), counter).status_code == 303
        clock.advance(timedelta(seconds=12))
    rows = stored()
    # No tickets, no history: six answers in 15 minutes are allowed (FLAG_BURST_MIN_ANSWERS), the rest held back.
    assert [r.status for r in rows] == ["valid"] * 6 + ["flagged"] * 14
    assert {r.flag_reason for r in rows[6:]} == {"burst"}
    assert rows[6].flag_details == {
        "burst": {
            "window_minutes": 15,
            "answers_in_window": 7,
            "plausible_tickets": 0,
            "usual_per_window": 0.0,
            "allowed": 6,
        }
    }
    # Once the window has passed, the counter's answers count again.
    clock.advance(timedelta(minutes=16))
    assert submit(app.test_client(), counter).status_code == 303
    assert stored()[-1].status == "valid"


def test_the_burst_allowance_follows_plausible_tickets_and_the_usual_rate(app, build, clock):
    busy = build.counter()
    tickets_counter = build.counter()
    now = clock.now()
    # Busy: 14 days of 160 valid answers a day, i.e. 5 per 15 minutes of an 8-hour day -> 15 allowed.
    _earlier_answers(busy, [now - timedelta(days=d, hours=1, minutes=3 * k) for d in range(14) for k in range(160)])
    # A counter that finished 8 plausible tickets (10-minute visits) and 5 short ones in the last 15 minutes.
    service = tickets_counter.service_types[0]
    for n in range(13):
        finished = now - timedelta(minutes=1 + n)
        visit = timedelta(minutes=10) if n < 8 else timedelta(seconds=30)
        db.session.add(
            Ticket(
                unit_id=tickets_counter.unit_id,
                external_id=f"2026-10-14-X{n:03d}",
                counter_id=tickets_counter.id,
                service_type_id=service.id,
                issued_at=finished - visit,
                finished_at=finished,
                outcome="finished",
            )
        )
    db.session.commit()
    for counter in (busy, tickets_counter):
        for _ in range(26):
            assert submit(app.test_client(), counter).status_code == 303
    busy_rows = [r for r in stored() if r.counter_id == busy.id and r.submission_key[:7] != "history"]
    assert [r.status for r in busy_rows].count("valid") == 15
    assert busy_rows[15].flag_details["burst"]["usual_per_window"] == 5.0
    ticket_rows = [r for r in stored() if r.counter_id == tickets_counter.id]
    assert [r.status for r in ticket_rows] == ["valid"] * 24 + ["flagged"] * 2  # 3 x 8 plausible tickets
    assert ticket_rows[24].flag_details["burst"]["plausible_tickets"] == 8


def test_an_answer_costs_three_statements(app, build, clock):
    """The survey POST: the counter, the flag rules' counts (one SELECT), the INSERT with its duplicate check."""
    counter = build.counter()
    db.session.commit()
    client = app.test_client()
    submit(client, counter)  # warms the day's fingerprint key
    clock.advance(timedelta(hours=1))
    form = hidden_fields(open_survey(client, counter).get_data(as_text=True))
    with counting_queries() as statements:
        assert client.post(path_of(counter), data={**form, **ALL_GOOD}).status_code == 303
    assert len(statements) == 3, statements


#: A Redis address where nothing listens: the rate-limit store is down.
DEAD_REDIS = "redis://127.0.0.1:6390/2"


@pytest.fixture
def limiter_reset():
    """The limiter object is shared by every app of the test run; forget this test's dead store afterwards."""
    from feedback_app.extensions import limiter

    yield limiter
    limiter._storage_dead = False


@pytest.mark.config(
    RATELIMIT_ENABLED=True,
    RATELIMIT_STORAGE_URI=DEAD_REDIS,
    SURVEY_LIMIT_PER_BROWSER="2 per minute",
    SURVEY_DUPLICATE_WINDOW_MINUTES=0,
)
def test_with_redis_down_answers_are_stored_and_limited_in_memory(app, build, clock, caplog, limiter_reset):
    """Issue 9.4: with Redis stopped every survey POST answered 500 and the answer was lost."""
    counter = build.counter()
    db.session.commit()
    browser = app.test_client()
    with caplog.at_level("WARNING", logger="flask-limiter"):
        codes = [submit(browser, counter).status_code for _ in range(3)]
    assert codes == [303, 303, 429]  # the limit still holds, counted in this process's memory
    assert len(stored()) == 2
    warnings = [record for record in caplog.records if record.levelname == "WARNING"]
    assert [record.getMessage() for record in warnings] == [
        "Rate limit storage unreachable - falling back to in-memory storage"
    ]


def test_one_browser_answering_many_counters_in_a_day_is_flagged_with_its_earlier_answers(app, build, clock):
    """Issue 13: a scripted run of one browser over every counter of the office, one answer each."""
    unit = build.unit()
    counters = [build.counter(unit) for _ in range(6)]
    db.session.commit()
    script = app.test_client()  # one browser: its signed cookie is kept between the answers
    for counter in counters:
        assert submit(script, counter).status_code == 303
        clock.advance(timedelta(minutes=20))  # slow enough that no burst explains it
    rows = stored()
    # The fourth counter crosses FLAG_FINGERPRINT_MAX_COUNTERS (3); the three before it are flagged with it.
    assert [(r.status, r.flag_reason) for r in rows] == [("flagged", "fingerprint_many_counters")] * 6
    assert rows[3].flag_details == {"fingerprint_many_counters": {"window_hours": 24, "counters": 4, "allowed": 3}}
    assert rows[0].status_reason.startswith("Peramban yang sama menjawab 4 loket")
    # Three citizens at three counters each, and the same browser a day later, count as they should.
    for _ in range(3):
        citizen = app.test_client()
        for counter in counters[:3]:
            assert submit(citizen, counter).status_code == 303
    clock.advance(timedelta(hours=25))
    assert submit(script, counters[0]).status_code == 303
    assert [r.status for r in stored()[6:]] == ["valid"] * 10


@pytest.mark.config(FLAG_FINGERPRINT_MAX_COUNTERS=1)
def test_the_fingerprint_rule_follows_the_units_own_threshold(app, build, clock):
    from feedback_app.services.flags import set_flag_thresholds

    strict, lenient = build.unit(), build.unit()
    strict_counters = [build.counter(strict) for _ in range(2)]
    lenient_counters = [build.counter(lenient) for _ in range(2)]
    with app.test_request_context():
        set_flag_thresholds(lenient, {"fingerprint_max_counters": 5})
    db.session.commit()
    for counters in (strict_counters, lenient_counters):
        browser = app.test_client()
        for counter in counters:
            assert submit(browser, counter).status_code == 303
            clock.advance(timedelta(minutes=10))
    assert [r.status for r in stored()] == ["flagged", "flagged", "valid", "valid"]
