"""QR codes as images (PNG for screens, SVG for print), and revoking a counter's printed posters.

What a code says (the signed URLs of a counter or a ticket) is made in :mod:`.tokens`; revoking raises the
counter's poster version, which every poster token is signed over.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from sqlalchemy import CursorResult, update

from ..extensions import db
from ..models import Counter
from .audit import record_audit


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
