from collections.abc import Callable

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from analysis.charts import stacked_bars
from app.core import permissions
from app.core.calendar import today
from app.core.db import db
from app.core.exports import csv_text
from app.core.forms import ConfirmForm
from app.core.permissions import permission
from app.core.users import User
from app.offers import reports, services
from app.offers.forms import (
    AnswerForm,
    AssignForm,
    CloseForm,
    InterviewedForm,
    OfferForm,
    ReminderForm,
)
from app.offers.models import ATTRITION_LABELS, Attrition, Offer
from app.offers.services import OfferError
from app.participants import follow_ups
from app.participants.follow_ups import FollowUps
from app.participants.models import Placement
from app.participants.services import rules

bp = Blueprint("offers", __name__, url_prefix="/follow-up", template_folder="templates")

#: what a higher area shows on the coordinator's dashboard: name -> () -> its rows. The
#: interviews area registers "open_flags" (the ethics flags still open) at app creation.
PANELS: dict[str, Callable[[], list]] = {}


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint."""
    permissions.register_check("assigned", services.is_assigned)
    follow_ups.register(
        FollowUps(
            of=reports.follow_up,
            stages=reports.Stage,
            assigned_ids=services.assigned_participant_ids,
        )
    )


bp.record_once(_register)


@bp.get("/")
@permission("offers.manage")
def dashboard():
    day = today()
    return render_template(
        "offers/dashboard.html",
        board=reports.dashboard(day, rules()),
        open_flags=PANELS["open_flags"](),
        workload=reports.workload(day.year, current_app.config["INTERVIEW_TARGET"]),
        target=current_app.config["INTERVIEW_TARGET"],
        today=day,
        year=day.year,
    )


def _forms() -> dict:
    return {
        "offer_form": OfferForm(prefix="offer"),
        "answer_form": AnswerForm(prefix="answer"),
        "reminder_form": ReminderForm(prefix="reminder"),
        "assign_form": AssignForm(prefix="assign"),
        "interviewed_form": InterviewedForm(prefix="interviewed"),
        "close_form": CloseForm(prefix="close"),
        "reopen_form": ConfirmForm(prefix="reopen"),
    }


def _page(placement: Placement, **forms):
    day = today()
    item = reports.follow_up(placement, day, rules())
    suggestion = None
    if item.offer is not None and item.offer.is_open:
        suggestion = services.suggest_interviewer(placement, day.year)
        if suggestion and item.offer.interviewer_id is None:
            forms.setdefault("assign_form", AssignForm(prefix="assign"))
            forms["assign_form"].interviewer_id.data = str(suggestion.interviewer.id)
    context = {**_forms(), **forms}
    offer = item.offer
    if offer is not None and offer.answer and "answer_form" not in forms:
        context["answer_form"] = AnswerForm(
            prefix="answer", data={"answer": offer.answer, "answered_on": offer.answered_on}
        )
    if item.offer is not None and item.offer.interviewer_id and "assign_form" not in forms:
        context["assign_form"].interviewer_id.data = str(item.offer.interviewer_id)
    return render_template(
        "offers/follow_up.html", item=item, placement=placement, suggestion=suggestion, **context
    )


@bp.route("/placements/<int:placement_id>", methods=["GET", "POST"])
@permission("offers.manage")
def follow_up(placement_id: int):
    placement = db.get_or_404(Placement, placement_id)
    form = OfferForm(prefix="offer")
    if form.validate_on_submit():
        try:
            services.record_offer(
                current_user,
                placement,
                offered_on=form.offered_on.data,
                channel=form.channel.data,
            )
        except OfferError as error:
            form.offered_on.errors = [*form.offered_on.errors, error.message]
        else:
            flash(_("The offer was recorded."))
            return redirect(url_for("offers.follow_up", placement_id=placement.id))
    return _page(placement, offer_form=form)


def _offer_action(offer_id: int, form_class, prefix: str, act, done_message: str):
    """Validate one of the follow-up page's forms and apply it; show the page again on errors."""
    offer = db.get_or_404(Offer, offer_id)
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        try:
            act(offer, form)
        except OfferError as error:
            form.form_errors.append(error.message)
        else:
            flash(done_message)
            return redirect(url_for("offers.follow_up", placement_id=offer.placement_id))
    return _page(offer.placement, **{f"{prefix}_form": form}), 400


