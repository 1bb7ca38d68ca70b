from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.consent import gate
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import transaction
from app.core.calendar import today
from app.core.db import db
from app.core.permissions import PermissionDenied, can, permission
from app.core.users import Role, User
from app.interviews import queries, services
from app.interviews.forms import (
    AdvanceForm,
    BookingForm,
    CancelForm,
    ConductForm,
    FlagForm,
    MemoForm,
    RescheduleForm,
    ResolveForm,
)
from app.interviews.models import EthicsFlag, Interview
from app.interviews.services import InterviewError, MemoConflict
from app.offers import reports
from app.offers import routes as offer_pages
from app.offers.models import Offer

bp = Blueprint("interviews", __name__, url_prefix="/interviews", template_folder="templates")


#: what a higher area shows on the interview page: name -> panel(interview) -> dict. The
#: transcripts area registers "audio" (its recordings and transcripts) at app creation.
PANELS: dict[str, Callable[..., dict]] = {}


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint."""
    gate.register_subject(Interview)  # what consent is given for
    offer_pages.PANELS["open_flags"] = services.open_flags
    reports.register_interview_loading(_offer_interviews)
    consent.register_effect(Scope.PARTICIPATION, services.erase_content, 40)


bp.record_once(_register)


def _offer_interviews():
    """A follow-up list reads of each offer's interviews only their status, in one query.
    Built when asked: ``Offer.interviews`` exists once the mappers are configured."""
    return selectinload(Offer.interviews).load_only(Interview.status)


def _when(form) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(form.day.data, form.time.data, zone)


def _error(form, error: InterviewError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.get("")
@permission("interviews.list")
def index():
    if current_user.has_role(Role.COORDINATOR):
        rows = services.all_interviews()
    else:
        rows = services.interviews_of(current_user)
    return render_template("interviews/index.html", interviews=rows)


@bp.route("/book/<int:offer_id>", methods=["GET", "POST"])
@permission("interviews.book")
def book(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    if not can(current_user, "interviews.book", offer):
        raise PermissionDenied("interviews.book")
    form = BookingForm()
    if request.method == "GET":
        form.interviewer_id.data = str(offer.interviewer_id or "")
        form.language.data = offer.placement.participant.language or "sv"
    if form.validate_on_submit():
        try:
            interview = services.book(
                current_user, offer, scheduled_at=_when(form), place=form.place.data,
                mode=form.mode.data, interviewer=db.get_or_404(User, int(form.interviewer_id.data)),
                language=form.language.data,
            )  # fmt: skip
        except InterviewError as error:
            _error(form, error)
        else:
            flash(_("The interview was booked."))
            return redirect(url_for("interviews.show", interview_id=interview.id))
    return render_template("interviews/book.html", form=form, offer=offer)


def _visible(interview: Interview) -> None:
    if not (
        can(current_user, "interviews.book", interview.offer)
        or can(current_user, "interviews.conduct", interview)
    ):
        raise PermissionDenied("interviews.list")


@bp.get("/<int:interview_id>")
@permission("interviews.list")
def show(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    _visible(interview)
    own = can(current_user, "interviews.conduct", interview)
    flags = services.read_flags(current_user, interview.flags) if own else []
    steps, elsewhere = services.next_steps(interview)
    local = interview.scheduled_at.astimezone(
        ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    )
    return render_template(
        "interviews/interview.html",
        interview=interview,
        own=own,
        flags=flags,
        in_force=sorted(gate.scopes_in_force(interview), key=list(Scope).index),
        reschedule_form=RescheduleForm(
            prefix="move",
            data={
                "day": local.date(),
                "time": local.time(),
                "place": interview.place,
                "mode": interview.mode,
            },
        ),
        cancel_form=CancelForm(prefix="cancel"),
        conduct_form=ConductForm(prefix="conduct"),
        booked_day=local.date(),
        today=today(),
        advance_form=AdvanceForm(prefix="advance").offer(steps),
        elsewhere=elsewhere,
        flag_form=FlagForm(prefix="flag", data={"responsible_id": str(current_user.id)}),
        audio=PANELS["audio"](interview) if own else None,
    )


def _act(interview_id: int, form_class, prefix: str, act, done: str):
    interview = db.get_or_404(Interview, interview_id)
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        try:
            act(interview, form)
        except (InterviewError, gate.ConsentMissing) as error:
            transaction.refuse(error)
        else:
            flash(done)
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
    return redirect(url_for("interviews.show", interview_id=interview.id))


@bp.post("/<int:interview_id>/move")
@permission("interviews.book")
def reschedule(interview_id: int):
    return _act(interview_id, RescheduleForm, "move", lambda i, f: services.reschedule(
        current_user, i, scheduled_at=_when(f), place=f.place.data, mode=f.mode.data),
        _("The interview was moved."))  # fmt: skip


@bp.post("/<int:interview_id>/cancel")
@permission("interviews.book")
def cancel(interview_id: int):
    return _act(interview_id, CancelForm, "cancel",
                lambda i, f: services.cancel(current_user, i, f.reason.data),
                _("The interview was cancelled."))  # fmt: skip


@bp.post("/<int:interview_id>/conduct")
@permission("interviews.conduct")
def conduct(interview_id: int):
    return _act(interview_id, ConductForm, "conduct",
                lambda i, f: services.conduct(current_user, i, f.conducted_on.data),
                _("The interview was marked as conducted."))  # fmt: skip


@bp.post("/<int:interview_id>/advance")
@permission("interviews.conduct")
def advance(interview_id: int):
    return _act(interview_id, AdvanceForm, "advance",
                lambda i, f: services.advance(current_user, i, f.to.data),
                _("The interview's status was changed."))  # fmt: skip


@bp.post("/<int:interview_id>/flags")
@permission("interviews.conduct")
def flag(interview_id: int):
    def act(interview, form):
        services.raise_flag(
            current_user, interview, category=form.category.data,
            disclosure=form.disclosure.data, follow_up=form.follow_up.data,
            responsible=db.get_or_404(User, int(form.responsible_id.data)), due_on=form.due_on.data,
        )  # fmt: skip

    return _act(interview_id, FlagForm, "flag", act, _("The ethics flag was raised."))


def _memo_page(interview: Interview, conflict: tuple[str, MemoForm, str] | None = None):
    """The guide with a memo form per section; ``conflict`` is a section whose save was
    refused, with the person's form (their text) and the reason, shown beside the saved text."""
    saved = services.read_memos(current_user, interview)
    guide = interview.guide_version.guide
    sections = [*guide.sections, guide.closing]
    forms = {}
    for section in sections:
        memo = saved.get(section.key)
        forms[section.key] = MemoForm(
            prefix=section.key,
            data={"text": memo.text if memo else "", "revision": memo.revision if memo else 0},
        )
    conflicts = {}
    if conflict:
        key, form, message = conflict
        newest = saved.get(key)
        form.newest.data = newest.revision if newest else 0
        forms[key], conflicts[key] = form, message
    return render_template(
        "interviews/memos.html", interview=interview, guide=guide, sections=sections,
        forms=forms, saved=saved, conflicts=conflicts,
        editable=services.memos_editable(interview),
    )  # fmt: skip


