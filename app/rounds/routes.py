"""The round pages: a new round, a round with its agreement, closing and settling it."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from app.codebook.services import CodingError
from app.core import transaction
from app.core.db import db
from app.core.permissions import PermissionDenied, can, permission
from app.rounds import agreement, services
from app.rounds.forms import CloseRoundForm, RoundForm, SettleForm
from app.transcripts.forms import ActionForm
from app.workspace import queries as workspace
from app.workspace.models import CodingRound

bp = Blueprint("rounds", __name__, url_prefix="/coding", template_folder="templates")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


@bp.route("/rounds/new", methods=["GET", "POST"])
@permission("rounds.manage")
def new():
    form = RoundForm()
    coders = workspace.coders()
    releases = workspace.codable_releases(current_user)
    form.coders.choices = _choices((u.id, u.display_name) for u in coders)
    form.releases.choices = _choices((r.id, f"{r.interview.participant.code} · "
                              + _("version %(n)s", n=r.version)) for r in releases)  # fmt: skip
    if form.validate_on_submit():
        by_id = {r.id: r for r in releases}
        users = {u.id: u for u in coders}
        try:
            coding_round = services.create_round(
                current_user, name=form.name.data, unit=form.unit.data,
                coders=[users[i] for i in form.coders.data if i in users],
                releases=[by_id[i] for i in form.releases.data if i in by_id],
            )  # fmt: skip
        except CodingError as error:
            transaction.discard()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash(_("The round was created. Its coders code blind until it closes."))
            return redirect(url_for("rounds.show", round_id=coding_round.id))
    return render_template("rounds/round_new.html", form=form)


@bp.get("/rounds/<int:round_id>")
@permission("coding.work")
def show(round_id: int):
    coding_round = db.get_or_404(CodingRound, round_id)
    if not coding_round.seen_by(current_user):
        abort(403)
    result = None
    if not coding_round.is_open:
        try:
            result = agreement.round_agreement(current_user, coding_round)
        except (CodingError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                abort(403)
            transaction.refuse(error)
    return render_template("rounds/round.html", coding_round=coding_round, result=result,
                           action_form=ActionForm(),
                           may_manage=can(current_user, "rounds.manage")
                           and coding_round.run_by(current_user))  # fmt: skip


@bp.post("/rounds/<int:round_id>/close")
@permission("rounds.manage")
def close(round_id: int):
    """Asked without the confirmation, the answer is the page with the figures closing
    makes final; only the confirmed form closes the round."""
    coding_round = db.get_or_404(CodingRound, round_id)
    form = CloseRoundForm()
    if ActionForm().validate_on_submit():
        try:
            if not form.validate():
                preview = services.close_preview(current_user, coding_round)
                if not form.was_asked:
                    form.confirm.errors = []  # the first look: nothing was refused yet
                return render_template("rounds/close.html", coding_round=coding_round,
                                       preview=preview, form=form)  # fmt: skip
            services.close_round(current_user, coding_round)
        except PermissionDenied:
            abort(403)
        except CodingError as error:
            transaction.refuse(error)
        else:
            flash(_("The round is closed. Agreement and disagreements are shown below."))
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.post("/rounds/<int:round_id>/settle")
@permission("rounds.manage")
def settle(round_id: int):
    coding_round = db.get_or_404(CodingRound, round_id)
    form = SettleForm()
    if not form.validate_on_submit():
        return redirect(url_for("rounds.show", round_id=round_id))
    try:
        written = agreement.settle(current_user, coding_round, form.d.data)
    except PermissionDenied:
        abort(403)
    except CodingError as error:
        transaction.refuse(error)
    else:
        flash(
            ngettext(
                "The consensus was saved: %(num)d coding.",
                "The consensus was saved: %(num)d codings.",
                written,
            )
        )
    return redirect(url_for("rounds.show", round_id=round_id))
