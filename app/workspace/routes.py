"""The coding pages: the start page, the workspace of a release with its JSON endpoints,
and the search for coded passages."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.codebook.forms import UploadForm
from app.codebook.models import Code
from app.codebook.queries import codebook
from app.codebook.services import CodingError, whole
from app.consent import gate
from app.core.db import db
from app.core.downloads import attachment
from app.core.permissions import PermissionDenied, can, permission
from app.guides.queries import search_choices
from app.releases.attributes import AGE_BANDS, CARE_BANDS
from app.releases.models import Release
from app.transcripts.forms import ActionForm
from app.workspace import access, cooccurrence, live, queries, retrieval, schemas, services
from app.workspace.forms import ListQuery, LiveQuery, RetrieveForm, RoundQuery, TogetherQuery
from app.workspace.models import Coding, CodingRound

bp = Blueprint("workspace", __name__, url_prefix="/coding", template_folder="templates")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


@bp.get("/")
@permission("coding.work")
def index():
    query = ListQuery(request.args)
    query.validate()  # a page or year that is not a number is left out
    page, year = query.value("page") or 1, query.value("year")
    releases, total, years = queries.codable_page(current_user, page, year)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    if page > pages:
        return redirect(url_for("workspace.index", page=pages, year=year))
    return render_template("workspace/index.html", releases=releases,
                           counts=queries.shared_counts(releases),
                           rounds=queries.rounds_for(current_user),
                           years=years, year=year, page=page, pages=pages, total=total,
                           may_manage=can(current_user, "rounds.manage"),
                           upload_form=UploadForm())  # fmt: skip


def _round() -> CodingRound | None:
    """The round named by ``?round=``, if any."""
    round_id = RoundQuery(request.args).round.data
    if round_id is None:
        return None
    if not whole(round_id):
        abort(404)
    return db.get_or_404(CodingRound, round_id)


@bp.get("/releases/<int:release_id>")
@permission("coding.work")
def release(release_id: int):
    release = db.get_or_404(Release, release_id)
    coding_round = _round()
    access.read_release(current_user, release, coding_round)
    codings = queries.visible_codings(current_user, release, coding_round, queries.COLUMNS)
    codes = codebook()
    coders = queries.users({c.coder_id for c in codings} | {current_user.id})
    editable = coding_round is None or (coding_round.is_open and current_user in
                                        coding_round.coders)  # fmt: skip
    # Others' codings come in while the page is open only outside rounds: in an open round
    # each coder codes blind, and a closed round's codings no longer change.
    live_url = None if coding_round else url_for("workspace.codings", release_id=release.id)
    data = {
        "text": release.text,
        "speakers": services.speaker_marks(release),
        "codings": [services.coding_json(c) for c in codings],
        "codes": [
            {
                "id": c.id,
                "name": c.name,
                "lang": c.lang(),  # where another language stands in (WCAG 3.1.2)
                "path": c.path,
                "colour": c.colour,
                "codable": c.codable and c.active,
                "depth": c.depth,
                "definition": c.definition,
            }
            for c in codes
        ],
        "coders": {str(u.id): u.display_name for u in coders},
        "me": current_user.id,
        "editable": editable,
        "version": queries.codings_version(current_user, release, coding_round),
        "poll_seconds": current_app.config.get("CODING_POLL_SECONDS", live.POLL_SECONDS),
        "urls": {
            "apply": url_for(
                "workspace.apply",
                release_id=release.id,
                round=coding_round.id if coding_round else None,
            ),
            "coding": url_for("workspace.change", coding_id=0),
            "suggest": url_for("workspace.suggest", release_id=release.id),
            "live": live_url,
        },
    }
    return render_template("workspace/workspace.html", release=release, data=data,
                           coding_round=coding_round,
                           action_form=ActionForm())  # fmt: skip


def _json_error(error):
    if isinstance(error, CodingError):
        return {"error": str(error.message)}, 400
    if isinstance(error, gate.ConsentMissing):
        return {"error": str(error.message)}, 403
    return {"error": _("You may not do that.")}, 403


def _json_call(schema, act, done_status: int = 200):
    """Run a JSON endpoint's service call on its body: its error as JSON, nothing kept on
    failure."""
    try:
        result = act(schemas.parse(schema, request.get_json(silent=True)))
    except (CodingError, PermissionDenied, gate.ConsentMissing) as error:
        return _json_error(error)  # an error status: the request wrapper rolls back
    return result, done_status


@bp.post("/releases/<int:release_id>/codings")
@permission("coding.work")
def apply(release_id: int):
    release = db.get_or_404(Release, release_id)
    coding_round = _round()

    def act(body: schemas.Apply):
        coding = services.apply(current_user, release, body.code, body.start, body.end,
                                coding_round=coding_round, memo=body.memo or "")  # fmt: skip
        return {**services.coding_json(coding),
                "status": queries.saved_summary(current_user, release, coding_round)}  # fmt: skip

    return _json_call(schemas.Apply, act, 201)


@bp.get("/releases/<int:release_id>/codings")
@permission("coding.work")
def codings(release_id: int):
    """The codings an open workspace shows, when they differ from ``?since=``."""
    release = db.get_or_404(Release, release_id)
    coding_round = _round()
    try:
        return live.changes(current_user, release, coding_round,
                            LiveQuery(request.args).since.data or None)  # fmt: skip
    except (PermissionDenied, gate.ConsentMissing) as error:
        return _json_error(error)


@bp.post("/codings/<int:coding_id>")
@permission("coding.work")
def change(coding_id: int):
    """{"memo": ...} sets the memo; {"delete": true} removes the coding."""
    coding = db.get_or_404(Coding, coding_id)

    def act(body: schemas.Change):
        if body.delete:
            release, coding_round = coding.release, coding.round
            services.remove(current_user, coding)
            status = queries.saved_summary(current_user, release, coding_round)
            return {"deleted": coding_id, "status": status}
        services.set_memo(current_user, coding, body.memo or "")
        return services.coding_json(coding)

    return _json_call(schemas.Change, act)


@bp.post("/releases/<int:release_id>/suggest")
@permission("coding.work")
def suggest(release_id: int):
    release = db.get_or_404(Release, release_id)
    return _json_call(schemas.Passage, lambda body: {"suggestions": services.suggestions(
        current_user, release, body.start, body.end)})  # fmt: skip


# --- retrieval -------------------------------------------------------------------------------


def _retrieve_form():
    form = RetrieveForm(request.args)
    pairs = [(c.id, "— " * c.depth + c.name) for c in codebook()]
    form.code.choices = _choices(pairs)
    # 0 is "no second code" (the form's empty value); an empty label would show as "0"
    form.other.choices = _choices([(0, _("(none)")), *pairs])
    form.combine.choices = _choices(retrieval.COMBINATIONS.items())
    coders = [(u.id, u.display_name) for u in queries.coders()]
    form.coder.choices = _choices([(0, _("Everyone")), *coders])
    everyone = ("", _("All"))
    form.age_band.choices = _choices([everyone, *((b[0], b[0]) for b in AGE_BANDS)])
    form.care_band.choices = _choices([everyone, *((b[0], b[0]) for b in CARE_BANDS)])
    page = str(get_locale())
    section_labels, question_labels = search_choices(page)

    def marked(key, label, language):
        # a label only another language's guide has says so, for screen readers to read it
        return SelectChoice(key, label, {"lang": language} if language != page else {})

    form.section.choices = [SelectChoice(*everyone), *(
        marked(key, *label) for key, label in section_labels.items())]  # fmt: skip
    form.question.choices = [SelectChoice(*everyone), *(
        marked(key, *label) for key, label in question_labels.items())]  # fmt: skip
    sections = {key: title for key, (title, _language) in section_labels.items()}
    return form, sections


@bp.get("/retrieve")
@permission("coding.work")
def retrieve():
    form, sections = _retrieve_form()
    found = together = None
    if form.asked and form.validate():
        query = retrieval.Query(code_id=form.code.data, combine=form.combine.data or "",
                                other_id=form.other.data or None, year=form.year.data,
                                coder_id=form.coder.data or None,
                                age_band=form.age_band.data or "",
                                care_band=form.care_band.data or "",
                                guide_section=form.section.data or "",
                                guide_question=form.question.data or "")  # fmt: skip
        try:
            found = retrieval.passages(current_user, query, for_export=bool(form.download))
        except CodingError as error:
            # the service names the query's fields; the form's second code is "other"
            field = {"other_id": "other", "code_id": "code"}.get(error.field, error.field)
            getattr(form, field or "code", form.code).errors.append(error.message)
        else:
            if form.download:
                return _download(found, form.download, sections)
            together = cooccurrence.for_search(current_user, query, found)
    return render_template("workspace/retrieve.html", form=form, found=found,
                           query=form.asked_for(), together=together, sections=sections,
                           section_names=retrieval.section_names)  # fmt: skip


@bp.get("/retrieve/together.svg")
@permission("coding.work")
def together_chart():
    """A heat map of the retrieval page: the codes' co-occurrence, which depends on the
    codes only (never on the search's filters), so the codes are all it is asked."""
    form = TogetherQuery(request.args)
    ids = list(dict.fromkeys(form.code.data)) if form.validate() else None
    if not ids or len(ids) > cooccurrence.MAX_CODES or not all(whole(i) for i in ids):
        abort(404)
    codes = [db.get_or_404(Code, i) for i in ids]
    found = cooccurrence.together(current_user, codes, (form.within.data,))
    if not found.drawable(form.within.data):
        abort(404)  # the page says why there is no chart
    return Response(found.chart(form.within.data), mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


def _download(found, kind: str, sections: dict[str, str]):
    title = _("Coded passages")
    if kind == "csv":
        content, mimetype = retrieval.export_csv(found, sections), "text/csv; charset=utf-8"
    else:
        content = retrieval.export_docx(found, title, sections)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return attachment(content, mimetype, f"passages.{kind}")
