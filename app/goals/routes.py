"""The red thread: goals, their history and evidence, and the guidelines that serve them.

Views are thin: they load, validate the form, call one service and redirect; the request
commits. Services check everything before they change anything, so a refusal shown on the
page has changed nothing.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.codebook.models import Code
from app.core import storage, transaction
from app.core.calendar import today
from app.core.db import db
from app.core.downloads import attachment
from app.core.permissions import can, permission
from app.goals import evaluations, evidence, queries, report, review, services
from app.goals import leadership as leadership_info
from app.goals.forms import (
    EvaluationForm,
    GoalEditForm,
    GoalForm,
    GoalQuery,
    GuidelineForm,
    LinkForm,
    RetireForm,
    YearsForm,
    typing_language,
)
from app.goals.models import DIRECTION_LABELS, Goal, GoalError, GoalLink, Guideline
from app.goals.services import GOAL_FIELDS, GoalConflict
from app.reviews import actions, minutes, pack
from app.reviews import routes as review_routes
from app.reviews.actions import overdue
from app.themes import tasks as theme_tasks
from app.themes.models import Theme
from app.themes.services import SECONDARY_NOTE
from app.transcripts.forms import ActionForm

bp = Blueprint("goals", __name__, template_folder="templates", url_prefix="/goals")


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint:
    an action names a goal, a session's page shows them, and the pack has a section each."""
    if review.served not in actions.SERVED:
        actions.SERVED.append(review.served)
    if review.session_panel not in review_routes.SESSION_PANELS:
        review_routes.SESSION_PANELS.append(review.session_panel)
    pack.SECTIONS["goals"] = (review.pack_goals, review.docx_goals)
    minutes.SECTIONS["goals"] = review.minutes_goals
    for warmer in (queries.warm, leadership_info.warm):
        if warmer not in theme_tasks.WARMERS:
            theme_tasks.WARMERS.append(warmer)


bp.record_once(_register)


def _years(form: YearsForm) -> tuple[int | None, int | None]:
    if not form.validate():
        return None, None
    start, end = form.start.data or None, form.end.data or None
    if start and end and end < start:
        start, end = end, start
    return start, end


