"""What withdrawing participation removes beyond the interview's own rows.

The interview's memos, transcripts and releases go through their areas' consent effects
(``app.consent.services.register_effect``); this one removes what those leave behind about the
interview elsewhere: the participant's pseudonym map entries that only this interview
gave (names of friends, schools, dates), the REFI-QDA identifiers of its releases, and
subject access exports made before the withdrawal, which copy all of it.
"""

import json
import re

from sqlalchemy import delete, select

from analysis.pseudonymise import LABELS
from app.core.db import db, utcnow
from app.exchange.models import ExchangeGuid
from app.interviews.models import Interview, Status
from app.releases.models import PseudonymMap

#: endings a name may carry where another interview still says it ("Ebbas" for "Ebba")
_GENITIVE = r"(?:s|'s|’s|')?"


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def _surface(key: str) -> str:
    """The passage a map key stands for ("PERSON:ebba lindqvist" -> "ebba lindqvist");
    older keys are the bare surface."""
    prefix, colon, surface = key.partition(":")
    return surface if colon and prefix.upper() in LABELS else key


def _held_by(interview: Interview) -> tuple[str, str]:
    """(what the interview's transcripts and memos say, casefolded; its released texts)."""
    said = [s.text for t in interview.transcripts for s in t.segments]
    said += [memo.text for memo in interview.memos]
    released = [release.text for release in interview.releases]
    return _normalised("\n".join(said)), "\n".join(released)


def _still_needed(key: str, entry: dict, said: str, released: str) -> bool:
    """An entry stays while another interview of the participant still holds it: its
    placeholder in that interview's released text (so that the releases keep meaning the
    same person), or its passage in that interview's transcript or memos (so that the
    next release of it numbers the person as before)."""
    placeholders = {entry.get("placeholder"), entry.get("numbered")} - {None, ""}
    if any(placeholder in released for placeholder in placeholders):
        return True
    surface = _normalised(_surface(key))
    pattern = rf"(?<!\w){re.escape(surface)}{_GENITIVE}(?!\w)"
    return bool(surface) and re.search(pattern, said) is not None


def forget_pseudonyms(interview: Interview) -> int:
    """Remove the map entries that no other interview of the participant holds; the whole
    map when none is left. Returns how many entries went."""
    participant = interview.participant
    mapping = db.session.scalar(
        select(PseudonymMap).where(PseudonymMap.participant_id == participant.id)
    )
    if mapping is None:
        return 0
    entries = mapping.entry_dict
    others = [
        other for placement in participant.placements
        for other in (placement.offer.interviews if placement.offer else [])
        if other.id != interview.id and other.status != Status.WITHDRAWN.value
    ]  # fmt: skip
    held = [_held_by(other) for other in others]
    said = "\n".join(s for s, _ in held)
    released = "\n".join(r for _, r in held)
    kept = {key: entry for key, entry in entries.items()
            if _still_needed(key, entry, said, released)}  # fmt: skip
    if not kept:
        db.session.delete(mapping)
    elif len(kept) < len(entries):
        mapping.entries = json.dumps(kept, ensure_ascii=False)
        mapping.updated_at = utcnow()
    db.session.flush()
    return len(entries) - len(kept)


def _forget_exchange_ids(interview: Interview) -> None:
    releases = [release.id for release in interview.releases]
    if releases:
        db.session.execute(
            delete(ExchangeGuid).where(ExchangeGuid.kind == "release",
                                       ExchangeGuid.entity_id.in_(releases))
        )  # fmt: skip


def _discard_exports(interview: Interview) -> int:
    """Subject access exports of the participant still in the store copy the interview:
    their files go (the coordinator makes a new one if the young person asks)."""
    from app.privacy.access import discard_exports

    return discard_exports(interview.participant)


def erase_derived(actor, interview: Interview) -> list[dict]:
    """participation withdrawn: the consent effect that removes what was derived from the
    interview outside its own rows. Runs before the releases are deleted."""
    _forget_exchange_ids(interview)
    done = []
    forgotten = forget_pseudonyms(interview)
    if forgotten:
        done.append({"effect": "pseudonyms_erased", "count": forgotten})
    discarded = _discard_exports(interview)
    if discarded:
        done.append({"effect": "exports_discarded", "count": discarded})
    return done
