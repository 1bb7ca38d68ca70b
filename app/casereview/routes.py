"""The case reviews: rounds and their overview, one review's agenda and notes, the statuses
for the head of unit, and each user's calendar address and feed.

Views are thin: they load, validate the form, call one service and redirect; the request
commits. The services check who may see a review, whatever the page shows.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.casereview import feed, queries, services
from app.casereview.forms import (
    CloseForm,
    DoneForm,
    FeedForm,
    NoteForm,
    RoundForm,
    ScheduleForm,
    StatusForm,
)
from app.casereview.models import CaseNote, CaseReview, CaseReviewError, ReviewRound, Section
from app.core import transaction
from app.core.calendar import today
from app.core.db import db
from app.core.forms import ConfirmForm
from app.core.permissions import can, permission, public
from app.core.users import User
from app.participants.services import interviewers

bp = Blueprint("casereview", __name__, template_folder="templates", url_prefix="/case-reviews")


def _refused(form, error: CaseReviewError) -> None:
    transaction.discard()  # the form is shown again: nothing of the refused change is kept
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _schedule_form(round_: ReviewRound) -> ScheduleForm:
    form = ScheduleForm()
    form.interviewer.choices = [(u.id, u.display_name) for u in interviewers()]
    if request.method == "GET":
        form.scheduled_on.data = max(today(), round_.starts_on)
    return form


@bp.route("/", methods=["GET", "POST"])
@permission("casereview.manage")
def index():
    form = RoundForm()
    if request.method == "GET":
        latest = queries.current_round(today())
        form.starts_on.data = latest.ends_on if latest and latest.ends_on > today() else today()
    if form.validate_on_submit():
        try:
            round_ = services.create_round(current_user, starts_on=form.starts_on.data)
        except CaseReviewError as error:
            _refused(form, error)
        else:
            flash(_("The round was opened."))
            return redirect(url_for("casereview.round_view", case_round_id=round_.id))
    current = queries.current_round(today())
    return render_template(
        "casereview/index.html",
        form=form,
        current=current,
        rows=queries.overview(current, today()) if current else [],
        rounds=queries.rounds(),
        labels=queries.STATE_LABELS,
    )


@bp.route("/rounds/<int:case_round_id>", methods=["GET", "POST"])
@permission("casereview.manage")
def round_view(case_round_id: int):
    round_ = db.get_or_404(ReviewRound, case_round_id)
    form = _schedule_form(round_)
    if form.validate_on_submit():
        interviewer = db.get_or_404(User, form.interviewer.data)
        try:
            services.schedule_review(current_user, round_, interviewer, on=form.scheduled_on.data)
        except CaseReviewError as error:
            _refused(form, error)
        else:
            flash(_("The review was scheduled."))
            return redirect(url_for("casereview.round_view", case_round_id=round_.id))
    return render_template(
        "casereview/round.html",
        round=round_,
        form=form,
        rows=queries.overview(round_, today()),
        labels=queries.STATE_LABELS,
    )


@bp.get("/mine")
@permission("casereview.mine")
def mine():
    reviews = db.session.scalars(
        select(CaseReview)
        .where(CaseReview.interviewer_id == current_user.id)
        .order_by(CaseReview.scheduled_on.desc())
    ).all()
    return render_template("casereview/mine.html", reviews=reviews, day=today())


def _review_page(review: CaseReview, note_form: NoteForm | None = None, status_form=None):
    notes = services.notes_of(current_user, review)
    manage = can(current_user, "casereview.manage")
    if note_form is None:
        note_form = NoteForm(formdata=None)
    note_form.fill(
        services.case_choices(review.interviewer_id),
        services.interview_choices(review.interviewer_id),
    )
    return render_template(
        "casereview/review.html",
        review=review,
        agenda=queries.agenda(review, today()),
        notes=notes,
        note_form=note_form,
        done_form=DoneForm(formdata=None),
        close_form=CloseForm(formdata=None, closed_on=max(today(), review.scheduled_on)),
        status_form=status_form or StatusForm(formdata=None),
        manage=manage,
        sent=services.status_sent(review),
        count_labels=queries.COUNT_LABELS,
    )


@bp.get("/<int:case_review_id>")
@permission("casereview.view")
def review(case_review_id: int):
    review = db.get_or_404(CaseReview, case_review_id)
    return _review_page(review)


@bp.post("/<int:case_review_id>/notes")
@permission("casereview.view")
def add_note(case_review_id: int):
    review = db.get_or_404(CaseReview, case_review_id)
    services.check_sees(current_user, review)
    form = NoteForm().fill(
        services.case_choices(review.interviewer_id),
        services.interview_choices(review.interviewer_id),
    )
    if form.validate_on_submit():
        try:
            services.add_note(
                current_user,
                review,
                section=Section(form.section.data),
                text=form.text.data.strip(),
                due_on=form.due_on.data,
                participant_id=form.participant.data or None,
                interview_id=form.interview.data or None,
            )
        except CaseReviewError as error:
            _refused(form, error)
        else:
            flash(_("The note was saved."))
            return redirect(url_for("casereview.review", case_review_id=review.id))
    return _review_page(review, note_form=form), 400


@bp.post("/<int:case_review_id>/notes/<int:case_note_id>/done")
@permission("casereview.view")
def note_done(case_review_id: int, case_note_id: int):
    review = db.get_or_404(CaseReview, case_review_id)
    note = db.get_or_404(CaseNote, case_note_id)
    form = DoneForm()
    if not form.validate_on_submit():
        abort(400)
    services.mark_done(current_user, review, note, on=today())
    flash(_("The item was marked done."))
    return redirect(url_for("casereview.review", case_review_id=review.id))


@bp.post("/<int:case_review_id>/close")
@permission("casereview.manage")
def close(case_review_id: int):
    review = db.get_or_404(CaseReview, case_review_id)
    form = CloseForm()
    if form.validate_on_submit():
        services.close_review(current_user, review, on=form.closed_on.data)
        flash(_("The review was closed. Open items come back at the next review."))
    else:
        flash(_("Give the day the review was held."), "error")
    return redirect(url_for("casereview.review", case_review_id=review.id))


@bp.post("/<int:case_review_id>/status")
@permission("casereview.manage")
def send_status(case_review_id: int):
    review = db.get_or_404(CaseReview, case_review_id)
    form = StatusForm()
    if form.validate_on_submit():
        counts = queries.agenda(review, today()).counts()
        services.send_status(
            current_user, review, counts=counts, remark=(form.remark.data or "").strip()
        )
        flash(_("The status was sent to the head of unit."))
    return redirect(url_for("casereview.review", case_review_id=review.id))


@bp.get("/statuses")
@permission("casereview.statuses")
def statuses():
    return render_template(
        "casereview/statuses.html",
        rounds=queries.statuses(),
        labels=queries.COUNT_LABELS,
        shown=queries.shown_count,
    )


@bp.route("/calendar", methods=["GET", "POST"])
@permission("calendar.manage")
def calendar():
    form = FeedForm()
    address = None
    if form.validate_on_submit():
        token = services.reset_feed(current_user)
        address = url_for("casereview.feed_ics", token=token, _external=True)
        flash(_("Your calendar address was made. Any earlier address no longer works."))
    return render_template(
        "casereview/calendar.html",
        form=form,
        address=address,
        has_feed=services.has_feed(current_user),
        stop_form=ConfirmForm(),
        reminders=queries.reminders(current_user, today()),
        labels=queries.KIND_LABELS,
    )


@bp.post("/calendar/stop")
@permission("calendar.manage")
def stop_calendar():
    if ConfirmForm().validate_on_submit() and services.stop_feed(current_user):
        flash(_("Your calendar address was turned off. Calendar programs no longer get it."))
    return redirect(url_for("casereview.calendar"))


@bp.get("/calendar/<token>.ics")
@public
def feed_ics(token: str):
    # Public by design: calendar apps cannot log in. The secret in the address is the key;
    # an unknown or reset one is not found, and nothing says whether it ever existed.
    owner = services.feed_owner(token)
    if owner is None:
        abort(404)
    body = feed.calendar(queries.dated_items(owner, today()), request.host)
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    return response
