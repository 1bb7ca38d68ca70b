"""Eligibility as a table of edge cases; no database, no Flask."""

from datetime import date as d

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from app.participants.eligibility import (
    Eligibility,
    Ineligible,
    Rules,
    Setting,
    add_months,
    assess,
    needs_guardian,
)

FH, INST, OTHER = Setting.FAMILY_HOME, Setting.INSTITUTION, Setting.OTHER


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (d(2024, 5, 31), 6, d(2024, 11, 30)),
        (d(2020, 2, 29), 24, d(2022, 2, 28)),
        (d(2020, 2, 29), 48, d(2024, 2, 29)),
        (d(2023, 1, 31), 1, d(2023, 2, 28)),
        (d(2023, 8, 31), 6, d(2024, 2, 29)),
        (d(2023, 12, 15), 1, d(2024, 1, 15)),
    ],
)
def test_months_clamp_to_the_last_day(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(d(1900, 1, 1), d(2100, 12, 31)), st.integers(-1200, 1200))
def test_months_are_added_as_dateutil_adds_them(day, months):
    # add_months is written out for speed; dateutil's relativedelta is the reference
    assert add_months(day, months) == day + relativedelta(months=months)


# name, birth, start, end, setting at end, custody transferred,
# eligible (True) or the reason, window opens, window closes, guardian consent needed
# fmt: off
CASES = [
    ("typical: 15 when the window opens, guardian needed", d(2008, 3, 10), d(2018, 1, 1), d(2021, 6, 30), FH, False, True, d(2023, 6, 30), d(2024, 6, 30), True),
    ("older child: 19 when the window opens", d(2004, 3, 10), d(2015, 1, 1), d(2021, 6, 30), FH, False, True, d(2023, 6, 30), d(2024, 6, 30), False),
    ("window opens on the 15th birthday", d(2009, 6, 30), d(2019, 1, 1), d(2022, 6, 30), FH, False, True, d(2024, 6, 30), d(2025, 6, 30), True),
    ("15th birthday one day after the window closes", d(2009, 7, 1), d(2019, 1, 1), d(2021, 6, 30), FH, False, Ineligible.TOO_YOUNG_IN_WINDOW, None, None, False),
    ("15th birthday on the closing day: a one-day window", d(2009, 6, 30), d(2019, 1, 1), d(2021, 6, 30), FH, False, True, d(2024, 6, 30), d(2024, 6, 30), True),
    ("18th birthday on the opening day: no guardian", d(2005, 6, 30), d(2015, 1, 1), d(2021, 6, 30), FH, False, True, d(2023, 6, 30), d(2024, 6, 30), False),
    ("18th birthday the day after opening: guardian", d(2005, 7, 1), d(2015, 1, 1), d(2021, 6, 30), FH, False, True, d(2023, 6, 30), d(2024, 6, 30), True),
    ("exactly six months (31 May to 30 Nov)", d(2000, 1, 1), d(2016, 5, 31), d(2016, 11, 30), FH, False, True, d(2018, 11, 30), d(2019, 11, 30), False),
    ("one day short of six months", d(2000, 1, 1), d(2016, 5, 31), d(2016, 11, 29), FH, False, Ineligible.TOO_SHORT, None, None, False),
    ("ended on a leap day", d(2000, 1, 1), d(2018, 1, 1), d(2020, 2, 29), FH, False, True, d(2022, 2, 28), d(2023, 2, 28), False),
    ("born on a leap day, 15th birthday in a common year", d(2008, 2, 29), d(2015, 1, 1), d(2021, 1, 15), FH, False, True, d(2023, 2, 28), d(2024, 1, 15), True),
    ("institution at discharge", d(2000, 1, 1), d(2015, 1, 1), d(2019, 1, 1), INST, False, Ineligible.INSTITUTION_AT_DISCHARGE, None, None, False),
    ("other setting at the end still counts", d(2000, 1, 1), d(2015, 1, 1), d(2019, 1, 1), OTHER, False, True, d(2021, 1, 1), d(2022, 1, 1), False),
    ("custody transferred", d(2000, 1, 1), d(2015, 1, 1), d(2019, 1, 1), FH, True, Ineligible.CUSTODY_TRANSFERRED, None, None, False),
    ("too short wins over institution", d(2000, 1, 1), d(2019, 1, 1), d(2019, 3, 1), INST, True, Ineligible.TOO_SHORT, None, None, False),
    ("ongoing", d(2010, 1, 1), d(2019, 1, 1), None, FH, False, Ineligible.ONGOING, None, None, False),
]
# fmt: on


