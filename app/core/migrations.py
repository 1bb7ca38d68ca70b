"""Flask-Migrate, bound to the application the first time something uses it.

Flask-Migrate imports alembic (and mako beneath it): some 12 MiB that a web worker, which
never migrates, should not carry. create_app() puts two stand-ins in its place. The one in
``app.extensions["migrate"]`` binds the real extension when anything reads it
(``flask_migrate.upgrade()``, migrations/env.py, restore) and then answers as the real one;
the ``db`` command group binds it when the command line runs ``redthread db ...``, and hands
the arguments to Flask-Migrate's own group, options and all.
"""

import logging
from pathlib import Path

import click
from flask import Flask

#: the Alembic scripts of this version of the application
DIRECTORY = str(Path(__file__).parents[2] / "migrations")


def init_app(app: Flask) -> None:
    """Put the stand-ins in place; nothing of Flask-Migrate is imported yet."""
    app.extensions["migrate"] = _Unbound(app)
    app.cli.add_command(_Commands(app))


def bind(app: Flask):
    """Flask-Migrate's settings for ``app`` (``app.extensions["migrate"]``), binding the
    extension first if it is not yet bound. Binding also replaces the ``db`` command group
    with Flask-Migrate's own."""
    if isinstance(app.extensions.get("migrate"), _Unbound):
        # alembic announces each of its plugins as it loads; imported at start-up, before
        # logging was set up, it did so unheard, and a migration's output stays as it was
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        from flask_migrate import Migrate

        from app.core.db import db

        Migrate(app, db, directory=DIRECTORY)
    return app.extensions["migrate"]


class _Unbound:
    """Stands in ``app.extensions["migrate"]``: reading any attribute binds the extension
    (which replaces this object) and reads the attribute from the real settings."""

    def __init__(self, app: Flask):
        self._app = app

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_app":
            raise AttributeError(name)
        return getattr(bind(self._app), name)


class _Commands(click.Group):
    """Stands in for the ``db`` command group: the command line lists it with its help, and
    running it binds the extension and parses the arguments with Flask-Migrate's group."""

    def __init__(self, app: Flask):
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def make_context(self, info_name, args, parent=None, **extra):
        bind(self._app)
        real = self._app.cli.commands["db"]
        return real.make_context(info_name, args, parent=parent, **extra)
