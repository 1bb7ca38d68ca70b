"""Themes: named groups of codes, created, changed and deleted by whoever manages them.

What the coded interviews say about them is in ``app.themes.views`` (the suppressed counts),
``app.themes.code_rows`` (a theme's codes) and ``app.themes.charts``; their names are
offered here too, as the one place the other areas read themes from.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.codebook.models import Code
from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.core.refusal import Refused
from app.exchange import undo
from app.themes.charts import CHARTS, NOT_DRAWN, chart, describe, drawable
from app.themes.code_rows import code_rows
from app.themes.models import Theme, theme_code
from app.themes.views import (
    SECONDARY_NOTE,
    TEAM_ROLES,
    Overview,
    Row,
    code_groups,
    count_path,
    overview,
    themes,
)

__all__ = [
    "CHARTS", "NOT_DRAWN", "SECONDARY_NOTE", "TEAM_ROLES", "Overview", "Row", "ThemeError",
    "chart", "code_groups", "code_rows", "count_path", "delete_theme", "describe", "drawable",
    "overview", "save_theme", "themes",
]  # fmt: skip


class ThemeError(Refused):
    """A theme could not be saved; the message is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


def save_theme(actor, theme: Theme | None, *, name: str, description: str, formed_year: int,
               revised_year: int | None, code_ids: list[int]) -> Theme:  # fmt: skip
    """Create or change a theme; the codes must be codable codes."""
    authorize(actor, "themes.manage")
    name = (name or "").strip()
    if not name:
        raise ThemeError(_l("A theme needs a name."), "name")
    if len(name) > 200:
        raise ThemeError(_l("A theme's name can be at most 200 characters."), "name")
    clash = db.session.scalar(select(Theme).where(func.lower(Theme.name) == name.lower()))
    if clash is not None and clash is not theme:
        raise ThemeError(_l("There is already a theme with this name."), "name")
    this_year = today().year
    if not 1900 <= formed_year <= this_year:
        raise ThemeError(_l("The year it was formed must lie between 1900 and this year."),
                         "formed_year")  # fmt: skip
    if revised_year is not None and not formed_year <= revised_year <= this_year:
        raise ThemeError(
            _l("The year it was revised must lie between the year it was formed and this year."),
            "revised_year",
        )
    codes = db.session.scalars(select(Code).where(Code.id.in_(code_ids or []))).all()
    if len(codes) != len(set(code_ids or [])) or any(
        not c.codable or c.merged_into_id is not None for c in codes
    ):
        raise ThemeError(_l("Only codes of the codebook can be grouped into a theme."), "codes")
    if theme is None:
        theme = Theme(created_by_id=actor.id, position=len(themes()))
        db.session.add(theme)
    theme.name, theme.description = name, (description or "").strip()
    theme.formed_year, theme.revised_year = formed_year, revised_year
    theme.codes = sorted(codes, key=lambda c: (c.position, c.name))
    theme.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "theme.save", "theme", theme.id, codes=sorted(c.id for c in codes))
    return theme


def delete_theme(actor, theme: Theme) -> None:
    authorize(actor, "themes.manage")
    audit.record(actor, "theme.delete", "theme", theme.id)
    db.session.delete(theme)
    db.session.flush()


def _themed(codes: list[Code]) -> str | None:
    """An imported code put in a theme since holds its import's undo back."""
    return undo.referenced(theme_code.c.code_id, codes,
                           _l("imported codes are in a theme: %(codes)s"))  # fmt: skip


undo.USES.append(_themed)
