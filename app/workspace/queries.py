"""What the workspace's pages read: the releases one may code, the codings one sees, the
rounds one is in, and who codes."""

import hashlib

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Text, func, select, type_coerce
from sqlalchemy.orm import joinedload, load_only, selectinload

from app.consent import gate
from app.consent.models import ConsentRecord
from app.core.db import db
from app.core.permissions import authorize
from app.core.users import Role, User
from app.interviews.models import Interview
from app.offers.models import Offer
from app.participants.models import Participant, Placement
from app.releases.attributes import stamp_missing
from app.releases.models import Release
from app.workspace.models import Coding, CodingRound


def _consent_loaded():
    """What the consent gate and the release lists read of each release's interview, loaded
    in a few queries instead of several per release: the consents with their grants, and of
    the participant only the code and the birth date (their identity is not decrypted)."""
    consents = selectinload(Interview.consents).options(
        load_only(ConsentRecord.giver), selectinload(ConsentRecord.grants)
    )
    participant = (joinedload(Interview.offer).joinedload(Offer.placement)
                   .joinedload(Placement.participant)
                   .load_only(Participant.code, Participant.birth_date))  # fmt: skip
    return selectinload(Release.interview).options(consents, participant)


#: transcripts per page of the coding start page
PAGE_SIZE = 50


def _codable(actor):
    """The newest release of every interview ``actor`` may code, as a query: the consent
    gate asked by the database (``gate.sql_allows``), so that ten thousand releases are not
    read to list fifty."""
    authorize(actor, "coding.work")
    newest = (select(Release.interview_id, func.max(Release.version).label("version"))
              .group_by(Release.interview_id).subquery())  # fmt: skip
    path = "transcript.read" if actor.has_role(Role.COORDINATOR) else "research.read"
    return (
        select(Release)
        .join(newest, (Release.interview_id == newest.c.interview_id)
              & (Release.version == newest.c.version))
        .join(Interview, Interview.id == Release.interview_id)
        .where(gate.sql_allows(path))
    )  # fmt: skip


def codable_releases(actor) -> list[Release]:
    """The newest release of every interview ``actor`` may code, oldest first."""
    query = _codable(actor).options(_consent_loaded()).order_by(Release.id)
    return db.session.scalars(query).all()


def codable_page(actor, page: int, year: int | None = None) -> tuple[list[Release], int, list]:
    """One page (from 1) of ``codable_releases``, of one year if given; how many there are
    in all; and the years there are (for the filter)."""
    stamp_missing()  # the year of a release made before releases were stamped
    query = _codable(actor)
    found = query.subquery()
    # the years and how many there are in each, in one reading of the consent gate
    per_year = dict(
        db.session.execute(select(found.c.year, func.count()).group_by(found.c.year)).all()
    )
    years = sorted(y for y in per_year if y)
    if year is not None:
        query = query.where(Release.year == year)
    total = per_year.get(year, 0) if year is not None else sum(per_year.values())
    participant = (selectinload(Release.interview).selectinload(Interview.offer)
                   .selectinload(Offer.placement).selectinload(Placement.participant)
                   .load_only(Participant.code))  # fmt: skip
    rows = db.session.scalars(
        query.options(participant).order_by(Release.id)
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()  # fmt: skip
    return rows, total, years


#: what the workspace needs of a coding, read without building objects (a page may hold 1,000)
COLUMNS = (Coding.id, Coding.code_id, Coding.coder_id, Coding.start_offset, Coding.end_offset,
           Coding.memo, Coding.consensus)  # fmt: skip


def _visible(query, actor, release: Release, coding_round: CodingRound | None):
    """``query`` narrowed to the codings of ``release`` that ``actor`` sees: shared and
    consensus codings; in an open round only the actor's own blind codings; in a closed
    round every coder's."""
    query = query.where(Coding.release_id == release.id)
    if coding_round is None:
        return query.where((Coding.round_id.is_(None)) | Coding.consensus)
    if coding_round.is_open:
        return query.where(Coding.round_id == coding_round.id, Coding.coder_id == actor.id,
                           ~Coding.consensus)  # fmt: skip
    return query.where(Coding.round_id == coding_round.id, ~Coding.consensus)


def visible_codings(actor, release: Release, coding_round: CodingRound | None = None,
                    columns=None):  # fmt: skip
    """Shared and consensus codings; in an open round only the actor's own blind codings;
    in a closed round every coder's. With ``columns``, rows instead of objects."""
    query = _visible(select(*columns) if columns else select(Coding), actor, release,
                     coding_round).order_by(Coding.start_offset, Coding.id)  # fmt: skip
    return db.session.execute(query).all() if columns else db.session.scalars(query).all()


def codings_version(actor, release: Release, coding_round: CodingRound | None = None) -> str:
    """A short fingerprint of the codings ``actor`` sees in ``release``: it changes when one
    is added or removed, or its memo changes (a memo is written anew, so its stored cipher
    text changes too; nothing is decrypted for this)."""
    stored_memo = type_coerce(Coding.memo, Text)
    rows = db.session.execute(
        _visible(select(Coding.id, stored_memo), actor, release, coding_round).order_by(Coding.id)
    ).all()  # fmt: skip
    digest = hashlib.sha256()
    for coding_id, memo in rows:
        digest.update(f"{coding_id}:{memo or ''};".encode())
    return digest.hexdigest()[:20]


def saved_summary(actor, release: Release, coding_round: CodingRound | None = None) -> str:
    """What the actor's codings of this release (in this round) now are, as a statement for
    the workspace's status line: "Saved: 3 codes on 2 passages."."""
    spans = db.session.execute(
        select(Coding.start_offset, Coding.end_offset).where(
            Coding.release_id == release.id, Coding.coder_id == actor.id,
            Coding.round_id == (coding_round.id if coding_round else None),
            ~Coding.consensus,
        )
    ).all()  # fmt: skip
    if not spans:
        return _("Saved: you have no codings in this text.")
    codes = ngettext("%(num)d code", "%(num)d codes", len(spans))
    passages = ngettext("%(num)s passage", "%(num)s passages", len(set(spans)))
    return _("Saved: %(codes)s on %(passages)s.", codes=codes, passages=passages)


def rounds_for(actor) -> list[CodingRound]:
    authorize(actor, "coding.work")
    rounds = db.session.scalars(select(CodingRound).order_by(CodingRound.id.desc())).all()
    if actor.has_role(Role.COORDINATOR):
        return rounds
    return [r for r in rounds if r.seen_by(actor)]


def shared_counts(releases: list[Release]) -> dict[int, int]:
    """Release id -> how many shared and consensus codings it holds."""
    return dict(db.session.execute(
        select(Coding.release_id, func.count()).where(
            Coding.release_id.in_([r.id for r in releases]),
            Coding.round_id.is_(None) | Coding.consensus).group_by(Coding.release_id)
    ).all())  # fmt: skip


def users(ids) -> list[User]:
    """The users with these ids (the coders named on a page)."""
    return db.session.scalars(select(User).where(User.id.in_(ids))).all()


def coders() -> list[User]:
    """Every active user who codes (a research partner or a coordinator), by name."""
    found = db.session.scalars(select(User).where(User.active).order_by(User.display_name))
    return [u for u in found if u.has_role(Role.RESEARCHER, Role.COORDINATOR)]
