"""Who may code which release: a research partner the newest release of an interview whose
consent covers research use; a coordinator any newest release, for the team's own use. The
checks are here, whatever a page shows. Reading a release to code it is audited."""

from sqlalchemy import func, select

from app.consent import gate
from app.core import audit
from app.core.db import db
from app.core.permissions import PermissionDenied, authorize
from app.core.users import Role
from app.releases.models import Release
from app.workspace.models import CodingRound


def _newest(release: Release) -> bool:
    newest = db.session.scalar(select(func.max(Release.version))
                               .where(Release.interview_id == release.interview_id))  # fmt: skip
    return release.version == newest


def check_release(actor, release: Release) -> None:
    """Raise unless ``actor`` may code ``release`` (PermissionDenied or ConsentMissing)."""
    authorize(actor, "coding.work")
    if not _newest(release):
        raise PermissionDenied("coding.work")
    if actor.has_role(Role.COORDINATOR):
        gate.require(actor, release.interview, "transcript.read")
    else:
        gate.require(actor, release.interview, "research.read")


def may_code(actor, release: Release) -> bool:
    """check_release as a question: no refusal is recorded."""
    if not actor.has_role(Role.RESEARCHER, Role.COORDINATOR) or not _newest(release):
        return False
    path = "transcript.read" if actor.has_role(Role.COORDINATOR) else "research.read"
    return gate.allows(release.interview, path)


def check_round_member(actor, coding_round: CodingRound, release: Release) -> None:
    """Raise unless ``release`` is in the round and ``actor`` sees it: while the round is
    open, only its coders open its releases in it."""
    if release not in coding_round.releases or not coding_round.seen_by(actor):
        raise PermissionDenied("coding.work")
    if coding_round.is_open and actor not in coding_round.coders:
        raise PermissionDenied("coding.work")


def read_release(actor, release: Release, coding_round: CodingRound | None = None) -> Release:
    """Open a release to code it: checked and audited."""
    check_release(actor, release)
    if coding_round is not None:
        check_round_member(actor, coding_round, release)
    audit.record(actor, "release.read", "release", release.id, interview=release.interview_id,
                 purpose="coding", round=coding_round.id if coding_round else None)  # fmt: skip
    return release
