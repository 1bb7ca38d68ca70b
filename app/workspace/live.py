"""Codings of others in an open workspace without a reload: the page asks every few seconds
whether the codings it shows have changed, and gets them anew when they have. It sees what
the workspace page sees (``queries.visible_codings``): in an open, blind round only the
coder's own codings, never another coder's."""

from app.core import audit
from app.releases.models import Release
from app.workspace import access, queries
from app.workspace.models import CodingRound
from app.workspace.services import coding_json

#: how often an open workspace asks, in seconds, unless ``CODING_POLL_SECONDS`` says otherwise
POLL_SECONDS = 5


def changes(actor, release: Release, coding_round: CodingRound | None, since: str | None) -> dict:
    """The codings ``actor`` sees in ``release`` (in ``coding_round``) unless they are still
    those of the fingerprint ``since``: ``{"version", "changed": False}``, or with
    ``"codings"`` and the ``"coders"`` who made them. Checked as the workspace page is, on
    every call; a call that sends codings is audited as a read of the release, as the page
    is (one that finds nothing changed sends nothing of the release)."""
    access.check_release(actor, release)
    if coding_round is not None:
        access.check_round_member(actor, coding_round, release)
    version = queries.codings_version(actor, release, coding_round)
    if since == version:
        return {"version": version, "changed": False}
    rows = queries.visible_codings(actor, release, coding_round, queries.COLUMNS)
    audit.record(actor, "release.read", "release", release.id, interview=release.interview_id,
                 purpose="coding", round=coding_round.id if coding_round else None,
                 live=True)  # fmt: skip
    coders = queries.users({row.coder_id for row in rows})
    return {"version": version, "changed": True, "codings": [coding_json(r) for r in rows],
            "coders": {str(u.id): u.display_name for u in coders}}  # fmt: skip
