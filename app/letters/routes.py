"""The letter back to the young people: the draft per language, who gets it and who is
left out (and why), the printed letters, and the record of sending. Coordinator only."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from analysis.plain_language import LIMIT, long_sentences
from app.core import storage, transaction
from app.core.calendar import today
from app.core.db import db
from app.core.downloads import attachment
from app.core.permissions import permission
from app.letters import merged, queries, services
from app.letters.forms import CreateForm, DraftForm, SentForm
from app.letters.models import LetterDraft
from app.letters.services import LetterConflict, LetterError
from app.participants.models import Participant
from app.reviews.models import ReviewSession

bp = Blueprint("letters", __name__, template_folder="templates", url_prefix="/letters")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _page(session: ReviewSession, conflict: tuple[str, DraftForm, str] | None = None):
    """The letter page; ``conflict`` is a language whose save was refused, with the
    person's form (their text) and the reason, shown beside the saved text."""
    entries = services.read_recipients(current_user, session)
    drafts = queries.drafts(session)
    forms = {
        language: DraftForm(formdata=None, prefix=language,
                            data={"body": draft.body, "revision": draft.revision})
        for language, draft in drafts.items()
    }  # fmt: skip
    conflicts = {}
    if conflict:
        language, form, message = conflict
        form.revision.data = drafts[language].revision
        forms[language], conflicts[language] = form, message
    sent_form = SentForm(formdata=None, sent_on=today())
    sent_form.participants.choices = [
        SelectChoice(e.participant.id, f"{e.participant.code} · {e.participant.name}")
        for e in entries if e.recipient and e.sent is None and e.language in drafts
    ]  # fmt: skip
    return render_template(
        "letters/session.html", s=session, entries=entries, drafts=drafts, forms=forms,
        conflicts=conflicts, create_form=CreateForm(), sent_form=sent_form,
        long={lang: long_sentences(d.body) for lang, d in drafts.items()}, limit=LIMIT,
        recipients=[e for e in entries if e.recipient],
        left_out=[e for e in entries if not e.recipient],
    )  # fmt: skip


def _back(session: ReviewSession, anchor: str | None = None):
    return redirect(url_for("letters.session", session_id=session.id, _anchor=anchor))


@bp.get("/sessions/<int:session_id>")
@permission("letters.manage")
def session(session_id: int):
    return _page(db.get_or_404(ReviewSession, session_id))


@bp.post("/sessions/<int:session_id>/drafts")
@permission("letters.manage")
def create_drafts(session_id: int):
    found = db.get_or_404(ReviewSession, session_id)
    if CreateForm().validate_on_submit():
        made = services.create_drafts(current_user, found)
        flash(_("A draft was made in %(n)s language(s). Edit it into plain words before "
                    "printing.", n=len(made)))  # fmt: skip
    return _back(found)


@bp.post("/drafts/<int:draft_id>")
@permission("letters.manage")
def save_draft(draft_id: int):
    draft = db.get_or_404(LetterDraft, draft_id)
    form = DraftForm(prefix=draft.language)
    if not form.validate_on_submit():
        flash(_("The letter could not be saved: it needs a text of at most 20,000 "
                "characters."), "error")  # fmt: skip
        return _back(draft.session, f"draft-{draft.language}")
    try:
        services.save_draft(current_user, draft, form.body.data, form.revision.data)
    except LetterConflict as conflict:
        # Answered 200 with both texts: the person's text goes back whole, never dropped.
        mine = DraftForm(
            formdata=None,
            prefix=draft.language,
            data={"body": form.body.data, "revision": form.revision.data},
        )
        return _page(draft.session, (draft.language, mine, str(conflict.message)))
    except LetterError as error:
        transaction.refuse(error)
    else:
        flash(_("The letter was saved."))
    return _back(draft.session, f"draft-{draft.language}")


@bp.post("/sessions/<int:session_id>/letters")
@permission("letters.manage")
def start_merged(session_id: int):
    found = db.get_or_404(ReviewSession, session_id)
    if CreateForm().validate_on_submit():
        job = merged.start_merged(current_user, found)
        return redirect(url_for("letters.merged_status", job_id=job.id))
    return _back(found, "recipients")


def _merged_job(job_id: int):
    job = merged.merged_job(job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/merged/<int:job_id>")
@permission("letters.manage")
def merged_status(job_id: int):
    job = _merged_job(job_id)
    if request.accept_mimetypes.best == "application/json":
        return job.status()
    found = db.get_or_404(ReviewSession, job.params_dict["session_id"])
    return render_template("letters/merged.html", job=job, s=found, create_form=CreateForm())


@bp.get("/merged/<int:job_id>/download")
@permission("letters.manage")
def merged_download(job_id: int):
    name, filename = merged.merged_file(current_user, _merged_job(job_id))
    return attachment(b"".join(storage.open_plaintext(name)), DOCX, filename)


@bp.get("/sessions/<int:session_id>/participants/<int:participant_id>.docx")
@permission("letters.manage")
def print_one(session_id: int, participant_id: int):
    found = db.get_or_404(ReviewSession, session_id)
    person = db.get_or_404(Participant, participant_id)
    content, name = services.print_one(current_user, found, person)
    return attachment(content, DOCX, name)


@bp.post("/sessions/<int:session_id>/sent")
@permission("letters.manage")
def record_sent(session_id: int):
    found = db.get_or_404(ReviewSession, session_id)
    form = SentForm()
    # Everyone the review learned from is a valid choice here: the service says why someone
    # left out gets no letter, where the form could only say "not a valid choice".
    form.participants.choices = [
        SelectChoice(e.participant.id, e.participant.code) for e in queries.entries(found)
    ]
    if not form.validate_on_submit():
        flash(_("Choose who the letter was sent to, and the date."), "error")
        return _back(found, "sent")
    try:
        rows = services.record_sent(current_user, found, form.participants.data,
                                    form.sent_on.data)  # fmt: skip
    except LetterError as error:
        transaction.refuse(error)
    else:
        flash(_("Recorded as sent: %(n)s letter(s).", n=len(rows)))
    return _back(found, "sent")
