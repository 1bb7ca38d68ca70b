from flask import Blueprint, render_template
from markupsafe import Markup, escape

from app.core.db import db
from app.core.permissions import permission
from app.guides import queries
from app.guides.forms import CompareQuery
from app.guides.models import GuideVersion
from app.guides.services import compare

bp = Blueprint("guides", __name__, url_prefix="/guides", template_folder="templates")


@bp.app_template_filter("paragraphs")
def paragraphs(text: str) -> Markup:
    """Plain text as paragraphs: a blank line starts a new one, a line break stays one."""
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in b.splitlines()))
        for b in blocks
    )


def _version(version_id: int) -> GuideVersion:
    return db.get_or_404(GuideVersion, version_id)


@bp.get("")
@permission("guides.view")
def index():
    groups: dict[tuple[str, str], list[GuideVersion]] = {}
    for version in queries.versions():
        groups.setdefault((version.guide_key, version.language), []).append(version)
    return render_template("guides/index.html", groups=groups)


@bp.get("/<int:version_id>")
@permission("guides.view")
def show(version_id: int):
    version = _version(version_id)
    return render_template("guides/guide.html", version=version, guide=version.guide)


@bp.get("/<int:version_id>/compare")
@permission("guides.view")
def diff(version_id: int):
    new = _version(version_id)
    others = queries.other_versions(new)
    against = CompareQuery.read().value("against")
    old = next((v for v in others if v.id == against), None)
    if old is None and others:
        old = next((v for v in others if v.version < new.version), others[0])
    lines = compare(old, new) if old is not None else []
    return render_template("guides/compare.html", new=new, old=old, others=others, lines=lines)
