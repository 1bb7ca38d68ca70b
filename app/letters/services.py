"""The year's letter back to the young people: drafts, editing, printing, and sending.

Every function takes the acting user and checks the permission; each refuses with a
``LetterError`` before it writes anything, flushes what it writes and never commits (the
request does). Showing who the letter goes to, and printing it with their addresses, are
identity reads and audited; so is every change.
"""

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.calendar import local_date, today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.core.refusal import Refused
from app.core.text import clean
from app.letters import printing, queries
from app.letters.models import LetterDraft, LetterSent
from app.letters.queries import Entry
from app.participants.models import Participant
from app.participants.services import show_identity
from app.reviews.models import ActionStatus, ReviewSession, SessionStatus

audit.ACTION_LABELS.update({
    "letter.draft": _l("Letter to the young people drafted"),
    "letter.edit": _l("Letter to the young people edited"),
    "letter.print": _l("Letters printed (names and addresses)"),
    "letter.sent": _l("Letters recorded as sent"),
})  # fmt: skip

#: the longest letter text kept
MAX_BODY = 20_000


class LetterError(Refused):
    """A refused change; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


class LetterConflict(LetterError):
    """Someone saved the draft since this editor loaded it; the refused text is the
    caller's to keep and show beside the saved one."""


def _approved(session: ReviewSession) -> None:
    if session.status_enum is not SessionStatus.APPROVED:
        raise LetterError(_l("The letter is written once the review's minutes are approved."))


# --- who it goes to ------------------------------------------------------------------------


def read_recipients(actor, session: ReviewSession) -> list[Entry]:
    """Everyone the review learned from, recipients and left-out alike, with their names:
    an identity read, audited."""
    authorize(actor, "letters.manage")
    found = queries.entries(session)
    show_identity(actor, [e.participant for e in found], purpose="letters")
    return found


# --- the drafts ----------------------------------------------------------------------------


def _items(lines: list[str]) -> str:
    return "\n".join(f"- {' '.join(clean(line).split())}" for line in lines)


def draft_text(session: ReviewSession, language: str) -> str:
    """A first draft in ``language``: short sentences around the approved learning points
    and actions, which are copied as the team wrote them (the coordinator puts them into
    plain words, in the letter's language)."""
    learned = [n.body for n in session.notes if n.learning]
    changes = [a.what for a in session.actions if a.status != ActionStatus.DROPPED.value]
    with force_locale(language):
        parts = [
            _("Hello!"),
            _("Thank you for talking with us about your time in foster care. You asked to "
              "hear what we did with what you told us. This is our letter for %(year)s.",
              year=session.year),
            _("Every year we read what young people tell us. Then we meet and talk about what "
              "we can do better. Nobody can see who said what."),
            _("What we learned:") + "\n" + (_items(learned) or "- " + _("Nothing new this time.")),
            _("What we are changing:") + "\n"
            + (_items(changes) or "- " + _("We keep working as before.")),
            _("What you told us helps the children who live in foster homes today. Thank you!"),
            _("If you want to talk with us, you are welcome to call."),
            _("Best wishes,") + "\n" + _("The foster care team"),
        ]  # fmt: skip
    return "\n\n".join(parts)


def create_drafts(actor, session: ReviewSession) -> list[LetterDraft]:
    """A draft in each language the recipients read that has none yet; returns the new
    ones. Refused before the minutes are approved, or when nobody is to get the letter."""
    authorize(actor, "letters.manage")
    _approved(session)
    recipients = [e for e in queries.entries(session) if e.recipient]
    if not recipients:
        raise LetterError(_l("Nobody interviewed in this review's period asked to hear back "
                             "(with an address), so there is no letter to write."))  # fmt: skip
    have = queries.drafts(session)
    languages = sorted({e.language for e in recipients} - set(have))
    if not languages:
        raise LetterError(_l("There is already a draft in every language the recipients read."))
    made = [LetterDraft(session_id=session.id, language=language,
                        body=draft_text(session, language), revision=1,
                        created_by_id=actor.id, updated_by_id=actor.id)
            for language in languages]  # fmt: skip
    # Two coordinators drafting at once: the second's rows wait for the first's and clash.
    try:
        with db.session.begin_nested():
            db.session.add_all(made)
    except IntegrityError:
        raise LetterError(_l("Someone else made the drafts a moment ago: open the letter "
                             "page again to edit them."))  from None  # fmt: skip
    audit.record(actor, "letter.draft", "review_session", session.id, languages=languages)
    return made


def _body(text: str) -> str:
    body = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise LetterError(_l("The letter needs a text."), "body")
    if len(body) > MAX_BODY:
        raise LetterError(_l("A letter can be at most 20,000 characters."), "body")
    return clean(body)


