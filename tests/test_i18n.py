"""feedback_app.i18n: lazy translations are escaped where a page shows them, whatever they quote."""

from __future__ import annotations

from flask import render_template_string

from feedback_app.i18n import lazy_gettext


def test_a_lazy_message_escapes_the_values_it_quotes_in_a_page(app):
    message = lazy_gettext("Loket %(code)s tidak dikenal.", code='<script>alert("x")</script>')
    with app.test_request_context("/"):
        html = render_template_string("<p>{{ message }}</p>", message=message)
        assert html == "<p>Loket &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; tidak dikenal.</p>"
        assert str(message) == 'Loket <script>alert("x")</script> tidak dikenal.'  # plain text stays plain


def test_a_lazy_message_is_translated_in_a_page(app):
    message = lazy_gettext("Saran paling panjang %(max)d karakter.", max=500)
    with app.test_request_context("/?lang=en"):
        html = render_template_string("{{ message }}", message=message)
    assert "500" in html and "Saran" not in html
