"""A unit admin's pages: the counter list, QR images, printable posters and revoking a leaked poster."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Counter
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import hidden_fields, login, need_tool, run_checked

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ASK = "Sudah dilayani? Pindai kode QR ini dan beri penilaian Anda, kurang dari 1 menit."


@pytest.fixture
def unit(build):
    return build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")


@pytest.fixture
def admin(client, build, unit):
    """The client, logged in as the admin of ``unit``."""
    user = build.user("admin-bogor", {"admin"}, unit=unit)
    db.session.commit()
    login(client, user)
    return client


def path_of(counter) -> str:
    return counter_survey_url(counter).removeprefix("http://survey.test")


def version_of(code: str) -> int:
    return db.session.scalar(select(Counter.poster_version).where(Counter.public_code == code))


def revoke_form(client, code: str) -> dict[str, str]:
    """The fields of the confirmation form that the list's revoke button leads to (a step, never one click)."""
    html = client.get("/admin/").get_data(as_text=True)
    button = re.search(rf'<form[^>]*method="get"[^>]*action="/admin/loket/{code}/cabut-poster"[^>]*>', html)
    assert button, f"no revoke button for {code}"
    page = client.get(f"/admin/loket/{code}/cabut-poster").get_data(as_text=True)
    match = re.search(
        rf'<form[^>]*method="post"[^>]*action="/admin/loket/{code}/cabut-poster"[^>]*>(.*?)</form>', page, re.S
    )
    assert match, f"no confirmation form for {code}"
    return {**hidden_fields(match.group(1)), "confirm": "ya"}


def test_counter_list_links_each_active_counters_posters(admin, build, unit):
    counter = build.counter(unit, public_code="BGR01", name="Loket KTP-el")
    closed = build.counter(unit, public_code="BGR02", name="Loket Tutup", active=False)
    db.session.commit()
    response = admin.get("/admin/")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Disdukcapil Kota Bogor" in html and "Loket KTP-el" in html and "Loket Tutup" in html
    for link in (
        "/admin/loket/BGR01/poster",
        "/admin/loket/BGR01/qr.png",
        "/admin/loket/BGR01/qr.svg",
        counter_survey_url(counter),
        "/admin/unit/kota-bogor/poster",
    ):
        assert f'href="{link}"' in html, link
    assert "Cabut poster lama (versi 1)" in html
    # An inactive counter is listed as such, without posters to print.
    assert "tidak aktif" in html
    assert "/admin/loket/BGR02/" not in html and counter_survey_url(closed) not in html


def test_counter_list_without_counters_says_so(admin):
    html = admin.get("/admin/").get_data(as_text=True)
    assert "Belum ada loket." in html


