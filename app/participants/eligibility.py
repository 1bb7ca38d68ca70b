"""Who is offered a follow-up interview, and when: a pure function of a placement.

The Karlstad model offers every former foster child an interview about two years after the
placement ended. The rules (DESIGN.md, "Eligibility"), every number a setting:

- only a family-home placement of at least ``min_placement_months`` counts (start + 6
  months <= end), not one that ended in institutional care, not one whose custody passed to
  the foster parents, and not one still going on;
- the offer window opens at max(end + ``offset_months``, the ``min_age`` birthday) and closes
  at end + ``offset_months`` + ``window_months``; if it would open after it closes, the
  young person is too young within the window and is not eligible;
- someone under ``guardian_age`` when the window opens (or on the interview day) needs a
  guardian's consent as well as their own.

Months are added with clamping to the month's last day (31 May + 6 months = 30 November;
29 February + 24 months = 28 February), and birthdays the same way: someone born on
29 February turns a year older on 28 February in a year without a leap day.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Setting(StrEnum):
    """Where the child lived when the placement ended."""

    FAMILY_HOME = "family_home"
    INSTITUTION = "institution"
    OTHER = "other"


class Ineligible(StrEnum):
    ONGOING = "ongoing"
    TOO_SHORT = "too_short"
    INSTITUTION_AT_DISCHARGE = "institution_at_discharge"
    CUSTODY_TRANSFERRED = "custody_transferred"
    TOO_YOUNG_IN_WINDOW = "too_young_in_window"


@dataclass(frozen=True)
class Rules:
    min_placement_months: int = 6
    offset_months: int = 24
    window_months: int = 12
    min_age: int = 15
    guardian_age: int = 18

    def __post_init__(self):
        if min(self.min_placement_months, self.offset_months, self.min_age) < 0:
            raise ValueError("eligibility rule parameters cannot be negative")
        if self.window_months < 1:
            raise ValueError("the offer window must last at least one month")


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: Ineligible | None = None
    #: first and last day an offer may be made; None where there is no window at all
    window_opens: date | None = None
    window_closes: date | None = None
    #: under the guardian age when the window opens
    guardian_consent_required: bool = False

    def __post_init__(self):
        # A window that closes before it opens is no window: a person shown one reads it as a
        # date to act on. The reason says why there is none.
        if (self.window_opens is None) != (self.window_closes is None):
            raise ValueError("an offer window needs both its days")
        if self.window_opens is not None and self.window_opens > self.window_closes:
            raise ValueError("an offer window cannot close before it opens")


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the last day of the month (as dateutil's
    relativedelta does, at a tenth of its cost: the register's figures assess every
    placement, five additions each)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def birthday(birth_date: date, age: int) -> date:
    return add_months(birth_date, 12 * age)


def needs_guardian(birth_date: date, on: date, rules: Rules = Rules()) -> bool:
    """Whether someone born on ``birth_date`` is under the guardian age on ``on``."""
    return on < birthday(birth_date, rules.guardian_age)


def assess(
    *,
    birth_date: date,
    start: date,
    end: date | None,
    setting_at_end: Setting,
    custody_transferred: bool,
    rules: Rules = Rules(),
) -> Eligibility:
    """Decide eligibility for one placement; the reason is the first rule that excludes it."""
    if end is None:
        return Eligibility(False, Ineligible.ONGOING)
    if end < start:
        raise ValueError("a placement cannot end before it starts")
    if birth_date > start:
        raise ValueError("a placement cannot start before the child was born")
    if add_months(start, rules.min_placement_months) > end:
        return Eligibility(False, Ineligible.TOO_SHORT)
    if Setting(setting_at_end) is Setting.INSTITUTION:
        return Eligibility(False, Ineligible.INSTITUTION_AT_DISCHARGE)
    if custody_transferred:
        return Eligibility(False, Ineligible.CUSTODY_TRANSFERRED)
    opens = max(add_months(end, rules.offset_months), birthday(birth_date, rules.min_age))
    closes = add_months(end, rules.offset_months + rules.window_months)
    if opens > closes:  # not yet min_age when the window would close: no window at all
        return Eligibility(False, Ineligible.TOO_YOUNG_IN_WINDOW)
    return Eligibility(True, None, opens, closes, needs_guardian(birth_date, opens, rules))
