"""The minutes of a review session, as a Word document."""

import io
from collections.abc import Callable

from flask_babel import gettext as _

from app.core import audit
from app.core.i18n import format_day
from app.core.text import clean
from app.reviews.actions import carried_actions
from app.reviews.models import ReviewSession
from app.reviews.sessions import check_session

#: sections a higher area writes into the minutes: agenda kind -> write(document, session).
#: Written under the agenda item of that kind, or after the agenda when it has none. The
#: goals area registers "goals" (app.goals.routes).
SECTIONS: dict[str, Callable] = {}


def _serves(action) -> str:
    """ " (serves: goal – guideline)" for an action that names a goal, else ""."""
    if action.goal is None:
        return ""
    name = action.goal.title + (f" – {action.guideline.title}" if action.guideline else "")
    return " " + _("(serves: %(goal)s)", goal=clean(name))


def minutes_docx(actor, found: ReviewSession) -> bytes:
    """The minutes of a session as DOCX: agenda items with their notes, the actions, the
    follow-up of earlier actions and the learning points. Audited."""
    from docx import Document

    check_session(actor, found)
    audit.record(actor, "review.minutes", "review_session", found.id)

    document = Document()
    document.add_heading(clean(found.title), level=0)
    day, names = format_day(found.held_on), ", ".join(m.display_name for m in found.members)
    document.add_paragraph(_("Meeting on %(day)s. Status: %(status)s.", day=day,
                             status=found.status_enum.label))  # fmt: skip
    document.add_paragraph(_("Present: %(names)s", names=clean(names)))
    from flask_babel import get_locale

    written = set()
    for index, item in enumerate(found.agenda_for(str(get_locale() or "en"))):
        document.add_heading(f"{index + 1}. {clean(item['title'])}", level=1)
        for note in (n for n in found.notes if n.item == index):
            paragraph = document.add_paragraph(style="List Bullet")
            if note.learning:
                paragraph.add_run(_("Learning point:") + " ").bold = True
            paragraph.add_run(clean(note.body))
        if item.get("kind") == "actions":
            for action in found.actions:
                document.add_paragraph(
                    _("%(what)s — %(owner)s, due %(day)s (%(status)s)",
                      what=clean(action.what), owner=clean(action.owner.display_name),
                      day=format_day(action.due_on), status=action.status_enum.label)
                    + _serves(action),
                    style="List Bullet")  # fmt: skip
        if item.get("kind") == "follow_up":
            for action in carried_actions(found):
                text = _("%(what)s — %(owner)s: %(status)s",
                         what=clean(action.what), owner=clean(action.owner.display_name),
                         status=action.status_enum.label)  # fmt: skip
                if action.follow_up:
                    text += f". {clean(action.follow_up)}"
                document.add_paragraph(text + _serves(action), style="List Bullet")
        if item.get("kind") in SECTIONS and item["kind"] not in written:
            SECTIONS[item["kind"]](document, found)
            written.add(item["kind"])
    for kind, write in SECTIONS.items():
        if kind not in written:  # the agenda has no item of its kind: after the agenda
            write(document, found)
    learning = [n for n in found.notes if n.learning]
    if learning:
        document.add_heading(_("Learning points"), level=1)
        for note in learning:
            document.add_paragraph(clean(note.body), style="List Bullet")
    if found.approved_at:
        document.add_paragraph(_("Minutes approved on %(day)s.",
                                 day=format_day(found.approved_at)))  # fmt: skip
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
