"""Peer-feedback rounds (/atasan/rekan): a supervisor or HR opens a round for a team and period, reads its response
rate and the colleagues' anonymous results, and closes it (by hand here; by its closing date in the nightly job)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField

from feedback_app.access import roles_required
from scoring import Period, period_containing

from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import BERAKHLAK_VALUES, Employee, PeerRound
from ...services import peer_feedback
from ..staff.peer import SHORT_CHOICE_LABELS as CHOICE_LABELS
from ..staff.peer import VALUE_LABELS
from . import bp

MANAGERS = ("supervisor", "hr")
ERRORS = {
    "no_team": _l("Atasan ini tidak mempunyai tim pada akhir periode tersebut."),
    "exists": _l(
        "Tim ini sudah mempunyai putaran umpan balik rekan untuk periode tersebut; tidak ada yang dibuka dua kali."
    ),
    "closes_in_past": _l("Tanggal penutupan tidak boleh sebelum hari ini."),
    "closes_too_late": _l("Tanggal penutupan paling lambat 90 hari dari hari ini."),
    "bad_date": _l("Tulis tanggal penutupan sebagai TTTT-BB-HH, misalnya 2026-12-15."),
    "bad_period": _l("Periode tidak dikenal. Tulis misalnya 2026-10, 2026-Q4, 2026-S2 atau 2026."),
    "no_pairs": _l("Pilih sedikitnya satu pasangan penilai dan rekan yang dinilai."),
    "not_in_team": _l("Penilai dan rekan yang dinilai harus anggota tim ini."),
    "self": _l("Pegawai tidak dapat menilai dirinya sendiri."),
    "own_supervisor": _l("Pegawai tidak menilai atasannya sendiri."),
    "too_many": _l("Setiap penilai menilai paling banyak 5 rekan."),
    "bad_pair": _l("Pasangan yang dikirim tidak dikenal. Muat ulang halaman dan pilih lagi."),
    "already_closed": _l("Putaran ini sudah ditutup."),
}


class OpenRoundForm(FlaskForm):
    periode = HiddenField()
    atasan = HiddenField()
    closes_on = StringField(_l("Ditutup pada (tanggal terakhir menjawab)"))


def _default_period() -> Period:
    zone = current_user.unit.zone if current_user.unit is not None else None
    today = now().astimezone(zone).date() if zone else now().date()
    return period_containing("quarter", today)


def _round_or_403(round_id: int) -> PeerRound:
    peer_round = db.session.get(PeerRound, round_id)
    if peer_round is None:
        abort(404)
    if not peer_feedback.may_manage(current_user, peer_round):
        abort(403)
    return peer_round


def _chosen_supervisor(text: str | None) -> Employee | None:
    """A supervisor opens for their own team; HR names one of the supervisors in its scope."""
    if current_user.has_role("supervisor") and current_user.employee is not None and not text:
        return current_user.employee
    if not current_user.has_role("hr") or not text or not text.isdigit():
        if current_user.has_role("supervisor") and current_user.employee is not None:
            return current_user.employee if text in (None, "", str(current_user.employee_id)) else None
        return None
    wanted = int(text)
    for supervisor in peer_feedback.supervisors_in_scope(current_user):
        if supervisor.id == wanted:
            return supervisor
    return None


@bp.get("/rekan")
@roles_required(*MANAGERS)
def list_peer_rounds() -> str:
    rounds = peer_feedback.rounds_for(current_user, limit=50)
    rates = peer_feedback.response_rates(rounds)
    rows = []
    for peer_round in rounds:
        invited, answered = rates[peer_round.id]
        rows.append((peer_round, invited, answered, round(100 * answered / invited) if invited else None))
    return render_template("supervisor/peer_rounds.html", rows=rows, period=_default_period())


def _new_page(
    form: OpenRoundForm, period: Period | None, supervisor: Employee | None, error: str | None, status: int
) -> tuple[str, int]:
    proposal = peer_feedback.propose_round(supervisor, period) if supervisor and period else None
    chosen: set[tuple[int, int]] | None = None
    if request.method == "POST":
        chosen = set(_pairs_from_form())
    if proposal is not None and not form.closes_on.data and proposal.closes_on:
        form.closes_on.data = proposal.closes_on.isoformat()
    return (
        render_template(
            "supervisor/peer_new.html",
            form=form,
            period=period,
            supervisor=supervisor,
            proposal=proposal,
            chosen=chosen,
            supervisors=peer_feedback.supervisors_in_scope(current_user) if current_user.has_role("hr") else [],
            recent=[_default_period(), _default_period().previous(), _default_period().next()],
            error=error,
            max_ratees=peer_feedback.MAX_RATEES,
        ),
        status,
    )


@bp.get("/rekan/baru")
@roles_required(*MANAGERS)
def new_peer_round() -> tuple[str, int]:
    """The opening form: the team with the default pairing checked, the closing date, for the chosen period."""
    wanted = request.args.get("periode")
    period = peer_feedback.round_period(wanted) if wanted else _default_period()
    supervisor = _chosen_supervisor(request.args.get("atasan"))
    data = {"periode": period.id if period else "", "atasan": request.args.get("atasan", "")}
    form = OpenRoundForm(formdata=None, data=data)
    error = None if period is not None else str(ERRORS["bad_period"])
    return _new_page(form, period, supervisor, error, 200 if period is not None else 422)


def _pairs_from_form() -> list[tuple[int, int]]:
    pairs = []
    for text in request.form.getlist("pair"):
        rater, _sep, ratee = text.partition(":")
        if not (rater.isdigit() and ratee.isdigit()):
            raise ValueError(text)
        pairs.append((int(rater), int(ratee)))
    return pairs


@bp.post("/rekan/baru")
@roles_required(*MANAGERS)
def open_peer_round() -> Response | tuple[str, int]:
    form = OpenRoundForm()
    if not form.validate():
        abort(400)
    period = peer_feedback.round_period(form.periode.data)
    supervisor = _chosen_supervisor(form.atasan.data)
    if period is None:
        return _new_page(form, None, supervisor, str(ERRORS["bad_period"]), 422)
    if supervisor is None:
        return _new_page(form, period, None, str(ERRORS["no_team"]), 422)
    try:
        closes_on = date.fromisoformat((form.closes_on.data or "").strip())
    except ValueError:
        return _new_page(form, period, supervisor, str(ERRORS["bad_date"]), 422)
    try:
        pairs = _pairs_from_form()
    except ValueError:
        return _new_page(form, period, supervisor, str(ERRORS["bad_pair"]), 422)
    try:
        peer_round = peer_feedback.open_round(current_user, supervisor, period, closes_on, pairs)
    except peer_feedback.PeerError as error:
        db.session.rollback()
        if error.code == "exists":
            flash(str(ERRORS["exists"]), "info")
            return redirect(url_for("supervisor.show_peer_round", round_id=error.details["round_id"]), code=303)
        return _new_page(form, period, supervisor, str(ERRORS.get(error.code, ERRORS["bad_pair"])), 422)
    db.session.commit()
    flash(_("Putaran umpan balik rekan %(p)s dibuka sampai %(d)s.", p=period.id, d=closes_on.isoformat()), "info")
    return redirect(url_for("supervisor.show_peer_round", round_id=peer_round.id), code=303)


@bp.get("/rekan/<int:round_id>")
@roles_required(*MANAGERS)
def show_peer_round(round_id: int) -> str:
    peer_round = _round_or_403(round_id)
    sentences = peer_feedback.may_read_sentences(current_user, peer_round)
    return render_template(
        "supervisor/peer_round.html",
        summary=peer_feedback.summarise(peer_round, with_sentences=sentences),
        sentences=sentences,
        taking_answers=peer_feedback.is_taking_answers(peer_round),
        value_labels=VALUE_LABELS,
        choice_labels=CHOICE_LABELS,
        berakhlak_values=BERAKHLAK_VALUES,
        close_form=FlaskForm(formdata=None),
    )


@bp.post("/rekan/<int:round_id>/tutup")
@roles_required(*MANAGERS)
def close_peer_round(round_id: int) -> Response:
    """Close by hand: the response rate is frozen and every rater link is deleted."""
    peer_round = _round_or_403(round_id)
    if not FlaskForm().validate():
        abort(400)
    try:
        peer_feedback.close_round(peer_round, current_user.login)
    except peer_feedback.PeerError:
        db.session.rollback()
        flash(str(ERRORS["already_closed"]), "info")
        return redirect(url_for("supervisor.show_peer_round", round_id=round_id), code=303)
    db.session.commit()
    flash(_("Putaran ditutup. Data siapa menilai siapa sudah dihapus."), "info")
    return redirect(url_for("supervisor.show_peer_round", round_id=round_id), code=303)
