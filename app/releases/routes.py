from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app.consent import gate
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import transaction
from app.core.db import db
from app.core.permissions import can, permission
from app.interviews.models import Interview
from app.releases import services
from app.releases.forms import ConfirmForm, ReleaseForm
from app.releases.models import Release
from app.releases.services import LABEL_NAMES, ReleaseError

bp = Blueprint("releases", __name__, url_prefix="/releases", template_folder="templates")


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint."""
    consent.register_effect(Scope.PARTICIPATION, services.erase_for_withdrawal, 20)


bp.record_once(_register)


def highlighted(text: str, proposals) -> Markup:
    """The transcript with each detection marked by its category and placeholder."""
    pieces, position = [], 0
    for n, p in enumerate(proposals):
        pieces.append(escape(text[position : p.start]))
        mark = Markup('<mark class="pii pii-{}" title="{}" id="d{}">{}</mark>')
        title = f"{LABEL_NAMES[p.label]}: {p.placeholder}"
        pieces.append(mark.format(p.label.lower(), title, n, text[p.start : p.end]))
        position = p.end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def marked_segments(plan) -> list[tuple[dict, Markup]]:
    """Each segment to be released with its placeholders marked, and what the reviewer
    renamed, merged or added marked apart (replacements never cross segments)."""
    found, offset, marks = [], 0, iter(plan.marks)
    mark = next(marks, None)
    for segment in plan.segments:
        text, pieces, position = segment["text"], [], 0
        while mark is not None and mark.end <= offset + len(text):
            start, end = mark.start - offset, mark.end - offset
            changes = [name for name in ("merged", "renamed", "added") if getattr(mark, name)]
            classes = " ".join([f"pii pii-{mark.label.lower()}", *(f"pii-{c}" for c in changes)])
            html = Markup('<mark class="{}" title="{}">{}</mark>').format(
                classes, f"{mark.surface} → {mark.placeholder}", text[start:end]
            )
            pieces += [escape(text[position:start]), html]
            position, mark = end, next(marks, None)
        pieces.append(escape(text[position:]))
        found.append((segment, Markup("").join(pieces)))
        offset += len(text) + 1
    return found


def _review_page(interview, form: ReleaseForm | None = None, error=None):
    """The detections to confirm: fresh, or with the choices that came back (from the
    preview, or refused)."""
    try:
        found, proposals = services.propose(current_user, interview)
    except ReleaseError as refusal:
        transaction.refuse(refusal)
        return redirect(url_for("interviews.show", interview_id=interview.id))
    if form is None:
        form = ReleaseForm(data={
            "decisions": [{"start": p.start, "end": p.end, "kind": p.label, "surface": p.text,
                           "replace": True} for p in proposals],
            "renames": [{"old": name} for name in services.placeholders({}, proposals)],
        })  # fmt: skip
    if error is not None:
        form.form_errors.append(error)
    return render_template(
        "releases/review.html", source=found, interview=interview,
        form=form, rows=list(zip(form.decisions, proposals, strict=False)),
        renames=form.renames, text=highlighted(found.text, proposals), labels=LABEL_NAMES,
        research=gate.allows(interview, "research.read"),
    )  # fmt: skip


def _preview_page(interview, form: ConfirmForm, error=None):
    """The text exactly as it would be frozen, to confirm; the confirmation is asked again
    whenever the page is shown."""
    try:
        plan = services.preview(current_user, interview, **form.choices())
    except ReleaseError as refusal:
        return _review_page(interview, form, refusal.message)
    form.digest.data, form.confirm.data = plan.digest, False
    if error is not None:
        form.form_errors.append(error)
    return render_template(
        "releases/preview.html", interview=interview, plan=plan, form=form,
        segments=marked_segments(plan), labels=LABEL_NAMES,
        research=gate.allows(interview, "research.read"),
    )  # fmt: skip


@bp.route("/review/<int:interview_id>", methods=["GET", "POST"])
@permission("releases.review")
def review(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    # A POST brings the choices back from the preview to change them; nothing is saved.
    return _review_page(interview, ReleaseForm() if request.method == "POST" else None)


@bp.post("/review/<int:interview_id>/preview")
@permission("releases.review")
def preview(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    form = ReleaseForm()  # the choices; the confirmation is asked on the preview
    if not form.validate_on_submit():
        return _review_page(interview, form)
    return _preview_page(interview, ConfirmForm())


@bp.post("/review/<int:interview_id>/release")
@permission("releases.review")
def release(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        if set(form.errors) <= {"confirm", "digest"}:
            return _preview_page(interview, form)  # says what is missing by the checkbox
        return _review_page(interview, form)
    try:
        entry = services.release(current_user, interview, **form.choices(),
                                 note=form.note.data, previewed=form.digest.data)  # fmt: skip
    except ReleaseError as refusal:
        transaction.discard()
        if refusal.field == "preview":
            return _preview_page(interview, form, refusal.message)
        return _review_page(interview, form, refusal.message)
    flash(_("Version %(n)s was released.", n=entry.version))
    return redirect(url_for("releases.show", release_id=entry.id))


@bp.get("/<int:release_id>")
@permission("releases.view")
def show(release_id: int):
    entry = services.read_release(current_user, db.get_or_404(Release, release_id))
    return render_template("releases/show.html", release=entry, interview=entry.interview,
                           research=gate.allows(entry.interview, "research.read"),
                           team=can(current_user, "releases.review", entry.interview))  # fmt: skip


@bp.get("/research")
@permission("research.read")
def research():
    return render_template("releases/research.html",
                           releases=services.for_research(current_user))  # fmt: skip
