from collections import Counter

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.codebook.forms import UploadForm
from app.codebook.queries import codebook
from app.codebook.services import CodingError, whole
from app.coding import retrieval, services
from app.coding.forms import CloseRoundForm, RetrieveForm, RoundForm
from app.coding.models import Coding, CodingRound
from app.consent import gate
from app.core import transaction
from app.core.db import db
from app.core.downloads import attachment
from app.core.permissions import PermissionDenied, can, permission
from app.core.security import upload_limited
from app.core.users import Role, User
from app.releases.attributes import AGE_BANDS, CARE_BANDS
from app.releases.models import Release
from app.transcripts.forms import ActionForm

bp = Blueprint("coding", __name__, url_prefix="/coding", template_folder="templates")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


@bp.get("/")
@permission("coding.work")
def index():
    releases = services.codable_releases(current_user)
    counts = dict(db.session.execute(
        select(Coding.release_id, db.func.count()).where(
            Coding.release_id.in_([r.id for r in releases]),
            Coding.round_id.is_(None) | Coding.consensus).group_by(Coding.release_id)
    ).all())  # fmt: skip
    return render_template("coding/index.html", releases=releases, counts=counts,
                           rounds=services.rounds_for(current_user),
                           years={r.id: retrieval.attributes(r)[0] for r in releases},
                           may_manage=can(current_user, "rounds.manage"),
                           upload_form=UploadForm())  # fmt: skip


# --- the workspace ---------------------------------------------------------------------------


def _round(round_id) -> CodingRound | None:
    if round_id is None:
        return None
    if not whole(round_id):
        abort(404)
    return db.get_or_404(CodingRound, round_id)


