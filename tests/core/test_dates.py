"""Days and moments are written one unambiguous way per language, everywhere."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from app.core.i18n import format_day, format_moment

ROOT = Path(__file__).parent.parent.parent

# 15:34 UTC is 16:34 in Stockholm and Copenhagen in December.
CASES = [
    ("sv", "2026-12-07", "2026-12-07 16:34"),
    ("da", "7. dec. 2026", "7. dec. 2026 16.34"),
    ("en", "7 Dec 2026", "7 Dec 2026, 16:34"),
]


@pytest.fixture
def zoned_app(app_factory):
    return app_factory(BABEL_DEFAULT_TIMEZONE="Europe/Stockholm")


@pytest.mark.parametrize(("language", "day", "moment"), CASES)
def test_one_style_per_language(zoned_app, language, day, moment):
    at = datetime(2026, 12, 7, 15, 34, 59, tzinfo=UTC)
    with zoned_app.test_request_context(), force_locale(language):
        assert format_day(date(2026, 12, 7)) == day
        assert format_moment(at) == moment
        assert format_moment(at.replace(tzinfo=None)) == moment  # naive values are UTC
        assert format_day(at) == day
        rendered = zoned_app.jinja_env.from_string("{{ d|format_day }}|{{ m|format_moment }}")
        assert rendered.render(d=date(2026, 12, 7), m=at) == f"{day}|{moment}"


def test_a_moment_is_dated_in_the_local_zone(zoned_app):
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # already the 8th in Stockholm
    with zoned_app.test_request_context(), force_locale("sv"):
        assert format_day(late) == "2026-12-08"
        assert format_moment(late) == "2026-12-08 00:30"
        assert format_moment(None) == format_day(None) == ""


def test_the_cldr_filters_are_gone(app):
    for name in ("dateformat", "datetimeformat", "timeformat"):
        assert name not in app.jinja_env.filters


# Machine-facing stamps that are not read by a person, with why.
ALLOWED = {
    "app/core/backup.py": "the backup manifest's sortable stamp",
    "app/core/i18n.py": "the one place that formats for people",
}
FORBIDDEN = re.compile(
    r"\|\s*(dateformat|datetimeformat|timeformat)\b"
    r"|\bformat_(date|datetime|time)\s*\("
    r"|\bstrftime\s*\("
    r"|from flask_babel import[^\n]*\bformat_(date|datetime|time)\b"
    r"|\bbabel\.dates\b"
)


def test_no_other_date_formatting_for_display():
    offenders = []
    for folder in ("app", "analysis"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt"}:
                continue
            relative = path.relative_to(ROOT).as_posix()
            if relative in ALLOWED or "/translations/" in relative:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if FORBIDDEN.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
