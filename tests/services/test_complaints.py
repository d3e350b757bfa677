"""Complaints: tracking codes with a check character, the lifecycle, audit rows, due dates, mail, erasure."""

from __future__ import annotations

import socketserver
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.identifiers import (
    ISO7064_ALPHABET,
    TRACKING_BODY_ALPHABET,
    InvalidTrackingCode,
    iso7064_check_character,
    new_tracking_code,
    normalise_tracking_code,
)
from feedback_app.models import AuditEvent, Holiday
from feedback_app.services.complaints import (
    ComplaintError,
    answer_complaint,
    classify_complaint,
    close_complaint,
    desk_complaints,
    erase_old_contacts,
    file_complaint,
    forward_complaint,
    mail_answer,
    reject_complaint,
    verify_complaint,
)

bodies = st.text(alphabet=TRACKING_BODY_ALPHABET, min_size=9, max_size=9)


def _code(body: str) -> str:
    return body + iso7064_check_character(body)


def test_the_iso_7064_mod_37_2_check_character_matches_the_standards_example():
    assert iso7064_check_character("G123489654321") == "Y"


@given(bodies, st.integers(0, 9), st.sampled_from(ISO7064_ALPHABET[:-1]))
def test_every_single_wrong_character_is_caught(body, position, replacement):
    code = _code(body)
    typo = code[:position] + replacement + code[position + 1 :]
    if typo != code:
        with pytest.raises(InvalidTrackingCode):
            normalise_tracking_code(typo)


@given(bodies, st.integers(0, 8))
def test_every_swap_of_two_neighbours_is_caught(body, position):
    code = _code(body)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        with pytest.raises(InvalidTrackingCode):
            normalise_tracking_code(swapped)


def test_new_codes_are_short_readable_and_accepted_however_typed():
    code = new_tracking_code()
    assert len(code) == 10 and set(code[:9]) <= set(TRACKING_BODY_ALPHABET) and code[-1] != "*"
    assert normalise_tracking_code(f" {code[:5].lower()}-{code[5:]} ") == code


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_whole_lifecycle_leaves_one_audit_row_per_step_and_a_public_timeline(build, clock):
    unit = build.unit()
    complaint = file_complaint(unit, kind="pengaduan", text="Petugas tidak ramah", contact="0812 3456 7890")
    assert complaint.contact == "081234567890" and complaint.status == "diterima"
    # Received Wednesday 14 Oct 2026: 3 and 5 working days.
    assert (complaint.first_response_due, complaint.settlement_due) == (date(2026, 10, 19), date(2026, 10, 21))
    [filed] = _audit("complaint.file")
    assert filed.actor_kind == "system" and "0812" not in str(filed.after)
    verify_complaint(complaint)
    classify_complaint(complaint, "dispute")
    assert complaint.settlement_due == date(2027, 1, 6)  # 60 working days: twelve weeks
    clock.advance(timedelta(hours=5))
    answer_complaint(complaint, "Kami sudah menegur petugas yang bersangkutan.")
    assert complaint.first_response_at == clock.now()
    close_complaint(complaint)
    assert complaint.status == "selesai" and complaint.settled_at == clock.now()
    for action in ("verify", "classify", "answer", "close"):
        assert len(_audit(f"complaint.{action}")) == 1, action
    public = [event.step for event in complaint.events if event.public]
    assert public == ["received", "verified", "answered", "closed"]  # the classification is internal


def test_steps_out_of_order_are_refused(build, clock):
    complaint = file_complaint(build.unit(), kind="saran", text="Tambah kursi")
    with pytest.raises(ComplaintError) as error:
        close_complaint(complaint)
    assert error.value.code == "state"
    with pytest.raises(ComplaintError):
        reject_complaint(complaint, " ")
    reject_complaint(complaint, "Bukan kewenangan unit ini")
    assert complaint.status == "ditolak" and complaint.events[-1].text == "Bukan kewenangan unit ini"


def test_holidays_push_the_due_dates(build, clock):
    db.session.add(Holiday(day=date(2026, 10, 15), name="Libur"))
    complaint = file_complaint(build.unit(), kind="pengaduan", text="Lama")
    assert complaint.first_response_due == date(2026, 10, 20)


