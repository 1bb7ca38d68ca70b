from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app.consent import gate
from app.core.db import db
from app.core.permissions import can, permission
from app.interviews.models import Interview
from app.releases import services
from app.releases.forms import ReleaseForm
from app.releases.models import Release
from app.releases.services import LABEL_NAMES, ReleaseError

bp = Blueprint("releases", __name__, url_prefix="/releases", template_folder="templates")


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


@bp.route("/review/<int:interview_id>", methods=["GET", "POST"])
@permission("releases.review")
def review(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    try:
        found, proposals = services.propose(current_user, interview)
    except ReleaseError as error:
        flash(str(error.message), "error")
        return redirect(url_for("interviews.show", interview_id=interview.id))
    names = services.placeholders({}, proposals)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            entry = services.release(
                current_user, interview,
                accepted=[(d.start.data, d.end.data, d.kind.data, d.surface.data)
                          for d in form.decisions if d.replace.data],
                additions=[(a.surface.data, a.kind.data) for a in form.additions
                           if (a.surface.data or "").strip()],
                renames={r.old.data: r.new.data for r in form.renames if r.new.data},
                note=form.note.data,
            )  # fmt: skip
        except ReleaseError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            found, proposals = services.propose(current_user, interview)  # audited again
        else:
            flash(_("Version %(n)s was released.", n=entry.version))
            return redirect(url_for("releases.show", release_id=entry.id))
    elif not form.is_submitted():
        form = ReleaseForm(data={
            "decisions": [{"start": p.start, "end": p.end, "kind": p.label, "surface": p.text,
                           "replace": True} for p in proposals],
            "renames": [{"old": name} for name in names],
        })  # fmt: skip
    return render_template(
        "releases/review.html", source=found, interview=interview,
        form=form, rows=list(zip(form.decisions, proposals, strict=False)),
        renames=form.renames, text=highlighted(found.text, proposals), labels=LABEL_NAMES,
        research=gate.allows(interview, "research.read"),
    )  # fmt: skip


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
