"""The benchmark's fixed choices: the period, the unit, holidays, service types, sizes and targets."""

from __future__ import annotations

import resource
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bench import _postgres as postgres
from bench._report import markers

NAME = "scoring"


BEGIN, END = markers(NAME)


PERIOD = "2025"


UNIT_SLUG = "bench-scoring"


ZONE = "Asia/Jakarta"


OFFSET = 7 * 3600  # WIB has no daylight saving time


#: The application clock during the run: 2026-01-15 10:00 WIB, after the year, so the run is final.
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)


#: Local working days of this span are drawn from: the year plus a few weeks either side.
SPAN = (date(2024, 12, 16), date(2026, 1, 10))


PG_DATABASE, PG_DATABASE_SMALL = postgres.BENCH_DATABASES[1:]


TARGET_SECONDS = 60.0


TARGET_RATIO = 5.0


GENERATOR_VERSION = 2


EPOCH = date(1970, 1, 1)


UNSUR = tuple(f"u{i}" for i in range(1, 10))


IKP = ("u3", "u6", "u7")


#: National holidays (a working day is Monday-Friday less these, spec §2.4).
HOLIDAYS = {
    date(2024, 12, 25): "Hari Raya Natal",
    date(2024, 12, 26): "Cuti bersama Natal",
    date(2025, 1, 1): "Tahun Baru Masehi",
    date(2025, 1, 27): "Isra Mikraj",
    date(2025, 1, 29): "Tahun Baru Imlek",
    date(2025, 3, 28): "Cuti bersama Nyepi",
    date(2025, 3, 31): "Idulfitri",
    date(2025, 4, 1): "Idulfitri",
    date(2025, 4, 2): "Cuti bersama Idulfitri",
    date(2025, 4, 3): "Cuti bersama Idulfitri",
    date(2025, 4, 4): "Cuti bersama Idulfitri",
    date(2025, 4, 7): "Cuti bersama Idulfitri",
    date(2025, 4, 18): "Wafat Yesus Kristus",
    date(2025, 5, 1): "Hari Buruh",
    date(2025, 5, 12): "Waisak",
    date(2025, 5, 13): "Cuti bersama Waisak",
    date(2025, 5, 29): "Kenaikan Yesus Kristus",
    date(2025, 5, 30): "Cuti bersama Kenaikan",
    date(2025, 6, 6): "Iduladha",
    date(2025, 6, 9): "Cuti bersama Iduladha",
    date(2025, 6, 27): "Tahun Baru Islam",
    date(2025, 9, 5): "Maulid Nabi",
    date(2025, 12, 25): "Hari Raya Natal",
    date(2025, 12, 26): "Cuti bersama Natal",
    date(2026, 1, 1): "Tahun Baru Masehi",
}


SERVICES = (
    ("KTP-el", 15),
    ("Kartu Keluarga", 20),
    ("Kartu Identitas Anak", 15),
    ("Akta Kelahiran", 30),
    ("Akta Kematian", 30),
    ("Surat Pindah", 25),
)


BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")


COMMENTS = (
    "Petugas ramah, tetapi antrean terlalu lama.",
    "Ruang tunggu panas, mohon tambah kipas.",
    "Persyaratan tidak dijelaskan sejak awal.",
    "Terima kasih, pelayanan cepat.",
)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Size:
    responses: int
    tickets: int
    employees: int

    @property
    def label(self) -> str:
        return f"{self.responses:,} responses, {self.tickets:,} tickets, {self.employees:,} employees"


SMALL = Size(20_000, 20_000, 100)


FULL = Size(10_000_000, 10_000_000, 50_000)
