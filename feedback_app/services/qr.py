"""Signed counter QR codes: the URL, its verification, and the PNG/SVG images.

A counter's URL is ``PUBLIC_BASE_URL/s/<public code>/<token>``. The token is one character of key id followed by
eight base32 characters of an HMAC-SHA256 over the code and the counter's poster version, keyed with
``QR_SIGNING_KEY`` (never ``SECRET_KEY``). Raising the poster version revokes every poster printed before; a new
key id lets the key rotate while posters signed with a retired key keep working until they are reprinted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from typing import TYPE_CHECKING

import qrcode
import qrcode.image.svg
from flask import current_app
from sqlalchemy import CursorResult, update

from ..extensions import db
from ..models import Counter
from .audit import record_audit

if TYPE_CHECKING:
    from .survey import SurveyCounter

SIGNATURE_CHARS = 8


def revoke_posters(counter: Counter, shown_version: int | None) -> bool:
    """Raise the counter's poster version, so every poster printed before stops working; the caller commits.

    In SQL, so two admins revoking at once both count; the version the page showed makes a double click (the same
    version twice) revoke once. Returns whether this call revoked anything (and so was audited).
    """
    bump = update(Counter).where(Counter.id == counter.id).values(poster_version=Counter.poster_version + 1)
    if shown_version is not None:
        bump = bump.where(Counter.poster_version == shown_version)
    result = db.session.execute(bump.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    revoked = bool(result.rowcount)
    if revoked:
        before = shown_version if shown_version is not None else counter.poster_version
        record_audit(
            "counter.rotate_qr",
            entity="counter",
            entity_id=counter.id,
            unit_id=counter.unit_id,
            before={"poster_version": before},
            after={"poster_version": before + 1},
        )
    db.session.expire(counter, ["poster_version"])
    return revoked


def _keys() -> dict[str, str]:
    config = current_app.config
    keys = dict(config.get("QR_RETIRED_KEYS") or {})
    keys[config["QR_SIGNING_KEY_ID"]] = config["QR_SIGNING_KEY"]
    return keys


def _signature(key: str, code: str, poster_version: int) -> str:
    digest = hmac.new(key.encode(), f"{code}:{poster_version}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_CHARS].lower()


def counter_token(counter: Counter) -> str:
    """The token printed on the counter's current poster, signed with the current key."""
    key_id = current_app.config["QR_SIGNING_KEY_ID"]
    if len(key_id) != 1 or not key_id.isalnum():
        raise RuntimeError("QR_SIGNING_KEY_ID must be a single letter or digit")
    return key_id + _signature(current_app.config["QR_SIGNING_KEY"], counter.public_code, counter.poster_version)


def verify_counter_token(counter: Counter | SurveyCounter, token: str) -> bool:
    """Whether ``token`` was issued for this counter's current poster by a key we still honour."""
    if len(token) != 1 + SIGNATURE_CHARS or not token.isascii():
        return False
    key = _keys().get(token[0])
    if key is None:
        return False
    expected = _signature(key, counter.public_code, counter.poster_version)
    return hmac.compare_digest(expected, token[1:].lower())


def counter_survey_url(counter: Counter) -> str:
    """The absolute URL a citizen reaches by scanning the counter's poster."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/s/{counter.public_code}/{counter_token(counter)}"


def _qr(data: str) -> qrcode.QRCode:
    # Level M survives a creased or slightly dirty poster and keeps the code small enough for cheap cameras.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """A PNG of the QR code for ``data``."""
    buffer = io.BytesIO()
    _qr(data).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> str:
    """A standalone SVG document of the QR code for ``data`` (scales to any print size)."""
    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