def test_png_is_a_qr_code_of_the_survey_url(admin, build, unit, tmp_path):
    counter = build.counter(unit, public_code="BGR01")
    db.session.commit()
    response = admin.get("/admin/loket/BGR01/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(PNG_SIGNATURE)
    assert 'filename="qr-BGR01.png"' in response.headers["Content-Disposition"]
    image = tmp_path / "qr.png"
    image.write_bytes(response.data)
    assert run_checked([need_tool("zbarimg"), "--quiet", "--raw", str(image)]).strip() == counter_survey_url(counter)


def test_svg_is_an_svg_document(admin, build, unit):
    build.counter(unit, public_code="BGR01")
    db.session.commit()
    response = admin.get("/admin/loket/bgr01/qr.svg")  # the code is not case-sensitive
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag.rpartition("}")[2] == "svg"
    assert root.find("{*}path") is not None  # it draws the modules


@pytest.mark.parametrize(
    "path",
    [
        "/admin/loket/BGR01/qr.gif",
        "/admin/loket/NOPE9/qr.png",
        "/admin/loket/NOPE9/poster",
        "/admin/unit/tidak-ada/poster",
    ],
)
def test_unknown_format_counter_or_unit_is_not_found(admin, build, unit, path):
    build.counter(unit, public_code="BGR01")
    db.session.commit()
    assert admin.get(path).status_code == 404


def test_single_poster_is_ready_to_print(admin, build, unit):
    counter = build.counter(unit, public_code="BGR01", name="Loket Akta Kelahiran")
    db.session.commit()
    response = admin.get("/admin/loket/BGR01/poster")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Loket Akta Kelahiran" in html and "Disdukcapil Kota Bogor" in html
    url = counter_survey_url(counter)
    assert url.startswith("http://survey.test/s/BGR01/")
    assert f'<p class="url">{url}</p>' in html
    assert ASK in html
    assert html.count('<section class="poster">') == 1
    assert "<svg" in html and "<script" not in html.lower()
    assert "poster versi 1" in html


def test_unit_sheet_has_one_poster_per_active_counter(admin, build, unit):
    for n in (1, 2, 3):
        build.counter(unit, public_code=f"BGR0{n}", name=f"Loket Aktif {n}")
    build.counter(unit, public_code="BGR09", name="Loket Tutup", active=False)
    build.counter(build.unit(name="Unit Lain"), public_code="LAIN1", name="Loket Lain")
    db.session.commit()
    html = admin.get("/admin/unit/kota-bogor/poster").get_data(as_text=True)
    assert html.count('<section class="poster">') == 3
    assert html.count("<svg") == 3
    assert all(f"Loket Aktif {n}" in html for n in (1, 2, 3))
    assert "Loket Tutup" not in html and "BGR09" not in html and "Loket Lain" not in html


def test_unit_sheet_without_active_counters_says_so(admin, build, unit):
    build.counter(unit, public_code="BGR09", active=False)
    db.session.commit()
    html = admin.get("/admin/unit/kota-bogor/poster").get_data(as_text=True)
    assert '<section class="poster">' not in html
    assert "Unit ini belum punya loket aktif." in html


def test_revoking_a_poster_retires_its_link_and_issues_a_new_one(admin, build, unit):
    counter = build.counter(unit, public_code="BGR01")
    db.session.commit()
    old = path_of(counter)
    assert admin.get(old).status_code == 200
    response = admin.post("/admin/loket/BGR01/cabut-poster", data=revoke_form(admin, "BGR01"))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert version_of("BGR01") == 2
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Poster lama loket BGR01 tidak berlaku lagi. Cetak poster baru." in page
    assert "Cabut poster lama (versi 2)" in page
    db.session.refresh(counter)
    new = path_of(counter)
    assert new != old
    retired = admin.get(old)
    assert retired.status_code == 410 and "tanyakan kepada petugas di loket" in retired.get_data(as_text=True)
    assert admin.get(new).status_code == 200
    poster = admin.get("/admin/loket/BGR01/poster").get_data(as_text=True)
    assert f"http://survey.test{new}" in poster and f"http://survey.test{old}" not in poster


def test_revoking_without_csrf_token_changes_nothing(admin, build, unit):
    counter = build.counter(unit, public_code="BGR01")
    db.session.commit()
    old = path_of(counter)
    assert admin.post("/admin/loket/BGR01/cabut-poster").status_code == 400
    assert admin.post("/admin/loket/BGR01/cabut-poster", data={"csrf_token": "forged"}).status_code == 400
    assert version_of("BGR01") == 1
    assert admin.get(old).status_code == 200


def test_a_double_click_on_revoke_revokes_once(app, build):
    from tests.helpers import hidden_fields, login

    unit = build.unit()
    counter = build.counter(unit)
    admin = build.user("admin-dobel", {"admin"}, unit=unit)
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    page = client.get("/admin/").get_data(as_text=True)
    form = {"csrf_token": hidden_fields(page)["csrf_token"], "poster_version": "1", "confirm": "ya"}
    for _ in range(2):
        assert client.post(f"/admin/loket/{counter.public_code}/cabut-poster", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(counter), counter.id).poster_version == 2


def test_revoking_takes_a_confirmation_step_and_one_click_changes_nothing(admin, build, unit):
    build.counter(unit, public_code="BGR01")
    db.session.commit()
    html = admin.get("/admin/").get_data(as_text=True)
    assert 'class="link" type="submit">cabut' not in html  # a button that looks like one, not like a link
    page = admin.get("/admin/loket/BGR01/cabut-poster")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "tidak berlaku lagi" in text and "versi 1" in text
    one_click = admin.post("/admin/loket/BGR01/cabut-poster", data={"csrf_token": hidden_fields(text)["csrf_token"]})
    assert one_click.status_code == 302 and one_click.headers["Location"] == "/admin/loket/BGR01/cabut-poster"
    assert version_of("BGR01") == 1


def test_a_forged_or_unknown_poster_is_still_not_found(admin, build, unit):
    counter = build.counter(unit, public_code="BGR01")
    db.session.commit()
    assert admin.get(path_of(counter)[:-2] + "zz").status_code == 404
    assert admin.get("/s/NOPE1/1abcdefgh").status_code == 404
