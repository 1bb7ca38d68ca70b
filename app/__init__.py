"""Red Thread: the Flask application factory."""

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as settings
from app.core import (
    audit,
    errors,
    form_messages,
    i18n,
    job_queue,
    jobs,
    migrations,
    permissions,
    security,
    transaction,
)
from app.core.crypto import Keyring
from app.core.db import db
from app.core.uploads import SealedUploadRequest
from app.extensions import babel, csrf, limiter, login_manager


def _blueprints():
    # The one visible list of the application's areas.
    from app.admin.routes import bp as admin
    from app.auth.routes import bp as auth
    from app.casereview.routes import bp as casereview
    from app.codebook.routes import bp as codebook
    from app.consent.routes import bp as consent
    from app.exchange.routes import bp as exchange
    from app.goals.routes import bp as goals
    from app.guides.routes import bp as guides
    from app.interviews.routes import bp as interviews
    from app.letters.routes import bp as letters
    from app.main.routes import bp as main
    from app.offers.routes import bp as offers
    from app.participants.routes import bp as participants
    from app.privacy.routes import bp as privacy
    from app.releases.routes import bp as releases
    from app.reviews.routes import bp as reviews
    from app.rounds.routes import bp as rounds
    from app.themes.routes import bp as themes
    from app.transcripts.routes import bp as transcripts
    from app.workspace.routes import bp as workspace

    return [main, auth, admin, participants, offers, guides, interviews, consent, transcripts,
            releases, codebook, workspace, rounds, exchange, themes, reviews, goals, letters,
            casereview, privacy]  # fmt: skip


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application; ``config`` overrides settings (tests pass their own)."""
    app = Flask(
        __name__,
        # The instance folder (secrets, SQLite file, queue, media) may live outside the code.
        instance_path=instance_path or os.environ.get("REDTHREAD_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="core/templates",
        static_folder="core/static",
    )
    app.request_class = SealedUploadRequest
    app.config.from_mapping(settings.load(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
        if "REDIS_URL" in config and "RATELIMIT_STORAGE_URI" not in config:
            # The limits are counted where the queue lives, as settings.load does from the
            # environment: one Redis shared by every web process and machine.
            app.config["RATELIMIT_STORAGE_URI"] = settings.limiter_storage(config["REDIS_URL"])
    app.config["REQUIRE_2FA_ROLES"] = security.two_factor_roles(app.config["REQUIRE_2FA_ROLES"])
    app.session_interface = security.SessionInterface()
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)

    app.extensions["redthread.keyring"] = Keyring(app.config["DATA_KEYS"])
    db.init_app(app)
    migrations.init_app(app)  # Flask-Migrate binds on first use: a web worker never migrates
    csrf.init_app(app)
    compiled = i18n.prepare_catalogs(Path(app.root_path) / "translations", Path(app.instance_path))
    if compiled is not None:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    babel.init_app(app, locale_selector=i18n.select_locale)
    form_messages.install()  # WTForms' own messages from this app's catalogs
    limiter.init_app(app)
    _init_login(app)
    job_queue.configure_queue(app)

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    app.before_request(security.expire_idle_session)
    app.before_request(security.require_account_setup)
    app.before_request(permissions.enforce)
    # After-request hooks run last registered first. The commit goes last: it expires every
    # loaded row, and the hooks before it read the signed-in user, which would reload it.
    app.after_request(transaction.finish_request)
    app.after_request(security.add_security_headers)
    app.after_request(security.mark_activity)
    errors.register(app)
    _template_globals(app)

    from app.cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core.users import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user


def _template_globals(app: Flask) -> None:
    from flask_babel import get_locale

    from app.auth.forms import LanguageForm
    from app.consent.scopes import scope_label
    from app.core.db import utcnow
    from app.core.fields import invalid_fields
    from app.core.nav import menu, navigation
    from app.transcripts.models import speaker_label

    app.jinja_env.globals.update(
        navigation=navigation,
        nav_menu=menu,
        can=permissions.can,
        language_names=i18n.LANGUAGE_NAMES,
        now=utcnow,
        action_label=audit.action_label,
        audit_detail=audit.shown_detail,
        kind_label=jobs.kind_label,
        scope_label=scope_label,
        speaker_label=speaker_label,
        invalid_fields=invalid_fields,
    )
    # Days and moments are written one way per language (app.core.i18n); Flask-Babel's
    # CLDR-styled filters are removed so that a template cannot bring the mixed styles back.
    for name in ("datetimeformat", "dateformat", "timeformat"):
        app.jinja_env.filters.pop(name, None)
    app.jinja_env.filters.update(format_day=i18n.format_day, format_moment=i18n.format_moment)

    @app.context_processor
    def _language():
        return {
            "language_form": LanguageForm(formdata=None),
            "current_locale": str(get_locale()),
        }