def _refused(form, error: GoalError) -> None:
    transaction.discard()  # the form is shown again: nothing of the refused change is kept
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.get("/")
@permission("goals.view")
def index():
    return render_template(
        "goals/index.html",
        goals=queries.goals(),
        retired=queries.goals(retired=True),
        guidelines=queries.guidelines(),
        may_edit=can(current_user, "goals.edit"),
        may_lead=can(current_user, "leadership.view"),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission("goals.edit")
def new():
    form = GoalForm()
    if request.method == "GET":
        form.language.data, form.adopted_on.data = typing_language(), today()
    if form.validate_on_submit():
        try:
            goal = services.create_goal(
                current_user, kind=form.kind.data, **{f: getattr(form, f).data for f in GOAL_FIELDS}
            )
        except GoalError as error:
            _refused(form, error)
        else:
            flash(_("The goal was saved."))
            return redirect(url_for("goals.goal", goal_id=goal.id))
    return render_template("goals/edit.html", form=form, goal=None, newest=None)


@bp.route("/<int:goal_id>/edit", methods=["GET", "POST"])
@permission("goals.edit")
def edit(goal_id: int):
    goal = db.get_or_404(Goal, goal_id)
    form = GoalEditForm(obj=goal.current if request.method == "GET" else None)
    newest = None
    if request.method == "GET":
        form.version.data = goal.version
        form.revised_on.data = today()
    if form.validate_on_submit():
        try:
            services.revise_goal(
                current_user,
                goal,
                form.version.data,
                **{f: getattr(form, f).data for f in GOAL_FIELDS},
            )
        except GoalConflict as conflict:
            # The person's text stays in the form; the version saved meanwhile is shown
            # beside it, and saving again (having seen it) makes theirs the newest.
            newest = queries.newest_version(goal)
            form.version.data, form.version.raw_data = newest.number, [str(newest.number)]
            form.form_errors.append(conflict.message)
        except GoalError as error:
            _refused(form, error)
        else:
            flash(_("A new version of the goal was saved; the earlier ones stay in its history."))
            return redirect(url_for("goals.goal", goal_id=goal.id))
    return render_template("goals/edit.html", form=form, goal=goal, newest=newest)


@bp.get("/<int:goal_id>")
@permission("goals.view")
def goal(goal_id: int):
    return _goal_page(db.get_or_404(Goal, goal_id))


def _goal_page(found: Goal, evaluation_form: EvaluationForm | None = None, newest=None):
    if evaluation_form is None:
        evaluation_form = EvaluationForm(formdata=None, data={"year": today().year - 1})
    years = YearsForm(request.args)
    start, end = _years(years)
    shown = evidence.evidence(current_user, found, start, end)
    served = evaluations.actions_serving(current_user, found)
    # before and after an action count every year, as the review shows them
    served_evidence = evidence.evidence(current_user, found) if served and (start or end) else shown
    link_form = LinkForm()
    link_form.fill_targets()
    return render_template(
        "goals/goal.html",
        goal=found,
        evidence=shown,
        years=years,
        args={k: v for k, v in (("start", start), ("end", end)) if v},
        describe=evidence.describe(shown),
        drawable=evidence.drawable(shown),
        trend=evidence.TREND,
        note=SECONDARY_NOTE,
        directions=DIRECTION_LABELS,
        quotes=evidence.quotes(current_user, found) if evidence.may_quote(current_user) else {},
        guidelines=queries.guidelines(found),
        link_form=link_form,
        action_form=ActionForm(),
        retire_form=RetireForm(formdata=None, data={"retired_on": today()}),
        may_edit=can(current_user, "goals.edit"),
        evaluations=evaluations.evaluations(found),
        served=served,
        goal_evidence={
            a.id: evaluations.action_evidence(current_user, a, served_evidence) for a in served
        },
        lag_years=evaluations.LAG_YEARS,
        secondary_note=SECONDARY_NOTE,
        evaluation_form=evaluation_form,
        newest_evaluation=newest,
        may_evaluate=can(current_user, "goals.evaluate"),
    )


@bp.post("/<int:goal_id>/evaluations")
@permission("goals.evaluate")
def evaluate(goal_id: int):
    found = db.get_or_404(Goal, goal_id)
    form = EvaluationForm()
    newest = None
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else 0
        try:
            evaluations.evaluate(
                current_user,
                found,
                year=form.year.data,
                version=version,
                verdict=form.verdict.data,
                evidence=form.evidence.data,
            )
        except GoalConflict as conflict:
            # The writer's text stays in the form, the saved one beside it; saving again
            # (having seen it) makes theirs the newest.
            transaction.discard()
            newest = evaluations.evaluation(found, form.year.data)
            form.version.data = str(newest.version) if newest else "0"
            form.form_errors.append(conflict.message)
        except GoalError as error:
            transaction.discard()
            _refused(form, error)
        else:
            flash(_("The evaluation was saved; earlier ones stay in its history."))
            return redirect(url_for("goals.goal", goal_id=found.id) + "#evaluations")
    return _goal_page(found, form, newest)


@bp.get("/<int:goal_id>/trend.svg")
@permission("goals.view")
def trend(goal_id: int):
    found = db.get_or_404(Goal, goal_id)
    start, end = _years(YearsForm(request.args))
    shown = evidence.evidence(current_user, found, start, end)
    if not evidence.drawable(shown):
        abort(404)  # the page says why there is no chart
    return Response(
        evidence.chart(shown), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


@bp.get("/<int:goal_id>/history")
@permission("goals.view")
def history(goal_id: int):
    found = db.get_or_404(Goal, goal_id)
    return render_template(
        "goals/history.html", goal=found, versions=list(reversed(found.versions))
    )


@bp.post("/<int:goal_id>/retire")
@permission("goals.edit")
def retire(goal_id: int):
    found = db.get_or_404(Goal, goal_id)
    form = RetireForm()
    if form.validate_on_submit():
        services.retire_goal(current_user, found, form.retired_on.data)
        flash(_("The goal was retired. It and its history stay readable."))
    return redirect(url_for("goals.goal", goal_id=found.id))


@bp.post("/<int:goal_id>/links")
@permission("goals.edit")
def add_link(goal_id: int):
    found = db.get_or_404(Goal, goal_id)
    form = LinkForm()
    form.fill_targets()
    if not form.validate_on_submit():
        flash(
            _("Choose a code or a theme, and whether it speaks for, against or neutrally."), "error"
        )
        return redirect(url_for("goals.goal", goal_id=found.id))
    kind, _sep, key = form.target.data.partition(":")
    target = db.get_or_404(Theme if kind == "theme" else Code, int(key))
    try:
        services.link(
            current_user,
            found,
            direction=form.direction.data,
            **{"theme" if kind == "theme" else "code": target},
        )
    except GoalError as error:
        transaction.refuse(error)
    else:
        flash(_("The link was saved."))
    return redirect(url_for("goals.goal", goal_id=found.id) + "#evidence")


@bp.post("/links/<int:link_id>/delete")
@permission("goals.edit")
def remove_link(link_id: int):
    found = db.get_or_404(GoalLink, link_id)
    goal_id = found.goal_id
    if ActionForm().validate_on_submit():
        services.unlink(current_user, found)
        flash(_("The link was removed."))
    return redirect(url_for("goals.goal", goal_id=goal_id) + "#evidence")


def _guideline_page(guideline: Guideline | None):
    form = GuidelineForm(obj=guideline if request.method == "GET" else None)
    form.fill_goals(guideline.goal if guideline else None)
    if request.method == "GET" and guideline is None:
        form.language.data, form.adopted_on.data = typing_language(), today()
        asked = GoalQuery(request.args)
        if asked.validate() and asked.goal.data:
            form.goal_id.data = asked.goal.data
    newest = None
    if form.validate_on_submit():
        fields = {
            f: getattr(form, f).data
            for f in ("title", "text", "owner", "language", "adopted_on", "revised_on")
        }
        try:
            saved = services.save_guideline(
                current_user,
                guideline,
                form.revision.data or 0,
                goal=db.session.get(Goal, form.goal_id.data),
                **fields,
            )
        except GoalConflict as conflict:
            newest = db.session.get(Guideline, guideline.id)
            form.revision.data, form.revision.raw_data = newest.revision, [str(newest.revision)]
            form.form_errors.append(conflict.message)
        except GoalError as error:
            _refused(form, error)
        else:
            flash(_("The guideline was saved."))
            return redirect(url_for("goals.goal", goal_id=saved.goal_id) + "#guidelines")
    return render_template(
        "goals/guideline.html",
        form=form,
        guideline=guideline,
        newest=newest,
        retire_form=RetireForm(formdata=None, data={"retired_on": today()}),
    )


@bp.route("/guidelines/new", methods=["GET", "POST"])
@permission("goals.edit")
def new_guideline():
    return _guideline_page(None)


@bp.route("/guidelines/<int:guideline_id>/edit", methods=["GET", "POST"])
@permission("goals.edit")
def edit_guideline(guideline_id: int):
    return _guideline_page(db.get_or_404(Guideline, guideline_id))


@bp.post("/guidelines/<int:guideline_id>/retire")
@permission("goals.edit")
def retire_guideline(guideline_id: int):
    found = db.get_or_404(Guideline, guideline_id)
    form = RetireForm()
    if form.validate_on_submit():
        try:
            services.retire_guideline(current_user, found, form.retired_on.data)
        except GoalError as error:
            transaction.refuse(error)
        else:
            flash(_("The guideline was retired."))
    return redirect(url_for("goals.goal", goal_id=found.goal_id) + "#guidelines")


@bp.get("/leadership")
@permission("leadership.view")
def leadership():
    found = leadership_info.leadership(current_user)
    return render_template(
        "goals/leadership.html",
        info=found,
        statuses=leadership_info.status_counts(found.actions),
        note=SECONDARY_NOTE,
        overdue=overdue,
        report_form=ActionForm(),
    )


@bp.post("/leadership/reports")
@permission("leadership.view")
def start_report():
    if ActionForm().validate_on_submit():
        job = report.start_report(current_user)
        return redirect(url_for("goals.report_status", job_id=job.id))
    return redirect(url_for("goals.leadership"))


def _report_job(job_id: int):
    job = report.report_job(current_user, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/leadership/reports/<int:job_id>")
@permission("leadership.view")
def report_status(job_id: int):
    job = _report_job(job_id)
    if request.accept_mimetypes.best == "application/json":
        return job.status()
    return render_template("goals/report.html", job=job)


@bp.get("/leadership/reports/<int:job_id>/download")
@permission("leadership.view")
def report_download(job_id: int):
    name, filename = report.report_file(current_user, _report_job(job_id))
    return attachment(
        b"".join(storage.open_plaintext(name)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename,
    )
