"""The language switch and ``<html lang>`` follow the visitor's choice on every page (issue 13, item 5)."""

from __future__ import annotations

import pytest

from feedback_app.extensions import db
from tests.helpers import login


@pytest.mark.parametrize("path", ["/", "/masuk", "/pengaduan"])
def test_in_english_the_switch_offers_indonesian_and_the_page_says_it_is_english(client, path):
    html = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'lang="id">Bahasa Indonesia</a>' in html and 'lang="en">English</a>' not in html
    back = client.get(f"{path}?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in back and 'lang="en">English</a>' in back


def test_staff_pages_in_english_say_so(client, build):
    admin = build.user("admin-lang", {"admin"})
    db.session.commit()
    login(client, admin)
    html = client.get("/admin/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<html lang="en">' in client.get("/admin/").get_data(as_text=True)  # remembered by the cookie
