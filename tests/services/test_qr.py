"""Counter QR images decode, with an independent decoder, to the exact survey URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from feedback_app.extensions import db
from feedback_app.services.qr import qr_png, qr_svg
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import need_tool, run_checked


def decode_with_zbar(path) -> str:
    return run_checked([need_tool("zbarimg"), "--quiet", "--raw", str(path)]).strip()


def test_cli_png_decodes_to_the_exact_survey_url_which_opens_the_survey(app, build, tmp_path):
    counter = build.counter(public_code="BGR07")
    db.session.commit()
    target = tmp_path / "loket.png"
    result = app.test_cli_runner().invoke(args=["qr", "BGR07", "-o", str(target)])
    assert result.exit_code == 0, result.output
    url = decode_with_zbar(target)
    assert url == counter_survey_url(counter)
    assert url.startswith("http://survey.test/s/BGR07/")
    token = url.rsplit("/", 1)[1]
    assert 8 <= len(token) - 1 <= 10  # key id + short signature
    page = app.test_client().get(url.removeprefix("http://survey.test"))
    assert page.status_code == 200 and counter.name in page.get_data(as_text=True)


def test_cli_svg_is_a_valid_svg_of_the_same_code(app, build, tmp_path):
    build.counter(public_code="BGR08")
    db.session.commit()
    target = tmp_path / "loket.svg"
    result = app.test_cli_runner().invoke(args=["qr", "bgr08", "-o", str(target), "--format", "svg"])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(target.read_text())
    assert root.tag.endswith("svg")


def test_cli_unknown_counter_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["qr", "NOPE", "-o", str(tmp_path / "x.png")])
    assert result.exit_code != 0 and "no counter with code 'NOPE'" in result.output


def test_png_service_bytes_decode(app, build, tmp_path):
    target = tmp_path / "x.png"
    target.write_bytes(qr_png("http://survey.test/s/ABC/1abcdefgh"))
    assert decode_with_zbar(target) == "http://survey.test/s/ABC/1abcdefgh"
    assert qr_svg("x").lstrip().startswith("<")