def save_draft(actor, draft: LetterDraft, text: str, revision: int) -> LetterDraft:
    """Save the edited letter; refused with ``LetterConflict`` if it was saved by someone
    else since ``revision`` was read, so that nobody's edit is silently overwritten."""
    authorize(actor, "letters.manage")
    body = _body(text)
    # Compare and set in one statement: of two saves from the same revision only one wins,
    # and the other is refused, not lost.
    saved = db.session.execute(
        update(LetterDraft)
        .where(LetterDraft.id == draft.id, LetterDraft.revision == revision)
        .values(body=body, revision=revision + 1, updated_by_id=actor.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    db.session.refresh(draft)
    if saved != 1:
        if draft.body == body:
            return draft  # the same words saved twice: no conflict
        raise LetterConflict(
            _l("Someone else saved this letter while you were editing it. Your text is kept "
               "below: compare it with the saved one, then save again to replace it.")
        )  # fmt: skip
    audit.record(actor, "letter.edit", "review_session", draft.session_id,
                 language=draft.language, revision=draft.revision)  # fmt: skip
    return draft


# --- printing and sending ------------------------------------------------------------------


def _ready(session: ReviewSession, entry: Entry | None) -> LetterDraft:
    """The draft ``entry``'s letter is printed from; refused, with the reason, for anyone
    who is not to get it."""
    if entry is None:
        raise LetterError(_l("That person was not interviewed in this review's period."))
    if entry.reason is not None:
        raise LetterError(_l("No letter for %(code)s: %(reason)s.", code=entry.participant.code,
                             reason=entry.reason.label))  # fmt: skip
    draft = queries.drafts(session).get(entry.language)
    if draft is None:
        raise LetterError(_l("There is no draft in %(code)s's language yet: make the drafts "
                             "first.", code=entry.participant.code))  # fmt: skip
    return draft


def _entry(session: ReviewSession, participant_id: int) -> Entry | None:
    return next((e for e in queries.entries(session) if e.participant.id == participant_id), None)


def print_one(actor, session: ReviewSession, participant: Participant) -> tuple[bytes, str]:
    """One person's letter as DOCX, with their address: audited. Refused, with the reason,
    for someone left out (withdrew, no address, said no, a guardian's yes missing)."""
    authorize(actor, "letters.manage")
    authorize(actor, "participants.view", participant)
    _approved(session)
    entry = _entry(session, participant.id)
    draft = _ready(session, entry)
    content = printing.letters_docx([(entry, draft)], today())
    audit.record(actor, "letter.print", "participant", participant.id, session=session.id)
    return content, f"letter-{session.year}-{participant.code}.docx"


def check_printable(actor, session: ReviewSession) -> list[tuple[Entry, LetterDraft]]:
    """Every recipient with the draft their letter is printed from; refused when nobody is
    to get the letter or a recipient's language has no draft."""
    authorize(actor, "letters.manage")
    _approved(session)
    recipients = [e for e in queries.entries(session) if e.recipient]
    if not recipients:
        raise LetterError(_l("Nobody is to get the letter, so there is nothing to print."))
    return [(entry, _ready(session, entry)) for entry in recipients]


def print_all(actor, session: ReviewSession) -> tuple[bytes, str, list[int]]:
    """Every recipient's letter in one DOCX, a page each, with the file's name and who is
    in it: audited. Those left out are not in it (the letter page says why); a recipient
    whose language has no draft refuses it."""
    letters = check_printable(actor, session)
    show = [entry.participant for entry, _draft in letters]
    for participant in show:
        authorize(actor, "participants.view", participant)
    content = printing.letters_docx(letters, today())
    ids = sorted(p.id for p in show)
    audit.record(actor, "letter.print", "participant", None, session=session.id, ids=ids)
    return content, f"letters-{session.year}.docx", ids


def record_sent(actor, session: ReviewSession, participant_ids: list[int],
                sent_on: date) -> list[LetterSent]:  # fmt: skip
    """Record that the letter was sent to these recipients on ``sent_on``; all are checked
    before anything is written."""
    authorize(actor, "letters.manage")
    _approved(session)
    if not participant_ids:
        raise LetterError(_l("Choose who the letter was sent to."), "participants")
    if sent_on > today():
        raise LetterError(_l("A letter cannot be recorded as sent in the future."), "sent_on")
    # (never after today: with TODAY pinned, as in tests, the approval clock may run ahead)
    approved = min(local_date(session.approved_at) if session.approved_at else session.held_on,
                   today())  # fmt: skip
    if sent_on < approved:
        raise LetterError(_l("The letter cannot have been sent before the minutes were "
                             "approved (%(day)s).", day=approved.isoformat()),
                          "sent_on")  # fmt: skip
    by_id = {e.participant.id: e for e in queries.entries(session)}
    chosen = []
    for participant_id in dict.fromkeys(participant_ids):
        entry = by_id.get(participant_id)
        _ready(session, entry)
        if entry.sent is not None:
            raise LetterError(_l("The letter to %(code)s is already recorded as sent.",
                                 code=entry.participant.code))  # fmt: skip
        chosen.append(entry)
    rows = [LetterSent(session_id=session.id, participant_id=e.participant.id,
                       language=e.language, sent_on=sent_on, sent_by_id=actor.id)
            for e in chosen]  # fmt: skip
    try:  # two people recording at once: the second's rows clash with the first's
        with db.session.begin_nested():
            db.session.add_all(rows)
    except IntegrityError:
        raise LetterError(_l("Someone else recorded these letters as sent a moment ago: "
                             "open the letter page again to see them.")) from None  # fmt: skip
    audit.record(actor, "letter.sent", "review_session", session.id, sent_on=sent_on,
                 ids=sorted(e.participant.id for e in chosen))  # fmt: skip
    return rows