@bp.post("/<int:offer_id>/answer")
@permission("offers.manage")
def answer(offer_id: int):
    return _offer_action(
        offer_id,
        AnswerForm,
        "answer",
        lambda offer, form: services.record_answer(
            current_user, offer, answer=form.answer.data, answered_on=form.answered_on.data
        ),
        _("The answer was recorded."),
    )


@bp.post("/<int:offer_id>/reminder")
@permission("offers.manage")
def reminder(offer_id: int):
    return _offer_action(
        offer_id,
        ReminderForm,
        "reminder",
        lambda offer, form: services.add_reminder(
            current_user, offer, sent_on=form.sent_on.data, channel=form.channel.data
        ),
        _("The reminder was recorded."),
    )


@bp.post("/<int:offer_id>/assign")
@permission("offers.manage")
def assign(offer_id: int):
    def act(offer, form):
        interviewer = db.get_or_404(User, int(form.interviewer_id.data))
        services.assign(current_user, offer, interviewer, on=today())

    return _offer_action(offer_id, AssignForm, "assign", act, _("The interviewer was assigned."))


@bp.post("/<int:offer_id>/interviewed")
@permission("offers.manage")
def interviewed(offer_id: int):
    return _offer_action(
        offer_id,
        InterviewedForm,
        "interviewed",
        lambda offer, form: services.record_interviewed(
            current_user, offer, on=form.interviewed_on.data
        ),
        _("The interview was recorded as held."),
    )


@bp.post("/<int:offer_id>/close")
@permission("offers.manage")
def close(offer_id: int):
    return _offer_action(
        offer_id,
        CloseForm,
        "close",
        lambda offer, form: services.close_without_interview(
            current_user, offer, reason=form.reason.data, note=form.note.data
        ),
        _("The follow-up was closed without an interview."),
    )


@bp.post("/<int:offer_id>/reopen")
@permission("offers.manage")
def reopen(offer_id: int):
    return _offer_action(
        offer_id,
        ConfirmForm,
        "reopen",
        lambda offer, form: services.reopen(current_user, offer),
        _("The follow-up was reopened."),
    )


def _attrition_table():
    years = reports.attrition(today(), rules())
    reasons = list(Attrition)
    return years, reasons


@bp.get("/attrition")
@permission("offers.manage")
def attrition():
    years, reasons = _attrition_table()
    return render_template(
        "offers/attrition.html", years=years, reasons=reasons, labels=ATTRITION_LABELS
    )


def _series(years, reasons):
    return [
        (_("Interviewed"), [y.interviewed for y in years]),
        *((str(ATTRITION_LABELS[r]), [y.reasons[r] for y in years]) for r in reasons),
        (_("Not offered"), [y.not_offered for y in years]),
        (_("In progress"), [y.in_progress for y in years]),
    ]


@bp.get("/attrition.svg")
@permission("offers.manage")
def attrition_chart():
    years, reasons = _attrition_table()
    svg = stacked_bars(
        [str(y.year) for y in years],
        _series(years, reasons),
        title=_("Eligible young people by year the offer window opened"),
        ylabel=_("Young people"),
        desc=_(
            "Bar chart of eligible young people per year, divided into interviewed, each "
            "reason for not being interviewed, not offered and in progress. The same numbers "
            "are in the table."
        ),
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.get("/attrition.csv")
@permission("offers.manage")
def attrition_csv():
    years, reasons = _attrition_table()
    header = [
        _("Year"),
        _("Eligible"),
        _("Offered"),
        *(name for name, _values in _series(years, reasons)),
    ]
    series = _series(years, reasons)
    rows = [
        [y.year, y.eligible, y.offered, *(values[i] for _name, values in series)]
        for i, y in enumerate(years)
    ]
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="attrition.csv"'},
    )