@pytest.mark.parametrize(
    ("birth", "start", "end", "setting", "custody", "outcome", "opens", "closes", "guardian"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_eligibility_table(birth, start, end, setting, custody, outcome, opens, closes, guardian):
    result = assess(
        birth_date=birth, start=start, end=end, setting_at_end=setting, custody_transferred=custody
    )
    assert result.eligible is (outcome is True)
    assert result.reason == (None if outcome is True else outcome)
    assert (result.window_opens, result.window_closes) == (opens, closes)
    assert result.guardian_consent_required is guardian


def test_rules_are_parameters():
    strict = Rules(min_placement_months=12, offset_months=12, window_months=6, min_age=16)
    result = assess(
        birth_date=d(2000, 1, 1),
        start=d(2015, 1, 1),
        end=d(2016, 1, 1),
        setting_at_end=FH,
        custody_transferred=False,
        rules=strict,
    )
    assert (result.window_opens, result.window_closes) == (d(2017, 1, 1), d(2017, 7, 1))
    assert (
        assess(
            birth_date=d(2000, 1, 1),
            start=d(2015, 1, 1),
            end=d(2015, 12, 31),
            setting_at_end=FH,
            custody_transferred=False,
            rules=strict,
        ).reason
        is Ineligible.TOO_SHORT
    )
    with pytest.raises(ValueError):
        Rules(window_months=0)


@pytest.mark.parametrize(
    ("birth", "start", "end"),
    [
        (d(2010, 1, 1), d(2019, 1, 1), d(2018, 12, 31)),
        (d(2019, 6, 1), d(2019, 1, 1), d(2020, 1, 1)),
    ],
    ids=["end before start", "born after the placement started"],
)
def test_impossible_dates_are_refused(birth, start, end):
    with pytest.raises(ValueError):
        assess(birth_date=birth, start=start, end=end, setting_at_end=FH, custody_transferred=False)


def test_guardian_on_the_interview_day():
    assert needs_guardian(d(2008, 5, 1), d(2026, 4, 30))
    assert not needs_guardian(d(2008, 5, 1), d(2026, 5, 1))
    assert needs_guardian(d(2008, 2, 29), d(2026, 2, 27))
    assert not needs_guardian(d(2008, 2, 29), d(2026, 2, 28))


def test_a_child_too_young_for_the_window_gets_no_window():
    # The demo's P-2018-059: born in 2018, the placement ended in 2024. The window would open
    # on the 15th birthday (2033) but close in 2027; it was shown as "2033 – 2027".
    result = assess(birth_date=d(2018, 8, 6), start=d(2021, 1, 10), end=d(2024, 5, 29),
                    setting_at_end=FH, custody_transferred=False)  # fmt: skip
    assert (result.eligible, result.reason) == (False, Ineligible.TOO_YOUNG_IN_WINDOW)
    assert (result.window_opens, result.window_closes) == (None, None)


def test_no_assessment_has_a_window_that_closes_before_it_opens():
    for birth_year in range(1995, 2024, 2):
        for end in (d(2018, 1, 31), d(2020, 2, 29), d(2023, 8, 31), d(2025, 12, 1)):
            for rules in (Rules(), Rules(offset_months=0, window_months=1, min_age=18)):
                birth = d(birth_year, 2, 28)
                if birth > d(2017, 1, 1):
                    continue
                result = assess(birth_date=birth, start=d(2017, 1, 1), end=end,
                                setting_at_end=FH, custody_transferred=False, rules=rules)  # fmt: skip
                if result.window_opens is not None:
                    assert result.window_opens <= result.window_closes
                assert result.eligible is (result.window_opens is not None)
    with pytest.raises(ValueError):
        Eligibility(False, Ineligible.TOO_YOUNG_IN_WINDOW, d(2033, 8, 6), d(2027, 5, 29))
