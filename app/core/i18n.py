"""Interface language: the user's choice, then the session's, then the browser's."""

import logging
from pathlib import Path

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from app.core import catalogs

logger = logging.getLogger(__name__)

LANGUAGE_NAMES = {"sv": "Svenska", "da": "Dansk", "en": "English"}


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