@bp.get("/releases/<int:release_id>")
@permission("coding.work")
def workspace(release_id: int):
    release = db.get_or_404(Release, release_id)
    coding_round = _round(request.args.get("round", type=int))
    services.read_release(current_user, release, coding_round)
    codings = services.visible_codings(current_user, release, coding_round, services.COLUMNS)
    codes = codebook()
    coder_ids = {c.coder_id for c in codings} | {current_user.id}
    coders = db.session.scalars(select(User).where(User.id.in_(coder_ids))).all()
    editable = coding_round is None or (coding_round.is_open and current_user in
                                        coding_round.coders)  # fmt: skip
    data = {
        "text": release.text,
        "speakers": services.speaker_marks(release),
        "codings": [services.coding_json(c) for c in codings],
        "codes": [
            {
                "id": c.id,
                "name": c.name,
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
        "urls": {
            "apply": url_for(
                "coding.apply",
                release_id=release.id,
                round=coding_round.id if coding_round else None,
            ),
            "coding": url_for("coding.change", coding_id=0),
            "suggest": url_for("coding.suggest", release_id=release.id),
        },
    }
    return render_template("coding/workspace.html", release=release, data=data,
                           coding_round=coding_round,
                           action_form=ActionForm())  # fmt: skip


def _json_error(error):
    if isinstance(error, CodingError):
        return {"error": str(error.message)}, 400
    if isinstance(error, gate.ConsentMissing):
        return {"error": str(error.message)}, 403
    return {"error": _("You may not do that.")}, 403


def _json_call(act, done_status: int = 200):
    """Run a JSON endpoint's service call: its error as JSON, nothing kept on failure."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return {"error": _("The coding could not be saved.")}, 400
    try:
        result = act(payload)
    except (CodingError, PermissionDenied, gate.ConsentMissing) as error:
        return _json_error(error)  # an error status: the request wrapper rolls back
    return result, done_status


@bp.post("/releases/<int:release_id>/codings")
@permission("coding.work")
def apply(release_id: int):
    release = db.get_or_404(Release, release_id)
    coding_round = _round(request.args.get("round", type=int))

    def act(payload):
        coding = services.apply(current_user, release, payload.get("code"), payload.get("start"),
                                payload.get("end"), coding_round=coding_round,
                                memo=str(payload.get("memo") or ""))  # fmt: skip
        return {**services.coding_json(coding),
                "status": services.saved_summary(current_user, release, coding_round)}  # fmt: skip

    return _json_call(act, 201)


@bp.post("/codings/<int:coding_id>")
@permission("coding.work")
def change(coding_id: int):
    """{"memo": ...} sets the memo; {"delete": true} removes the coding."""
    coding = db.get_or_404(Coding, coding_id)

    def act(payload):
        if payload.get("delete") is True:
            release, coding_round = coding.release, coding.round
            services.remove(current_user, coding)
            status = services.saved_summary(current_user, release, coding_round)
            return {"deleted": coding_id, "status": status}
        services.set_memo(current_user, coding, str(payload.get("memo") or ""))
        return services.coding_json(coding)

    return _json_call(act)


@bp.post("/releases/<int:release_id>/suggest")
@permission("coding.work")
def suggest(release_id: int):
    release = db.get_or_404(Release, release_id)
    return _json_call(lambda payload: {"suggestions": services.suggestions(
        current_user, release, payload.get("start"), payload.get("end"))})  # fmt: skip


# --- retrieval -------------------------------------------------------------------------------


def _retrieve_form():
    form = RetrieveForm(request.args)
    codes = codebook()
    pairs = [(c.id, "— " * c.depth + c.name) for c in codes]
    form.code.choices = _choices(pairs)
    form.other.choices = _choices([(0, ""), *pairs])
    form.combine.choices = _choices(retrieval.COMBINATIONS.items())
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name))
    coders = [(u.id, u.display_name) for u in users
              if u.has_role(Role.RESEARCHER, Role.COORDINATOR)]  # fmt: skip
    form.coder.choices = _choices([(0, _("Everyone")), *coders])
    everyone = ("", _("All"))
    form.age_band.choices = _choices([everyone, *((b[0], b[0]) for b in AGE_BANDS)])
    form.care_band.choices = _choices([everyone, *((b[0], b[0]) for b in CARE_BANDS)])
    return form


@bp.get("/retrieve")
@permission("coding.work")
def retrieve():
    form = _retrieve_form()
    found = None
    kind = request.args.get("format", "")
    if request.args.get("code") and form.validate():
        query = retrieval.Query(code_id=form.code.data, combine=form.combine.data or "",
                                other_id=form.other.data or None, year=form.year.data,
                                coder_id=form.coder.data or None,
                                age_band=form.age_band.data or "",
                                care_band=form.care_band.data or "")  # fmt: skip
        try:
            found = retrieval.passages(current_user, query, for_export=kind in ("csv", "docx"))
        except CodingError as error:
            getattr(form, error.field or "code").errors.append(error.message)
        else:
            if kind in ("csv", "docx"):
                return _download(found, kind)
    return render_template("coding/retrieve.html", form=form, found=found,
                           query=request.args.to_dict())  # fmt: skip


def _download(found, kind: str):
    title = _("Coded passages")
    if kind == "csv":
        content, mimetype = retrieval.export_csv(found), "text/csv; charset=utf-8"
    else:
        content = retrieval.export_docx(found, title)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return attachment(content, mimetype, f"passages.{kind}")


# --- rounds ----------------------------------------------------------------------------------


@bp.route("/rounds/new", methods=["GET", "POST"])
@permission("rounds.manage")
def new_round():
    form = RoundForm()
    coders = [u for u in db.session.scalars(select(User).where(User.active)
                                            .order_by(User.display_name))
              if u.has_role(Role.RESEARCHER, Role.COORDINATOR)]  # fmt: skip
    releases = services.codable_releases(current_user)
    form.coders.choices = _choices((u.id, u.display_name) for u in coders)
    form.releases.choices = _choices((r.id, f"{r.interview.participant.code} · "
                              + _("version %(n)s", n=r.version)) for r in releases)  # fmt: skip
    if form.validate_on_submit():
        by_id = {r.id: r for r in releases}
        users = {u.id: u for u in coders}
        try:
            coding_round = services.create_round(
                current_user, name=form.name.data, unit=form.unit.data,
                coders=[users[i] for i in form.coders.data if i in users],
                releases=[by_id[i] for i in form.releases.data if i in by_id],
            )  # fmt: skip
        except CodingError as error:
            transaction.discard()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash(_("The round was created. Its coders code blind until it closes."))
            return redirect(url_for("coding.round", round_id=coding_round.id))
    return render_template("coding/round_new.html", form=form)


@bp.get("/rounds/<int:round_id>")
@permission("coding.work")
def round(round_id: int):
    coding_round = db.get_or_404(CodingRound, round_id)
    if not services.in_round(current_user, coding_round):
        abort(403)
    result = None
    if not coding_round.is_open:
        try:
            result = services.round_agreement(current_user, coding_round)
        except (CodingError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                abort(403)
            transaction.refuse(error)
    return render_template("coding/round.html", coding_round=coding_round, result=result,
                           action_form=ActionForm(),
                           may_manage=can(current_user, "rounds.manage")
                           and services.runs_round(current_user, coding_round))  # fmt: skip


@bp.post("/rounds/<int:round_id>/close")
@permission("rounds.manage")
def close_round(round_id: int):
    """Asked without the confirmation, the answer is the page with the figures closing
    makes final; only the confirmed form closes the round."""
    coding_round = db.get_or_404(CodingRound, round_id)
    form = CloseRoundForm()
    if ActionForm().validate_on_submit():
        try:
            if not form.validate():
                preview = services.close_preview(current_user, coding_round)
                if "asked" not in request.form:
                    form.confirm.errors = []  # the first look: nothing was refused yet
                return render_template("coding/close.html", coding_round=coding_round,
                                       preview=preview, form=form)  # fmt: skip
            services.close_round(current_user, coding_round)
        except PermissionDenied:
            abort(403)
        except CodingError as error:
            transaction.refuse(error)
        else:
            flash(_("The round is closed. Agreement and disagreements are shown below."))
    return redirect(url_for("coding.round", round_id=round_id))


@bp.post("/rounds/<int:round_id>/settle")
@permission("rounds.manage")
def settle(round_id: int):
    coding_round = db.get_or_404(CodingRound, round_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("coding.round", round_id=round_id))
    decisions = {}
    for key, value in request.form.items():
        if key.startswith("d-") and value in ("yes", "no"):
            try:
                unit, code_id = (int(part) for part in key[2:].split("-"))
            except ValueError:
                continue
            decisions[(unit, code_id)] = value == "yes"
    try:
        written = services.settle(current_user, coding_round, decisions)
    except PermissionDenied:
        abort(403)
    except CodingError as error:
        transaction.refuse(error)
    else:
        flash(
            ngettext(
                "The consensus was saved: %(num)d coding.",
                "The consensus was saved: %(num)d codings.",
                written,
            )
        )
    return redirect(url_for("coding.round", round_id=round_id))


# --- REFI-QDA exchange -----------------------------------------------------------------------


@bp.get("/codebook.qdc")
@permission("coding.work")
def export_codebook():
    from app.coding import exchange

    if not codebook():
        flash(_("The codebook is empty."), "error")
        return redirect(url_for("codebook.index"))
    content = exchange.export_codebook(current_user)
    return attachment(content, "application/xml", "codebook.qdc")


@bp.get("/project.qdpx")
@permission("coding.work")
def export_project():
    from app.coding import exchange

    for_nvivo = request.args.get("tool") == "nvivo"
    content, _ = exchange.export_project(current_user, for_nvivo=for_nvivo)
    return attachment(content, "application/zip",
                      "redthread-nvivo.qdpx" if for_nvivo else "redthread.qdpx")  # fmt: skip


def _upload(form: UploadForm, suffix: str) -> bytes | None:
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(str(error), "error")
        return None
    upload = form.file.data
    if not (upload.filename or "").lower().endswith(suffix):
        flash(_("Choose a %(suffix)s file.", suffix=suffix), "error")
        return None
    return upload.read()


def _left_out(dropped: list[str]) -> None:
    for note, count in Counter(dropped).most_common(20):
        flash(_("Left out: %(what)s", what=note) + (f" (× {count})" if count > 1 else ""),
              "warning")  # fmt: skip


@bp.post("/codebook/import")
@permission("codebook.manage")
@upload_limited
def import_codebook():
    from app.coding import exchange

    data = _upload(UploadForm(prefix="qdc"), ".qdc")
    if data is not None:
        try:
            added, dropped = exchange.import_codebook(current_user, data)
        except CodingError as error:
            transaction.refuse(error)
        else:
            flash(ngettext("%(num)d code was added.", "%(num)d codes were added.", added))
            _left_out(dropped)
    return redirect(url_for("codebook.index"))


@bp.post("/import")
@permission("codebook.manage")
@upload_limited
def import_project():
    from app.coding import exchange

    data = _upload(UploadForm(), ".qdpx")
    if data is not None:
        try:
            result = exchange.import_project(current_user, data)
        except CodingError as error:
            transaction.refuse(error)
        else:
            # a page, not a flash: what came in and what was left out must stay readable
            return render_template("coding/import_report.html", result=result,
                                   notes=Counter(result["dropped"]).most_common())  # fmt: skip
    return redirect(url_for("coding.index"))
