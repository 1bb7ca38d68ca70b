"""Interface language: the user's choice, then the session's, then the browser's; and the one
way a day or a moment is written for a person to read."""

import logging
from datetime import UTC, date, datetime
from pathlib import Path

from babel import dates as babel_dates
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from app.core import catalogs

logger = logging.getLogger(__name__)

LANGUAGE_NAMES = {"sv": "Svenska", "da": "Dansk", "en": "English"}

# One unambiguous style per language, with no seconds and a 24-hour clock. CLDR's own
# "short" and "medium" styles mix "12/7/26", "Dec 7, 2026" and "9:00:00 AM", which a reader
# can misread (is 12/7 the 12th of July?).
DAY_PATTERNS = {"sv": "yyyy-MM-dd", "da": "d. MMM y", "en": "d MMM y"}
MOMENT_PATTERNS = {"sv": "yyyy-MM-dd HH:mm", "da": "d. MMM y HH.mm", "en": "d MMM y, HH:mm"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line and jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def prepare_catalogs(translations: Path, instance_path: Path) -> Path | None:
    """Compile the translation catalogs at start-up where the installation left a .mo missing
    or older than its .po (a copy of the code without a package build, or an update), so that
    the interface is never English only by accident.

    Compiled beside the .po files where the code's folder can be written; otherwise into the
    instance folder, which is then returned for Babel to read instead. None: read the code's.
    """
    if not catalogs.stale(translations):
        return None
    try:
        written = catalogs.compile_catalogs(translations)
    except OSError:
        pass  # the code's folder is read-only for this user
    else:
        logger.info("compiled %d translation catalogs into %s", len(written), translations)
        return None
    target = instance_path / "translations"
    try:
        if catalogs.stale(translations, target):
            written = catalogs.compile_catalogs(translations, target)
            logger.info("compiled %d translation catalogs into %s", len(written), target)
    except OSError as error:
        logger.error("the translations could not be compiled (%s): pages may be in English", error)
        return None
    return target


def _language() -> str:
    language = get_locale().language
    return language if language in DAY_PATTERNS else "en"


def _local(moment: datetime) -> datetime:
    """``moment`` in the installation's time zone; a naive value is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(get_timezone())


def format_day(value: date | datetime | str | None) -> str:
    """A day as the reader's language writes it ("2026-12-07", "7. dec. 2026", "7 Dec 2026");
    a moment is first moved to the installation's time zone; an ISO text is read as a day."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_dates.format_date(value, DAY_PATTERNS[_language()], locale=get_locale())


def format_moment(value: datetime | None) -> str:
    """A moment in the installation's time zone, to the minute, 24-hour clock
    ("2026-12-07 16:34", "7. dec. 2026 16.34", "7 Dec 2026, 16:34")."""
    if value is None:
        return ""
    if not isinstance(value, datetime):  # a day has no time to show
        return format_day(value)
    local = _local(value)
    return babel_dates.format_datetime(
        local, MOMENT_PATTERNS[_language()], tzinfo=local.tzinfo, locale=get_locale()
    )
