"""What the register shows of each placement's follow-up, and who is assigned to whom.

The follow-up (the offer window, the offer and its stage) and the assignment of interviewers
belong to the offers area, a layer above the register. It hands them down as the app is made
(``register``), so that the register's pages, its export and its lists show them without the
register importing the layer it feeds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class FollowUps:
    #: (placement, today, rules) -> how the placement's follow-up stands (``.stage``,
    #: ``.eligibility``, ``.reason_label``)
    of: Callable
    #: the stages a follow-up goes through, in order
    stages: type[Enum]
    #: user -> a select of the ids of the participants the user interviews or interviewed
    assigned_ids: Callable


_registered: list[FollowUps] = []


def register(follow_ups: FollowUps) -> None:
    """Called by the offers area at app creation."""
    _registered[:] = [follow_ups]


def follow_ups() -> FollowUps:
    """What the offers area registered."""
    if not _registered:
        raise RuntimeError("no follow-ups are registered: the app registers them")
    return _registered[0]
