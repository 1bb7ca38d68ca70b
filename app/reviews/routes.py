"""Review sessions: planning, the pack, the meeting's notes and actions, minutes, the board."""

from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import permissions, storage, transaction
from app.core.calendar import today
from app.core.db import db
from app.core.downloads import attachment
from app.core.forms import ConfirmForm
from app.core.i18n import LANGUAGE_NAMES
from app.core.jobs import Job
from app.core.permissions import PermissionDenied, can, permission
from app.core.users import User
from app.reviews import actions, agenda, packs, sessions
from app.reviews.forms import (
    AgendaForm,
    FollowUpForm,
    LanguageQuery,
    NewActionForm,
    NoteForm,
    SessionForm,
    StatusForm,
    YearQuery,
)
from app.reviews.minutes import minutes_docx
from app.reviews.models import (
    ActionStatus,
    ReviewAction,
    ReviewNote,
    ReviewPack,
    ReviewSession,
    agenda_in,
)
from app.reviews.refusals import ReviewError
from app.reviews.sessions import DuplicateSession
from app.themes.services import SECONDARY_NOTE
from app.themes.services import themes as all_themes

bp = Blueprint("reviews", __name__, template_folder="templates", url_prefix="/reviews")

#: what a higher area adds to a session's page: panel(actor, carried actions) -> template
#: values. The goals area registers one (app.goals.routes): the goals in force, the goals an
#: action may name ("serves", choices), and what the interviews said about them.
SESSION_PANELS: list[Callable[..., dict]] = []


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint."""
    permissions.register_check("in_a_review_session", sessions.in_a_review_session)
    consent.register_effect(Scope.QUOTATION, packs.destroy_for_withdrawal, 10)


bp.record_once(_register)


def _session(session_id: int, action: str = "reviews.view") -> ReviewSession:
    session = db.get_or_404(ReviewSession, session_id)
    if not can(current_user, action, session):
        abort(403)
    return session


@bp.get("/")
@permission("reviews.view")
def index():
    return render_template(
        "reviews/index.html", sessions=sessions.visible_sessions(current_user),
        may_manage=can(current_user, "reviews.manage"),
    )  # fmt: skip


def _member_choices(form: SessionForm) -> dict[int, User]:
    people = {u.id: u for u in sessions.eligible_members()}
    form.members.choices = [SelectChoice(u.id, u.display_name) for u in people.values()]
    return people


def _agenda_form(items: list[dict], blank: int = 2) -> AgendaForm:
    form = AgendaForm()
    if request.method == "GET":
        while form.items.entries:
            form.items.pop_entry()
        for item in [*items, *({"kind": "discussion", "title": "", "guidance": ""}
                               for _ in range(blank))]:  # fmt: skip
            form.items.append_entry(item)
    return form


def _save_session(session: ReviewSession | None):
    form = SessionForm(obj=session)
    existing = []  # the year and team's other sessions, once a save finds them
    people = _member_choices(form)
    items = _agenda_form(session.agenda_for(agenda.reader_language()) if session
                         else agenda.agenda_template())  # fmt: skip
    if request.method == "GET":
        if session is None:
            form.year.data = date.today().year
        else:
            form.members.data = [m.id for m in session.members]
    if form.validate_on_submit():
        members = [people[i] for i in form.members.data or [] if i in people]
        values = dict(title=form.title.data, year=form.year.data, held_on=form.held_on.data,
                      scope_from=form.scope_from.data, scope_to=form.scope_to.data,
                      members=members, team=form.team.data,
                      confirmed_duplicate=form.confirm_duplicate.data)  # fmt: skip
        try:
            if session is None:
                session = sessions.create_session(current_user, **values)
            else:
                sessions.update_session(current_user, session, agenda=items.item_dicts(),
                                        **values)  # fmt: skip
        except DuplicateSession as error:
            transaction.discard()
            existing = error.existing
            form.form_errors.append(error.message)
        except ReviewError as error:
            transaction.discard()
            target = getattr(form, error.field, None) if error.field else None
            (target.errors if target is not None else form.form_errors).append(error.message)
        else:
            flash(_("The session was saved."))
            return redirect(url_for("reviews.session", session_id=session.id))
    return render_template("reviews/edit.html", form=form, agenda=items, session=session,
                           existing=existing)  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@permission("reviews.manage")
def new():
    return _save_session(None)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@permission("reviews.manage")
def edit(session_id: int):
    return _save_session(_session(session_id, "reviews.manage"))


@bp.route("/agenda", methods=["GET", "POST"])
@permission("reviews.manage")
def agenda_template():
    """The template in one language at a time (``?language=``; default: the reader's)."""
    languages = current_app.config["LANGUAGES"]
    language = LanguageQuery.read().value("language") or agenda.reader_language()
    if language not in languages:
        abort(404)
    form = _agenda_form(agenda.agenda_template(language))
    if form.validate_on_submit():
        try:
            agenda.save_template(current_user, form.item_dicts(), language)
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The agenda template was saved. New sessions start from it."))
            return redirect(url_for("reviews.agenda_template", language=language))
    return render_template("reviews/agenda.html", agenda=form, language=language,
                           languages=languages, language_names=LANGUAGE_NAMES)  # fmt: skip


@bp.get("/<int:session_id>")
@permission("reviews.view")
def session(session_id: int):
    found = _session(session_id)
    pack = found.current_pack
    building = next((p for p in reversed(found.packs) if p.job and p.job.active), None)
    failed = next((p for p in reversed(found.packs) if p.job and p.job.state == "failed"
                   and p.built_at is None and (pack is None or p.version > pack.version)),
                  None)  # fmt: skip
    members = {m.id: m for m in found.members}
    action_form = NewActionForm()
    owners = [SelectChoice(m.id, m.display_name) for m in members.values()]
    action_form.owner.choices = [SelectChoice(0, "–"), *owners]
    theme_choices = [SelectChoice(t.id, t.name) for t in all_themes()]
    action_form.theme_id.choices = [SelectChoice(0, _("No theme")), *theme_choices]
    carried = actions.carried_actions(found)
    panels = {"goal_evidence": {}, "goals_in_force": [], "serves": []}
    for panel in SESSION_PANELS:
        panels.update(panel(current_user, carried))
    action_form.serves.choices = [SelectChoice("", _("No goal")), *panels.pop("serves")]
    return render_template(
        "reviews/session.html", s=found, pack=pack, building=building, failed=failed,
        may_read_pack=sessions.may_read_pack(current_user),
        released=(packs.released_shown(found)
                  if sessions.may_read_pack(current_user) else None),
        not_for_researchers=sessions.NOT_FOR_RESEARCHERS, note_form=NoteForm(),
        action_form=action_form, follow_form=FollowUpForm(), simple=ConfirmForm(),
        carried=carried, my_quotes=packs.quotes_for(current_user, pack) if pack else [],
        may_manage=can(current_user, "reviews.manage"),
        may_write=can(current_user, "reviews.write", found),
        may_follow_up=lambda a: actions.may_follow_up(current_user, a),
        overdue=actions.overdue, statuses=ActionStatus, before_meeting=today() < found.held_on,
        agenda=found.agenda_for(agenda.reader_language()), secondary_note=SECONDARY_NOTE,
        **panels,
    )  # fmt: skip


@bp.post("/<int:session_id>/status")
@permission("reviews.manage")
def status(session_id: int):
    found = _session(session_id, "reviews.manage")
    form = StatusForm()
    if form.validate_on_submit():
        try:
            sessions.set_status(current_user, found, form.status.data)
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The session is now: %(status)s.", status=found.status_enum.label))
    else:
        for message in form.status.errors:
            flash(str(message), "error")
    return redirect(url_for("reviews.session", session_id=found.id))


@bp.post("/<int:session_id>/pack")
@permission("reviews.manage")
def build_pack(session_id: int):
    found = _session(session_id, "reviews.manage")
    if ConfirmForm().validate_on_submit():
        try:
            packs.start_pack(current_user, found)
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The pack is being built. This page shows its progress."))
    return redirect(url_for("reviews.session", session_id=found.id))


@bp.get("/jobs/<int:job_id>")
@permission("reviews.view")
def job_status(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.kind != packs.PACK:
        abort(404)
    pack = db.get_or_404(ReviewPack, job.params_dict["pack_id"])
    found = _session(pack.session_id)
    if request.accept_mimetypes.best == "application/json":
        return job.status()
    return redirect(url_for("reviews.session", session_id=found.id))


def _pack(pack_id: int) -> ReviewPack:
    pack = db.get_or_404(ReviewPack, pack_id)
    _session(pack.session_id)
    try:
        packs.read_pack(current_user, pack)
    except ReviewError as error:
        transaction.refuse(error)
        abort(Response(status=303, headers={
            "Location": url_for("reviews.session", session_id=pack.session_id)}))  # fmt: skip
    return pack


@bp.get("/packs/<int:pack_id>")
@permission("reviews.view")
def pack(pack_id: int):
    found = _pack(pack_id)
    view = found.data
    return render_template("reviews/pack.html", pack=found, view=view, s=found.session,
                           agenda=agenda_in(view.get("agenda", []),
                                            agenda.reader_language()))  # fmt: skip


@bp.get("/packs/<int:pack_id>/charts/<name>.svg")
@permission("reviews.view")
def pack_chart(pack_id: int, name: str):
    pack = db.get_or_404(ReviewPack, pack_id)
    _session(pack.session_id)
    if not sessions.may_read_pack(current_user):
        abort(403)
    chart = pack.data.get("charts", {}).get(name) if pack.ready else None
    if chart is None or not chart.get("svg"):
        abort(404)  # a chart of hidden counts is not drawn; the pack says why
    return Response(chart["svg"], mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.get("/packs/<int:pack_id>.docx")
@permission("reviews.view")
def pack_docx(pack_id: int):
    found = _pack(pack_id)
    content = b"".join(storage.open_plaintext(found.docx_name))
    name = f"review-pack-{found.session.year}-v{found.version}.docx"
    return attachment(content, "application/vnd.openxmlformats-officedocument."
                      "wordprocessingml.document", name)  # fmt: skip


@bp.post("/<int:session_id>/notes")
@permission("reviews.write")
def add_note(session_id: int):
    found = _session(session_id, "reviews.write")
    form = NoteForm()
    if form.validate_on_submit():
        try:
            actions.add_note(current_user, found, item=form.item.data, body=form.body.data,
                              learning=form.learning.data)  # fmt: skip
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The note was saved."))
    else:
        flash(_("Write something first."), "error")
    return redirect(url_for("reviews.session", session_id=found.id,
                            _anchor=f"item-{form.item.data or 0}"))  # fmt: skip


@bp.post("/notes/<int:note_id>/delete")
@permission("reviews.write")
def delete_note(note_id: int):
    note = db.get_or_404(ReviewNote, note_id)
    _session(note.session_id, "reviews.write")
    if ConfirmForm().validate_on_submit():
        try:
            actions.delete_note(current_user, note)
        except PermissionDenied:
            transaction.discard()
            flash(_("Only the author of a note or a coordinator can delete it."), "error")
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The note was deleted."))
    return redirect(url_for("reviews.session", session_id=note.session_id))


@bp.post("/<int:session_id>/actions")
@permission("reviews.write")
def add_action(session_id: int):
    found = _session(session_id, "reviews.write")
    form = NewActionForm()
    form.owner.choices = [SelectChoice(m.id, m.display_name) for m in found.members]
    form.theme_id.choices = [SelectChoice(0, ""), *(SelectChoice(t.id, "") for t in all_themes())]
    if form.validate_on_submit():
        owner = next((m for m in found.members if m.id == form.owner.data), None)
        try:
            actions.add_action(current_user, found, what=form.what.data, owner=owner,
                                due_on=form.due_on.data,
                                theme_id=form.theme_id.data or None,
                                **form.served())  # fmt: skip
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The action was added."))
    else:
        for field in form:
            for error in field.errors:
                flash(str(error), "error")
    return redirect(url_for("reviews.session", session_id=found.id, _anchor="actions"))


@bp.post("/actions/<int:action_id>")
@permission("reviews.write")
def update_action(action_id: int):
    action = db.get_or_404(ReviewAction, action_id)
    form = FollowUpForm()
    in_session = None
    valid = form.validate_on_submit()
    if valid and form.in_session.data:
        in_session = _session(form.in_session.data, "reviews.write")
    if valid:
        try:
            actions.update_action(
                current_user, action, status=form.status.data,
                follow_up=form.follow_up.data, in_session=in_session,
            )  # fmt: skip
        except PermissionDenied:
            abort(403)
        except ReviewError as error:
            transaction.refuse(error)
        else:
            flash(_("The action was updated."))
    if form.back.data == "board":
        return redirect(url_for("reviews.board"))
    target = in_session.id if in_session else action.session_id
    return redirect(url_for("reviews.session", session_id=target, _anchor="actions"))


@bp.get("/<int:session_id>/minutes.docx")
@permission("reviews.view")
def minutes(session_id: int):
    found = _session(session_id)
    content = minutes_docx(current_user, found)
    name = f"review-minutes-{found.year}.docx"
    return attachment(content, "application/vnd.openxmlformats-officedocument."
                      "wordprocessingml.document", name)  # fmt: skip


@bp.get("/actions")
@permission("reviews.view")
def board():
    year = YearQuery.read().value("year")
    found = actions.board(current_user, year=year)
    years = sorted({a.session.year for a in actions.board(current_user).actions}, reverse=True)
    return render_template(
        "reviews/board.html", board=found, year=year, years=years, follow_form=FollowUpForm(),
        may_follow_up=lambda a: actions.may_follow_up(current_user, a),
        overdue=actions.overdue, statuses=ActionStatus,
    )  # fmt: skip
