"""A review session's agenda: the default items in each interface language, the team's own
template, the checks an agenda passes before it is saved, and the reader's language an
agenda is shown in.
"""

import json

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.reviews.models import (
    AgendaTemplate,
)
from app.reviews.refusals import ReviewError

#: kind -> (title, guidance): the reflective group process of the Karlstad model
DEFAULT_AGENDA = (
    ("preparation", _l("Preparation"),
     _l("Before the meeting each member reads the quotes assigned to them in the pack.")),
    ("impressions", _l("A round of first impressions"),
     _l("Each in turn says what struck them, without discussion.")),
    ("themes", _l("Theme by theme"),
     _l("For each theme: what do the young people tell us, and what surprises us?")),
    ("goals", _l("Goal by goal"),
     _l("For each goal: what do the interviews say about it, and did we meet it this year?")),
    ("practice", _l("What it means for our practice"),
     _l("What should we keep doing, and what should we do differently?")),
    ("actions", _l("Actions"), _l("What we will change, who owns it and by when.")),
    ("follow_up", _l("Last year's actions followed up"),
     _l("What became of each action decided last time?")),
)  # fmt: skip
KINDS = {kind for kind, _t, _g in DEFAULT_AGENDA} | {"discussion"}


def _languages() -> tuple[str, ...]:
    from flask import current_app

    return tuple(current_app.config["LANGUAGES"])


def agenda_template(language: str | None = None) -> list[dict]:
    """The agenda new sessions start from in ``language`` (default: the asker's): the
    coordinator's template in that language, else the one saved before templates had a
    language, else the default in that language."""
    language = language or reader_language()
    rows = {r.language: r for r in db.session.scalars(select(AgendaTemplate))}
    row = rows.get(language) or rows.get(None)
    if row is not None:
        return json.loads(row.items)
    with force_locale(language):
        return [{"kind": k, "title": str(t), "guidance": str(g)} for k, t, g in DEFAULT_AGENDA]


def agenda_copy(language: str) -> list[dict]:
    """The template in ``language``, each item carrying its words in every language whose
    template has the same items in the same order (the templates are then taken to be
    translations of each other), for a new session's agenda."""
    base = agenda_template(language)
    kinds = [item["kind"] for item in base]
    others = {lang: agenda_template(lang) for lang in _languages()}
    same = {lang: items for lang, items in others.items()
            if [item["kind"] for item in items] == kinds}  # fmt: skip
    return [{**item, "i18n": {lang: {"title": items[i]["title"], "guidance": items[i]["guidance"]}
                              for lang, items in same.items()}}
            for i, item in enumerate(base)]  # fmt: skip


def clean_agenda(items: list[dict]) -> list[dict]:
    cleaned = []
    for item in items:
        title = (item.get("title") or "").strip()
        if not title:
            continue
        kind = item.get("kind") if item.get("kind") in KINDS else "discussion"
        cleaned.append({"kind": kind, "title": title[:200],
                        "guidance": (item.get("guidance") or "").strip()[:2000]})  # fmt: skip
    if not cleaned:
        raise ReviewError(_l("An agenda needs at least one item."), "items")
    return cleaned


def save_template(actor, items: list[dict], language: str | None = None) -> list[dict]:
    """Save the agenda template in ``language`` (default: the actor's); the other
    languages' templates are left as they are."""
    authorize(actor, "reviews.manage")
    language = language or reader_language()
    if language not in _languages():
        raise ReviewError(_l("Choose one of the languages of the interface."))
    cleaned = clean_agenda(items)
    row = db.session.scalar(select(AgendaTemplate).where(AgendaTemplate.language == language))
    if row is None:
        row = AgendaTemplate(language=language)
        db.session.add(row)
    row.items = json.dumps(cleaned, ensure_ascii=False)
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "review.agenda_template", "review_agenda_template", row.id,
                 language=language)  # fmt: skip
    return cleaned


def reader_language() -> str:
    """The language the page is read in, for an agenda shown in it."""
    from flask_babel import get_locale

    return str(get_locale() or "en")