def test_forwarding_stays_inside_the_instansi(build, clock):
    instansi = build.unit(slug="pemkot")
    a, b = build.unit(parent=instansi), build.unit(parent=instansi)
    elsewhere = build.unit()
    complaint = file_complaint(a, kind="informasi", text="Syarat akta?")
    with pytest.raises(ComplaintError) as error:
        forward_complaint(complaint, elsewhere)
    assert error.value.code == "forward_instansi"
    forward_complaint(complaint, b)
    assert (complaint.unit_id, complaint.forwarded_from_unit_id, complaint.status) == (b.id, a.id, "diteruskan")
    verify_complaint(complaint)  # the receiving desk takes it over


def test_overdue_complaints_come_first_on_the_desk(build, clock):
    unit = build.unit()
    old = file_complaint(unit, kind="pengaduan", text="Lama sekali", at=clock.now() - timedelta(days=10))
    new = file_complaint(unit, kind="pengaduan", text="Baru saja")
    rows = desk_complaints([unit])
    assert [(row.complaint.id, row.overdue) for row in rows] == [(old.id, True), (new.id, False)]


def test_contacts_are_erased_90_days_after_the_end_and_not_before(build, clock):
    unit = build.unit()
    done = file_complaint(unit, kind="pengaduan", text="A", contact="warga@contoh.id")
    verify_complaint(done)
    answer_complaint(done, "Jawaban")
    close_complaint(done)
    still_open = file_complaint(unit, kind="pengaduan", text="B", contact="0811111111")
    clock.advance(timedelta(days=89))
    assert erase_old_contacts() == 0 and done.contact == "warga@contoh.id"
    clock.advance(timedelta(days=2))
    assert erase_old_contacts() == 1
    assert done.contact is None and done.contact_erased_at == clock.now()
    assert still_open.contact == "0811111111"
    [row] = _audit("complaint.erase_contacts")
    assert row.after["erased"] == 1


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message (HELO/EHLO, MAIL, RCPT, DATA, QUIT)."""

    def handle(self) -> None:
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append(data.decode())  # type: ignore[attr-defined]
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_answer_is_mailed_to_a_local_smtp_server(app, build, clock, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1], MAIL_FROM="sw@test")
    complaint = file_complaint(build.unit(name="Disdukcapil Uji"), kind="pengaduan", text="X", contact="a@b.id")
    verify_complaint(complaint)
    event = answer_complaint(complaint, "Berkas Anda sudah siap diambil.")
    with app.test_request_context():
        assert mail_answer(complaint, event, "http://survey.test/pengaduan/X") is True
    [message] = smtp_server.messages
    assert "To: a@b.id" in message and "Berkas Anda sudah siap diambil." in message
    assert "Disdukcapil Uji" in message


def test_no_mail_without_an_email_address_or_without_smtp(app, build, clock):
    complaint = file_complaint(build.unit(), kind="pengaduan", text="X", contact="081234567890")
    verify_complaint(complaint)
    event = answer_complaint(complaint, "Jawaban")
    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert mail_answer(complaint, event, "u") is False  # a phone number is not mailed
    complaint.contact, app.config["MAIL_SERVER"] = "a@b.id", None
    assert mail_answer(complaint, event, "u") is False


def test_a_bad_contact_is_refused(build, clock):
    with pytest.raises(ComplaintError) as error:
        file_complaint(build.unit(), kind="pengaduan", text="X", contact="bukan kontak")
    assert error.value.code == "contact"


def test_one_survey_answer_becomes_one_complaint_at_most(build, clock):
    unit = build.unit()
    from tests.test_models import _response

    counter = build.counter(unit)
    answer = _response(counter)
    db.session.add(answer)
    db.session.flush()
    file_complaint(unit, kind="pengaduan", text="X", survey_response_id=answer.id)
    with pytest.raises(ComplaintError) as error:
        file_complaint(unit, kind="pengaduan", text="Y", survey_response_id=answer.id)
    assert error.value.code == "already_filed"


def test_datetime_defaults_are_aware(build, clock):
    complaint = file_complaint(build.unit(), kind="pengaduan", text="X")
    assert complaint.received_at == datetime(2026, 10, 14, 2, 30, tzinfo=UTC)
