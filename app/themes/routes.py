"""Themes: the theme map, the aggregated overview with its charts, and theme pages."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.codebook.models import Code
from app.core import transaction
from app.core.calendar import today
from app.core.db import db
from app.core.permissions import can, permission
from app.themes import services, tasks  # noqa: F401 - tasks registers the periodic task
from app.themes.aggregates import Scope
from app.themes.forms import ScopeForm, ThemeForm
from app.themes.models import Theme
from app.themes.services import CHARTS, ThemeError
from app.transcripts.forms import ActionForm

bp = Blueprint("themes", __name__, template_folder="templates", url_prefix="/themes")


def _scope(form: ScopeForm) -> Scope:
    path = services.count_path(current_user)
    if not form.validate():
        return Scope(path=path)
    start, end = form.start.data, form.end.data
    if start and end and end < start:
        start, end = end, start
    return Scope(year_from=start or None, year_to=end or None, path=path)


def _scope_args(form: ScopeForm) -> dict:
    return {k: v for k, v in (("start", form.start.data), ("end", form.end.data)) if v}


@bp.get("/")
@permission("themes.view")
def index():
    form = ScopeForm(request.args)
    view = services.overview(current_user, _scope(form))
    return render_template(
        "themes/index.html", view=view, form=form, args=_scope_args(form), charts=CHARTS,
        describe=services.describe, drawable=services.drawable, themes=services.themes(),
        not_drawn=services.NOT_DRAWN, note=services.SECONDARY_NOTE,
        may_manage=can(current_user, "themes.manage"),
    )  # fmt: skip


@bp.get("/charts/<name>.svg")
@permission("themes.view")
def chart(name: str):
    if name not in CHARTS:
        abort(404)
    view = services.overview(current_user, _scope(ScopeForm(request.args)),
                             full=name in ("together", "passages"),
                             passages=name == "passages")  # fmt: skip
    if not services.drawable(view, name):
        abort(404)  # the page says why there is no chart
    svg = services.chart(view, name)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


def _code_choices() -> list[SelectChoice]:
    codes = db.session.scalars(
        select(Code).where(Code.codable, Code.merged_into_id.is_(None))
    ).all()
    return [SelectChoice(c.id, c.path) for c in sorted(codes, key=lambda c: c.path.lower())]


def _edit(theme: Theme | None):
    form = ThemeForm(obj=theme)
    if theme is None and request.method == "GET":
        form.formed_year.data = today().year
    if theme is not None and request.method == "GET":
        form.codes.data = [c.id for c in theme.codes]
    form.codes.choices = _code_choices()
    if form.validate_on_submit():
        try:
            saved = services.save_theme(
                current_user, theme, name=form.name.data, description=form.description.data,
                formed_year=form.formed_year.data, revised_year=form.revised_year.data,
                code_ids=form.codes.data or [],
            )  # fmt: skip
        except ThemeError as error:
            transaction.discard()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            if not saved.codes:
                flash(_("The theme was saved. It has no codes yet, so it counts nothing."))
            else:
                flash(_("The theme was saved."))
            return redirect(url_for("themes.theme", theme_id=saved.id))
    return render_template("themes/edit.html", form=form, theme=theme)


@bp.route("/new", methods=["GET", "POST"])
@permission("themes.manage")
def new():
    return _edit(None)


@bp.route("/<int:theme_id>/edit", methods=["GET", "POST"])
@permission("themes.manage")
def edit(theme_id: int):
    return _edit(db.get_or_404(Theme, theme_id))


@bp.post("/<int:theme_id>/delete")
@permission("themes.manage")
def delete(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    if ActionForm().validate_on_submit():
        services.delete_theme(current_user, theme)
        flash(_("The theme was deleted. Its codes and codings are unchanged."))
    return redirect(url_for("themes.index"))


@bp.get("/<int:theme_id>")
@permission("themes.view")
def theme(theme_id: int):
    found = db.get_or_404(Theme, theme_id)
    form = ScopeForm(request.args)
    scope = _scope(form)
    view = services.overview(current_user, scope, full=False)
    row = next((r for r in view.rows if r.key == found.id), None)
    code_rows = services.code_rows(current_user, found, view)
    return render_template(
        "themes/theme.html", theme=found, view=view, row=row, code_rows=code_rows,
        form=form, action_form=ActionForm(), may_manage=can(current_user, "themes.manage"),
        note=services.SECONDARY_NOTE,
    )  # fmt: skip
