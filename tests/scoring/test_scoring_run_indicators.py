"""Indicators a score run stores beside ikm/ikp: unit IKM, hasil kerja, perilaku, predikat (spec §1.3, §3)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scoring import (
    BERAKHLAK,
    UNSUR,
    AppraisalTarget,
    BehaviourRatings,
    IndicatorStatus,
    InvalidParameter,
    InvalidRating,
    InvalidTarget,
    SatisfactionStats,
    ScoringParameters,
    distribution_indicator,
    hasil_kerja_indicator,
    perilaku_indicator,
    predikat_indicator,
    unit_ikm_indicator,
)


def target(target: int | str, realisation: int | str | None, lower: bool = False, name: str = "t") -> AppraisalTarget:
    return AppraisalTarget(name, Decimal(target), None if realisation is None else Decimal(realisation), lower)


def test_the_unit_ikm_uses_the_unit_weight_convention_and_checks_the_sample() -> None:
    stats = SatisfactionStats.from_responses([{u: 4 for u in UNSUR}] * 80)
    exact = unit_ikm_indicator(stats, population=100)
    legacy = unit_ikm_indicator(stats, ScoringParameters(weight_convention="0.111"))
    assert (exact.value, legacy.value) == (Decimal("100.00"), Decimal("99.90"))
    assert exact.summary is not None and exact.summary.sample is not None and exact.summary.sample.adequate
    assert any("not known" in note for note in legacy.explanation.notes)
    small = unit_ikm_indicator(SatisfactionStats.from_responses([{u: 3 for u in UNSUR}] * 10), population=1000)
    assert small.status is IndicatorStatus.OK and any("Krejcie" in note for note in small.explanation.notes)
    assert json.loads(json.dumps(exact.to_dict())) == exact.to_dict()
    assert unit_ikm_indicator(None).status is IndicatorStatus.NOT_AVAILABLE


def test_targets_are_checked_like_the_regulation_says() -> None:
    with pytest.raises(InvalidTarget, match="must be above 0"):
        target(-5, 1)
    with pytest.raises(InvalidTarget, match="must not be negative"):
        target(5, -1)
    with pytest.raises(InvalidTarget, match="decimal number"):
        AppraisalTarget("t", "1/3", None)  # type: ignore[arg-type]


def test_hasil_kerja_follows_the_unit_thresholds_and_cap() -> None:
    targets = [target(100, 400), target(100, 60)]  # capaian 150 (capped) and 60 → average 105
    assert hasil_kerja_indicator(targets).result == "Sesuai Ekspektasi"
    assert hasil_kerja_indicator(targets).value == Decimal("105.00")
    strict = ScoringParameters(capaian_thresholds=(Decimal(120), Decimal(106)))
    assert hasil_kerja_indicator(targets, strict).result == "Di Bawah Ekspektasi"
    generous = ScoringParameters(capaian_cap=Decimal(200))
    assert hasil_kerja_indicator(targets, generous).value == Decimal("130.00")  # (200 + 60) / 2
    assert hasil_kerja_indicator([]).status is IndicatorStatus.NOT_AVAILABLE
    unreported = hasil_kerja_indicator([target(10, None)])
    assert unreported.status is IndicatorStatus.NOT_AVAILABLE and unreported.detail["targets"][0]["capaian"] is None


def test_perilaku_keeps_the_suggestion_and_the_supervisor_rating_side_by_side() -> None:
    seven = dict(zip(BERAKHLAK, ["Di Bawah"] * 4 + ["Di Atas"] * 3))
    overridden = perilaku_indicator(BehaviourRatings(seven, overall="Sesuai", override_reason="Baru pindah tugas"))
    assert (overridden.result, overridden.confirmed) == ("Di Bawah Ekspektasi", "Sesuai Ekspektasi")
    assert "overrode the suggestion with Sesuai Ekspektasi: Baru pindah tugas" in overridden.explanation.notes[-1]
    with pytest.raises(InvalidRating, match="missing Kolaboratif"):
        BehaviourRatings({value: "Sesuai" for value in BERAKHLAK[:-1]})

    hasil = hasil_kerja_indicator([target(100, 100)])
    assert predikat_indicator(hasil, overridden).result == "Baik"  # Sesuai × Sesuai: the supervisor's rating counts
    assert predikat_indicator(hasil, perilaku_indicator(BehaviourRatings(seven))).result == "Kurang/Misconduct"
    missing = predikat_indicator(hasil_kerja_indicator(None), perilaku_indicator(None))
    assert missing.status is IndicatorStatus.NOT_AVAILABLE
    assert "No hasil_kerja and no perilaku rating" in missing.explanation.notes[0]


def test_the_distribution_check_needs_the_organisational_predikat() -> None:
    counts = {"Baik": 6, "Butuh Perbaikan": 1, "Sangat Baik": 3}
    assert distribution_indicator(counts).status is IndicatorStatus.NOT_AVAILABLE
    checked = distribution_indicator(counts, ScoringParameters(organisational_predikat="Baik"))
    assert (checked.result, checked.n) == ("passed", 10)
    assert distribution_indicator({}, ScoringParameters(organisational_predikat="Baik")).n == 0
    with pytest.raises(InvalidRating):
        distribution_indicator({"Luar Biasa": 1})


def test_the_organisational_predikat_is_a_stored_parameter() -> None:
    p = ScoringParameters(organisational_predikat="Istimewa")
    assert ScoringParameters.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    with pytest.raises(InvalidParameter, match="organisational_predikat must be one of Istimewa"):
        ScoringParameters(organisational_predikat="Hebat")
