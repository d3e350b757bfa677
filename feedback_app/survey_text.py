"""The official wording of the nine SKM questions and their answer labels (PermenPANRB 14/2017, spec §1.1).

Indonesian is the source text; English comes from the translation catalogue. Answers are stored under these codes,
never by their position on the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Unsur:
    code: str  # "u1".."u9"
    name: object  # lazy string
    question: object
    labels: tuple[object, object, object, object]  # for answers 1, 2, 3, 4


UNSUR = (
    Unsur(
        "u1",
        _l("Persyaratan"),
        _l("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?"),
        (_l("Tidak sesuai"), _l("Kurang sesuai"), _l("Sesuai"), _l("Sangat sesuai")),
    ),
    Unsur(
        "u2",
        _l("Sistem, Mekanisme, dan Prosedur"),
        _l("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?"),
        (_l("Tidak mudah"), _l("Kurang mudah"), _l("Mudah"), _l("Sangat mudah")),
    ),
    Unsur(
        "u3",
        _l("Waktu Penyelesaian"),
        _l("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?"),
        (_l("Tidak cepat"), _l("Kurang cepat"), _l("Cepat"), _l("Sangat cepat")),
    ),
    Unsur(
        "u4",
        _l("Biaya/Tarif"),
        _l("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?"),
        (_l("Sangat mahal"), _l("Cukup mahal"), _l("Murah"), _l("Gratis")),
    ),
    Unsur(
        "u5",
        _l("Produk Spesifikasi Jenis Pelayanan"),
        _l(
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
            "pelayanan dengan hasil yang diberikan?"
        ),
        (_l("Tidak sesuai"), _l("Kurang sesuai"), _l("Sesuai"), _l("Sangat sesuai")),
    ),
    Unsur(
        "u6",
        _l("Kompetensi Pelaksana"),
        _l("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?"),
        (_l("Tidak kompeten"), _l("Kurang kompeten"), _l("Kompeten"), _l("Sangat kompeten")),
    ),
    Unsur(
        "u7",
        _l("Perilaku Pelaksana"),
        _l("Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?"),
        (
            _l("Tidak sopan dan ramah"),
            _l("Kurang sopan dan ramah"),
            _l("Sopan dan ramah"),
            _l("Sangat sopan dan ramah"),
        ),
    ),
    Unsur(
        "u8",
        _l("Sarana dan Prasarana"),
        _l("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"),
        (_l("Buruk"), _l("Cukup"), _l("Baik"), _l("Sangat baik")),
    ),
    Unsur(
        "u9",
        _l("Penanganan Pengaduan, Saran dan Masukan"),
        _l("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?"),
        (
            _l("Tidak ada"),
            _l("Ada tetapi tidak berfungsi"),
            _l("Berfungsi kurang maksimal"),
            _l("Dikelola dengan baik"),
        ),
    ),
)

PROFILE_LABELS = {
    "respondent_sex": (_l("Jenis kelamin"), {"L": _l("Laki-laki"), "P": _l("Perempuan")}),
    "age_band": (
        _l("Umur"),
        {
            "<=19": _l("≤ 19 tahun"),
            "20-29": _l("20–29 tahun"),
            "30-39": _l("30–39 tahun"),
            "40-49": _l("40–49 tahun"),
            "50-59": _l("50–59 tahun"),
            ">=60": _l("≥ 60 tahun"),
        },
    ),
    "education": (
        _l("Pendidikan"),
        {
            "SD": _l("SD ke bawah"),
            "SMP": _l("SMP"),
            "SMA": _l("SMA"),
            "D1-D4": _l("D1–D3–D4"),
            "S1": _l("S1"),
            "S2+": _l("S2 ke atas"),
        },
    ),
    "occupation": (
        _l("Pekerjaan"),
        {
            "PNS": _l("PNS"),
            "TNI": _l("TNI"),
            "POLRI": _l("POLRI"),
            "Swasta": _l("Swasta"),
            "Wirausaha": _l("Wirausaha"),
            "Lainnya": _l("Lainnya"),
        },
    ),
}