@bp.get("/<int:interview_id>/memos")
@permission("interviews.conduct")
def memos(interview_id: int):
    return _memo_page(db.get_or_404(Interview, interview_id))


@bp.post("/<int:interview_id>/memos/<section_key>")
@permission("interviews.conduct")
def memo_save(interview_id: int, section_key: str):
    interview = db.get_or_404(Interview, interview_id)
    form = MemoForm(prefix=section_key)
    wants_json = request.accept_mimetypes.best == "application/json"
    page = url_for("interviews.memos", interview_id=interview.id) + f"#{section_key}"
    if not form.validate_on_submit():
        if wants_json:
            return {"error": _("The memo could not be saved.")}, 400
        flash(_("The memo could not be saved."), "error")
        return redirect(page)
    resolve = form.resolve.data
    if resolve == "theirs":  # the person's own choice, after seeing both texts
        flash(_("The text saved in the other window was kept; yours was not saved."))
        return redirect(page)
    try:
        memo = services.save_memo(
            current_user, interview, section_key, form.text.data or "",
            form.newest.data if resolve else form.revision.data, keep_saved=resolve == "both",
        )  # fmt: skip
    except MemoConflict as conflict:
        # Answered 200, not 409: the answer shows the newest saved text, a read whose audit
        # entry the request's rollback on an error status would undo. The refused text goes
        # back to the person whole, never dropped for a reload.
        if wants_json:
            newest = services.read_memo(current_user, interview, section_key)
            return {
                "conflict": True, "error": str(conflict.message),
                "theirs": newest.text if newest else "", "newest": newest.revision if newest else 0,
            }  # fmt: skip
        mine = MemoForm(
            formdata=None, prefix=section_key,
            data={"text": form.text.data or "", "revision": form.revision.data},
        )  # fmt: skip
        return _memo_page(interview, (section_key, mine, str(conflict.message)))
    except InterviewError as error:
        if wants_json:
            return {"error": str(error.message)}, 400
        transaction.refuse(error)
        return redirect(page)
    if wants_json:
        answer = {"revision": memo.revision, "saved": _("Saved")}
        if resolve == "both":  # the editor shows the combined text to edit into one
            answer["text"] = memo.text
        return answer
    flash(_("The memo was saved."))
    return redirect(page)


@bp.get("/flags")
@permission("flags.manage")
def flags():
    rows = queries.flags()
    services.read_flags(current_user, rows)
    return render_template("interviews/flags.html", flags=rows, resolve_form=ResolveForm(),
                           today=today())  # fmt: skip


@bp.post("/flags/<int:flag_id>/resolve")
@permission("interviews.list")
def resolve(flag_id: int):
    flag = db.get_or_404(EthicsFlag, flag_id)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            services.resolve_flag(current_user, flag, form.resolution.data)
        except InterviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The ethics flag was resolved."))
    else:
        flash(_("Say what was done."), "error")
    if can(current_user, "flags.manage"):
        return redirect(url_for("interviews.flags"))
    return redirect(url_for("interviews.show", interview_id=flag.interview_id))
