"""Indonesian identifiers (spec §5): NIP / NI PPPK validation, and masking of NIK, phone numbers and e-mail."""

from __future__ import annotations

import re
import secrets
from datetime import date


class InvalidNIP(ValueError):
    """A NIP that is not 18 digits or whose parts do not make sense; the message names the part.

    ``part`` names it for a translated message: ``shape``, ``birth_date``, ``appointment``, ``sex`` or ``sequence``.
    """

    def __init__(self, message: str, part: str = "shape") -> None:
        super().__init__(message)
        self.part = part


def _date(text: str, part: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise InvalidNIP(f"{part} {text} is not a real date (YYYYMMDD)", "birth_date") from None


def validate_nip(nip: str) -> str:
    """Check a NIP (PNS) or NI PPPK and return it; raise :class:`InvalidNIP` naming the wrong part.

    PNS: birth date YYYYMMDD + appointment YYYYMM + sex (1/2) + sequence (3).
    PPPK: birth date YYYYMMDD + appointment year YYYY + "21" + sex (1/2) + sequence (3).

    >>> validate_nip("198503152010011002")
    '198503152010011002'
    >>> try:
    ...     validate_nip("1.98503E+17")
    ... except InvalidNIP as error:
    ...     print(error)
    NIP must be 18 digits, got '1.98503E+17' (a spreadsheet turned it into a number: format the column as text)
    """
    if not isinstance(nip, str) or not re.fullmatch(r"\d{18}", nip):
        hint = ""
        if isinstance(nip, str) and re.fullmatch(r"\d(\.\d+)?[eE]\+\d+", nip.strip()):
            hint = " (a spreadsheet turned it into a number: format the column as text)"
        elif isinstance(nip, str) and re.fullmatch(r"\d{15,17}", nip):
            hint = f" ({18 - len(nip)} digit(s) missing: leading zeros or digits lost?)"
        raise InvalidNIP(f"NIP must be 18 digits, got {nip!r}{hint}")
    birth = _date(nip[:8], "birth date")
    if nip[12:14] == "21":  # NI PPPK: YYYY + 21 (21 is never a month)
        appointed = date(int(nip[8:12]), 1, 1)
        appointed_last = date(int(nip[8:12]), 12, 31)
    else:
        month = int(nip[12:14])
        if not 1 <= month <= 12:
            raise InvalidNIP(f"appointment month {nip[8:14]} is not a real month (YYYYMM)", "appointment")
        appointed = date(int(nip[8:12]), month, 1)
        appointed_last = appointed
    seventeenth = date(birth.year + 17, birth.month, 28 if (birth.month, birth.day) == (2, 29) else birth.day)
    if appointed_last <= seventeenth:
        raise InvalidNIP(f"appointment {nip[8:14]} is not after the 17th birthday ({birth.isoformat()})", "appointment")
    if nip[14] not in "12":
        raise InvalidNIP(f"sex digit {nip[14]} must be 1 (male) or 2 (female)", "sex")
    if nip[15:] == "000":
        raise InvalidNIP("sequence number 000 is not used", "sequence")
    return nip


_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(\+62|62|0)8(\d[\d \-]{7,13}\d)(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 9 <= len(digits) <= 13 + (1 if match.group(0).startswith("+") else 0):
        return match.group(0)
    prefix = match.group(1) + "8"
    return prefix + "*" * (len(digits) - len(re.sub(r"\D", "", prefix)) - 3) + digits[-3:]


def mask_personal_data(text: str) -> str:
    """Mask NIKs, phone numbers and e-mail addresses in free text (everyone but the unit admin sees this).

    >>> mask_personal_data("NIK saya 3201123456780004, hp 081234567890, a.b@mail.id")
    'NIK saya 3201********0004, hp 08*******890, a***@mail.id'
    """
    text = _NIK.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(_mask_phone, text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


# --- Complaint tracking codes: random characters and an ISO 7064 MOD 37-2 check character --------------------------

#: ISO/IEC 7064 MOD 37-2 (a pure system) works over these 37 characters, valued 0-36 in this order.
ISO7064_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
#: The random part avoids characters people confuse when they read or type them (0/O, 1/I/L, U/V).
TRACKING_BODY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
TRACKING_BODY_LENGTH = 9  # 29⁹ ≈ 1.5 × 10¹³ codes: unguessable behind the rate limit


class InvalidTrackingCode(ValueError):
    """A tracking code that is malformed or whose check character does not match (a typo)."""


def iso7064_check_character(body: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 check character of ``body`` (digits and upper-case letters).

    A pure system over the prime 37: it catches every single wrong character and every swap of two neighbours
    (the hybrid MOD 37,36 misses some swaps). It may be ``*``; :func:`new_tracking_code` never hands those out.

    >>> iso7064_check_character("G123489654321")
    'Y'
    """
    product = 0
    for character in body:
        product = ((product + ISO7064_ALPHABET.index(character)) * 2) % 37
    return ISO7064_ALPHABET[(38 - product) % 37]


def new_tracking_code() -> str:
    """A fresh random code: nine characters that are hard to misread, then the check character (never ``*``)."""
    while True:
        body = "".join(secrets.choice(TRACKING_BODY_ALPHABET) for _ in range(TRACKING_BODY_LENGTH))
        check = iso7064_check_character(body)
        if check != "*":
            return body + check


def normalise_tracking_code(text: str) -> str:
    """The canonical form of a code as a citizen typed it (any case, spaces or dashes), checked.

    >>> normalise_tracking_code(" abcde-fgh2" + iso7064_check_character("ABCDEFGH2").lower())[:9]
    'ABCDEFGH2'
    """
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != TRACKING_BODY_LENGTH + 1 or any(c not in ISO7064_ALPHABET for c in code):
        raise InvalidTrackingCode(f"a tracking code has {TRACKING_BODY_LENGTH + 1} letters and digits")
    if iso7064_check_character(code[:-1]) != code[-1]:
        raise InvalidTrackingCode("the check character does not match: a character is wrong or two are swapped")
    return code


def format_tracking_code(code: str) -> str:
    """A code as printed, in groups that are easy to read out: ``ABCDE-FGHJK``.

    >>> format_tracking_code("ABCDEFGHJK")
    'ABCDE-FGHJK'
    """
    return f"{code[:5]}-{code[5:]}"
