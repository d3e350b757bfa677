"""NIP / NI PPPK validation names the wrong part; personal data in free text is masked (spec §5)."""

from __future__ import annotations

import pytest

from feedback_app.identifiers import InvalidNIP, mask_personal_data, validate_nip


@pytest.mark.parametrize("nip", ["198503152010011002", "199012312015032001", "199105062023211004"])
def test_valid_pns_and_pppk_numbers(nip):
    assert validate_nip(nip) == nip


@pytest.mark.parametrize(
    ("nip", "part"),
    [
        ("198502302010011002", "birth date"),
        ("198503152010131002", "appointment month"),
        ("198503152000011002", "17th birthday"),
        ("198503152010013002", "sex digit"),
        ("198503152010011000", "sequence"),
        ("1.98503E+17", "spreadsheet"),
        ("19850315201001100", "1 digit(s) missing"),
        ("19850315201001100a", "18 digits"),
        ("199105062003211004", "17th birthday"),
    ],
)
def test_invalid_numbers_name_the_wrong_part(nip, part):
    with pytest.raises(InvalidNIP, match=part.replace("(", r"\(").replace(")", r"\)")):
        validate_nip(nip)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("NIK 3201123456780004", "NIK 3201********0004"),
        ("hubungi 081234567890", "hubungi 08*******890"),
        ("wa +6281234567890", "wa +628*******890"),
        ("email budi.santoso@example.go.id", "email b***@example.go.id"),
        ("antrean 45 menit, loket 3", "antrean 45 menit, loket 3"),
    ],
)
def test_masking(text, masked):
    assert mask_personal_data(text) == masked
