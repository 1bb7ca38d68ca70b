"""What the round pages read besides the agreement: the releases a round lost, and why."""

from dataclasses import dataclass

from app.consent.scopes import Scope
from app.releases.models import Release
from app.workspace.models import CodingRound


@dataclass
class Dropped:
    """A release of a round that no longer counts, and why."""

    release: Release
    #: "research_use" or "participation" when a withdrawal ended it, else None
    scope: str | None
    withdrawn_on: object  # date | None


def dropped_releases(actor, coding_round: CodingRound, kept: list[Release]) -> list[Dropped]:
    """The round's releases that ``actor`` no longer codes, each with the withdrawal that
    took it out, so that a page can say what happened instead of showing empty figures."""
    found = []
    for release in coding_round.releases:
        if release in kept:
            continue
        ended = [(w, scope) for w in release.interview.withdrawals for scope in w.scope_list
                 if scope in (Scope.RESEARCH_USE, Scope.PARTICIPATION)]  # fmt: skip
        if ended:
            withdrawal, scope = ended[-1]
            found.append(Dropped(release, scope.value, withdrawal.withdrawn_on))
        else:
            found.append(Dropped(release, None, None))
    return found
