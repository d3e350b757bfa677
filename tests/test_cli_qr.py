"""``flask welcome`` lists every counter's survey link; ``flask qr`` picks its format from the file name, refuses a
mismatch, and uses the address of the running ``make run`` server (issue 13, item 5)."""

from __future__ import annotations

from feedback_app.extensions import db


def test_welcome_prints_one_survey_link_per_counter_and_the_public_pages(app, build):
    unit = build.unit(name="Disdukcapil Satu", slug="satu")
    build.counter(unit, public_code="SAT01", name="Loket KTP")
    build.counter(unit, public_code="SAT02", name="Loket KK")
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["welcome"]).output
    assert "/s/SAT01/" in output and "/s/SAT02/" in output
    assert "/u/satu" in output


def test_qr_infers_the_format_from_the_file_name(app, build, tmp_path):
    build.counter(public_code="QRX01")
    db.session.commit()
    runner = app.test_cli_runner()
    svg = tmp_path / "loket.svg"
    assert runner.invoke(args=["qr", "QRX01", "-o", str(svg)]).exit_code == 0
    assert svg.read_text().startswith("<svg")
    png = tmp_path / "loket.png"
    assert runner.invoke(args=["qr", "QRX01", "-o", str(png)]).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_qr_refuses_a_format_that_contradicts_the_file_name(app, build, tmp_path):
    build.counter(public_code="QRX01")
    db.session.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "loket.png"
    result = runner.invoke(args=["qr", "QRX01", "-o", str(target), "--format", "svg"])
    assert result.exit_code != 0 and ".png" in result.output and not target.exists()
    result = runner.invoke(args=["qr", "QRX01", "-o", str(tmp_path / "loket.jpg")])
    assert result.exit_code != 0 and "png or svg" in result.output


def test_qr_uses_the_address_make_run_is_serving(app, build, tmp_path, monkeypatch):
    build.counter(public_code="QRX01")
    db.session.commit()
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    runner = app.test_cli_runner()
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:8080"  # what `PORT=8080 make run` serves
    assert runner.invoke(args=["welcome", "--record"]).exit_code == 0
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"  # a later `flask qr` outside make: the default
    result = runner.invoke(args=["qr", "QRX01", "-o", str(tmp_path / "q.svg")])
    assert result.exit_code == 0 and "http://127.0.0.1:8080/s/QRX01/" in result.output
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://survei.example.go.id")  # an explicit choice wins
    app.config["PUBLIC_BASE_URL"] = "https://survei.example.go.id"
    result = runner.invoke(args=["qr", "QRX01", "-o", str(tmp_path / "q.svg")])
    assert "https://survei.example.go.id/s/QRX01/" in result.output
