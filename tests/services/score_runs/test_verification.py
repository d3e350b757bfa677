"""Runs anyone can verify: a digest of the inputs, and `verify` recomputes a run and names what differs (issue 15)."""

from __future__ import annotations

from unittest.mock import patch

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import ScoreIndicator, ScoreRun, SurveyResponse
from feedback_app.services.score_runs import compute_score_run, set_unit_parameters, verify_score_run
from tests.services.score_runs.office import Q3, Office
from tests.services.score_runs.test_compute import comparable


def test_two_runs_of_the_same_inputs_are_identical_and_share_their_digest(office: Office) -> None:
    office.answers(150)
    first = compute_score_run(office.unit, Q3, "ani")
    db.session.commit()
    second = compute_score_run(office.unit, Q3, "budi")
    db.session.commit()
    assert first.input_digest == second.input_digest and first.input_digest.startswith("sha256:")
    assert comparable(first) == comparable(second)
    codes = {row[1] for row in comparable(first)}
    assert {"ikp", "ikp_adjusted", "bias_audit"} <= codes


def test_verify_says_identical_for_an_untouched_run_and_names_the_difference_after_an_exclusion(
    office: Office,
) -> None:
    office.answers(150)
    run = compute_score_run(office.unit, Q3, "ani")
    db.session.commit()
    runs_before = db.session.scalar(select(func.count()).select_from(ScoreRun))
    rows_before = db.session.scalar(select(func.count()).select_from(ScoreIndicator))

    same = verify_score_run(run, retention_years=5)
    assert (same.status, same.differences, same.digest_matches) == ("identical", (), True)
    # The recomputation leaves nothing behind.
    assert db.session.scalar(select(func.count()).select_from(ScoreRun)) == runs_before
    assert db.session.scalar(select(func.count()).select_from(ScoreIndicator)) == rows_before

    answer = next(r for r in office.counted(office.ani))
    db.session.execute(
        SurveyResponse.__table__.update()
        .where(SurveyResponse.submission_key == answer["submission_key"])
        .values(status="excluded")
    )
    db.session.commit()
    changed = verify_score_run(run, retention_years=5)
    assert changed.status == "different" and changed.digest_matches is False
    text = "\n".join(changed.differences)
    valid = run.input_counts["responses_valid"]
    assert f"input responses_valid: {valid} → {valid - 1}" in text
    assert f"employee #{office.ani.id} ikp.n:" in text  # names whose figure moved, and which field
    assert f"employee #{office.budi.id} ikp.n" not in text
    assert "unit ikp" in changed.rows_differing and f"employee #{office.ani.id} ikp_adjusted" in changed.rows_differing


def test_verify_uses_the_runs_own_parameters_and_says_first_when_another_code_computed_it(office: Office) -> None:
    office.answers(120)
    run = compute_score_run(office.unit, Q3, "ani")
    db.session.commit()
    set_unit_parameters(office.unit, {"shrinkage_k": 5})  # changed after the run: verify must not use it
    db.session.commit()
    assert verify_score_run(run, retention_years=5).status == "identical"
    with patch("feedback_app.services.score_runs.verification.code_version", return_value="0000000"):
        other = verify_score_run(run, retention_years=5)
    assert other.other_code_version and other.stored_code_version == run.code_version
