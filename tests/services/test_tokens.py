"""The signed tokens (services/tokens.py): counter posters, ticket QR codes; the duty reference is tested with
attribution (tests/services/test_attribution.py), the answer reference with the thank-you page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback_app.services.tickets import TicketEventInput
from feedback_app.services.tokens import (
    TicketTokenExpired,
    TicketTokenInvalid,
    counter_token,
    ticket_survey_url,
    verify_counter_token,
    verify_ticket_token,
)
from tests.services.test_tickets import item, record, ticket, world  # noqa: F401  (world is a fixture)

# --- the counter's poster ----------------------------------------------------------------------------------------


def test_tampering_poster_version_and_key_rotation(app, build):
    counter = build.counter()
    token = counter_token(counter)
    assert verify_counter_token(counter, token)
    assert not verify_counter_token(counter, token[:-1] + ("x" if token[-1] != "x" else "y"))
    assert not verify_counter_token(counter, "9" + token[1:])  # unknown key id
    counter.poster_version += 1
    assert not verify_counter_token(counter, token)  # old posters revoked
    old_poster = counter_token(counter)
    # Rotate: new key "2"; posters signed with key "1" keep working while it is listed as retired.
    app.config.update(QR_SIGNING_KEY_ID="2", QR_SIGNING_KEY="new-key", QR_RETIRED_KEYS={"1": "test-qr-key"})
    assert counter_token(counter).startswith("2") and counter_token(counter) != old_poster
    assert verify_counter_token(counter, old_poster)
    app.config.update(QR_RETIRED_KEYS={})
    assert not verify_counter_token(counter, old_poster)


def test_signature_does_not_depend_on_secret_key(app, build):
    counter = build.counter()
    token = counter_token(counter)
    app.config["SECRET_KEY"] = "rotated-session-secret"
    assert counter_token(counter) == token


# --- the ticket's survey token -----------------------------------------------------------------------------------


def test_the_survey_url_is_stable_short_and_verifies(world, clock):
    [result] = record(world, [item(world, "T1", "issued", 0)], clock)
    url = ticket_survey_url(result.ticket)
    clock.advance(timedelta(hours=3))
    assert ticket_survey_url(ticket("T1")) == url  # a retry or a reprint gives the same QR
    assert url.startswith("http://survey.test/s/t/") and len(url) < 80
    assert verify_ticket_token(url.rsplit("/", 1)[1]) == result.ticket.id


def test_a_tampered_token_is_invalid_and_an_old_one_expired(world, clock):
    [result] = record(world, [item(world, "T2", "issued", 0)], clock)
    token = ticket_survey_url(result.ticket).rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), f"MTIzNDU.{stamp}.{signature}", "", "abc"):
        with pytest.raises(TicketTokenInvalid):
            verify_ticket_token(forged)
    clock.set(world.base + timedelta(days=7) - timedelta(seconds=1))
    assert verify_ticket_token(token) == result.ticket.id
    clock.set(world.base + timedelta(days=7, seconds=1))
    with pytest.raises(TicketTokenExpired):
        verify_ticket_token(token)


@pytest.mark.config(TICKET_SURVEY_MAX_AGE_DAYS=1)
def test_the_survey_lifetime_is_configurable(world, clock):
    [result] = record(world, [item(world, "T3", "issued", 0)], clock)
    token = ticket_survey_url(result.ticket).rsplit("/", 1)[1]
    clock.set(world.base + timedelta(days=1, seconds=1))
    with pytest.raises(TicketTokenExpired):
        verify_ticket_token(token)


def test_a_token_stamped_slightly_in_the_future_is_valid(world, clock):
    """A queue machine whose clock runs ahead issues tickets 'in the future'; their QR must still work."""
    [result] = record(
        world, [TicketEventInput("T4", "BGR01", "KTP-el", "issued", clock.now() + timedelta(minutes=4))], clock
    )
    assert verify_ticket_token(ticket_survey_url(result.ticket).rsplit("/", 1)[1]) == result.ticket.id
