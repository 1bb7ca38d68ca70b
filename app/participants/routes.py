import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import transaction
from app.core.calendar import today
from app.core.db import db
from app.core.forms import ConfirmForm
from app.core.permissions import permission
from app.core.security import upload_limited
from app.participants import export, imports, services
from app.participants.eligibility import Rules
from app.participants.follow_ups import follow_ups
from app.participants.forms import (
    ImportUploadForm,
    ParticipantForm,
    PersonForm,
    PlacementForm,
    RegisterQuery,
    mapping_form,
)
from app.participants.import_columns import COLUMNS, template_csv
from app.participants.import_table import ImportProblem
from app.participants.models import (
    SETTING_LABELS,
    Participant,
    Placement,
    RegisterImport,
    RelatedPerson,
)
from app.participants.services import RegisterError

bp = Blueprint("participants", __name__, url_prefix="/participants", template_folder="templates")


def _register(state) -> None:
    """The settings hold the eligibility rules as numbers (``app.config``); the area's
    ``Rules`` is made of them here, as the app takes the blueprint (a test may set its own)."""
    found = state.app.config["ELIGIBILITY_RULES"]
    if isinstance(found, dict):
        state.app.config["ELIGIBILITY_RULES"] = Rules(**found)


bp.record_once(_register)


def _form_error(form, error: RegisterError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


PAGE_SIZE = 100


@bp.get("")
@permission("participants.register")
def register():
    search = RegisterQuery.read()
    query = search.value("q", "").strip().casefold()
    stage = search.value("stage", "")
    day, rules, follow_up = today(), services.rules(), follow_ups().of
    if not query and not stage:
        # nothing to search or filter by: the page is read alone, by code
        people, total, page = services.visible_page(current_user, search.value("page", 1),
                                                    PAGE_SIZE)  # fmt: skip
        shown = [(p, [follow_up(pl, day, rules) for pl in p.placements]) for p in people]
        matched, pages = total, max(1, -(-total // PAGE_SIZE))
    else:
        # a name is encrypted, and a stage is worked out from a birth date: everyone is read
        people = services.visible_participants(current_user)
        rows = []
        for participant in people:
            found = query in participant.code.casefold() or query in participant.name.casefold()
            if query and not found:
                continue
            items = [follow_up(p, day, rules) for p in participant.placements]
            if stage and not any(item.stage.value == stage for item in items):
                continue
            rows.append((participant, items))
        total, matched = len(people), len(rows)
        pages = max(1, -(-matched // PAGE_SIZE))
        page = min(max(1, search.value("page", 1)), pages)
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    services.show_identity(current_user, [p for p, _items in shown], "register")
    return render_template(
        "participants/register.html",
        rows=shown,
        matched=matched,
        q=search.value("q", ""),
        stage=stage,
        stages=list(follow_ups().stages),
        total=total,
        page=page,
        pages=pages,
    )


@bp.get("/mine")
@permission("participants.mine")
def mine():
    day, rules, follow_up = today(), services.rules(), follow_ups().of
    people = services.visible_participants(current_user, assigned_only=True, phones=True)
    services.show_identity(current_user, people, "assigned")
    rows = [(p, [follow_up(pl, day, rules) for pl in p.placements]) for p in people]
    return render_template("participants/mine.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@permission("participants.register")
def create():
    form = ParticipantForm()
    if form.validate_on_submit():
        try:
            participant = services.create_participant(current_user, **_identity(form))
        except RegisterError as error:
            _form_error(form, error)
        else:
            flash(_("%(code)s was added to the register.", code=participant.code))
            return redirect(url_for("participants.placement_new", participant_id=participant.id))
    return render_template("participants/participant_form.html", form=form, participant=None)


def _identity(form: ParticipantForm) -> dict:
    return {name: getattr(form, name).data for name in (*services.IDENTITY_FIELDS, "language")}


@bp.get("/<int:participant_id>")
@permission("participants.view")
def detail(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    services.show_identity(current_user, [participant], "detail")
    day, rules, follow_up = today(), services.rules(), follow_ups().of
    items = [follow_up(p, day, rules) for p in participant.placements]
    return render_template(
        "participants/participant.html",
        participant=participant,
        items=items,
        person_form=PersonForm(),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@permission("participants.register")
def edit(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = ParticipantForm(obj=participant)
    if request.method == "GET":
        services.show_identity(current_user, [participant], "edit")
        form.language.data = participant.language or ""
    if form.validate_on_submit():
        try:
            services.update_participant(current_user, participant, **_identity(form))
        except RegisterError as error:
            _form_error(form, error)
        else:
            flash(_("The changes to %(code)s were saved.", code=participant.code))
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/participant_form.html", form=form, participant=participant)


def _placement_fields(form: PlacementForm) -> dict:
    return {
        "started_on": form.started_on.data,
        "ended_on": form.ended_on.data,
        "setting_at_end": form.setting_at_end.data,
        "custody_transferred": form.custody_transferred.data,
        "worker_ids": form.worker_ids.data,
        "worker_names": (form.worker_names.data or "").splitlines(),
    }


@bp.route("/<int:participant_id>/placements/new", methods=["GET", "POST"])
@permission("participants.register")
def placement_new(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = PlacementForm()
    if form.validate_on_submit():
        try:
            services.add_placement(current_user, participant, **_placement_fields(form))
        except RegisterError as error:
            _form_error(form, error)
        else:
            flash(_("The placement was added."))
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template(
        "participants/placement_form.html", form=form, participant=participant, placement=None
    )


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@permission("participants.register")
def placement_edit(placement_id: int):
    placement = db.get_or_404(Placement, placement_id)
    form = PlacementForm(obj=placement)
    if request.method == "GET":
        form.worker_ids.data = [str(w.user_id) for w in placement.workers if w.user_id]
        form.worker_names.data = "\n".join(w.name for w in placement.workers if w.name)
    if form.validate_on_submit():
        try:
            services.update_placement(current_user, placement, **_placement_fields(form))
        except RegisterError as error:
            _form_error(form, error)
        else:
            flash(_("The placement was saved."))
            return redirect(url_for("participants.detail", participant_id=placement.participant_id))
    return render_template(
        "participants/placement_form.html",
        form=form,
        participant=placement.participant,
        placement=placement,
    )


@bp.post("/<int:participant_id>/people")
@permission("participants.register")
def person_add(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = PersonForm()
    if form.validate_on_submit():
        services.add_person(current_user, participant, form.relation.data, form.name.data)
        flash(_("The person was added."))
    else:
        flash(_("Give the person's name."), "error")
    return redirect(url_for("participants.detail", participant_id=participant.id) + "#people")


@bp.post("/people/<int:person_id>/delete")
@permission("participants.register")
def person_remove(person_id: int):
    person = db.get_or_404(RelatedPerson, person_id)
    participant_id = person.participant_id
    if ConfirmForm().validate_on_submit():
        services.remove_person(current_user, person)
        flash(_("The person was removed."))
    return redirect(url_for("participants.detail", participant_id=participant_id) + "#people")


@bp.route("/import", methods=["GET", "POST"])
@permission("participants.register")
@upload_limited
def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = imports.start(current_user, upload.filename or "register.csv", upload.stream)
        except ImportProblem as problem:
            form.file.errors = [*form.file.errors, problem.message]
        else:
            return redirect(url_for("participants.import_preview", import_id=record.id))
    return render_template(
        "participants/import_upload.html",
        form=form,
        pending=imports.pending(current_user),
        confirm=ConfirmForm(),
        columns=COLUMNS,
        region=services.region(),
    )


@bp.get("/import/template.csv")
@permission("participants.register")
def import_template():
    return Response(
        template_csv(services.region()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="register-template.csv"'},
    )


def _mapping(form) -> dict[str, int]:
    return {c.key: int(v) for c in COLUMNS if (v := form[c.key].data or "").isdigit()}


@bp.get("/import/<int:import_id>")
@permission("participants.register")
def import_preview(import_id: int):
    record = db.get_or_404(RegisterImport, import_id)
    try:
        table = imports.table_of(record)
    except ImportProblem as problem:
        flash(str(problem.message), "error")
        return redirect(url_for("participants.import_upload"))
    form = mapping_form(table.headers, json.loads(record.mapping), query=True)
    mapping = _mapping(form) if form.validate() else {}
    try:
        preview = imports.preview(current_user, record, mapping)
        problem = None
    except ImportProblem as error:
        preview, problem = None, error.message
    return render_template(
        "participants/import_preview.html",
        record=record,
        table=table,
        form=form,
        mapping=mapping,
        preview=preview,
        problem=problem,
        columns=COLUMNS,
        setting_labels=SETTING_LABELS,
    )


@bp.post("/import/<int:import_id>/run")
@permission("participants.register")
def import_run(import_id: int):
    record = db.get_or_404(RegisterImport, import_id)
    try:
        form = mapping_form(imports.table_of(record).headers, {})
        if not (ConfirmForm().validate_on_submit() and form.validate()):
            return redirect(url_for("participants.import_preview", import_id=record.id))
        imports.submit(current_user, record, _mapping(form))
    except (RegisterError, ImportProblem) as error:
        transaction.refuse(error)
        return redirect(url_for("participants.import_preview", import_id=record.id))
    flash(_("The register is being imported."))
    return redirect(url_for("participants.import_status", import_id=record.id))


@bp.get("/import/<int:import_id>/status")
@permission("participants.register")
def import_status(import_id: int):
    record = db.get_or_404(RegisterImport, import_id)
    if request.accept_mimetypes.best == "application/json":
        return record.job.status() if record.job else {"state": record.state}
    return render_template("participants/import_status.html", record=record, job=record.job)


@bp.post("/import/<int:import_id>/discard")
@permission("participants.register")
def import_discard(import_id: int):
    record = db.get_or_404(RegisterImport, import_id)
    if ConfirmForm().validate_on_submit():
        imports.discard(current_user, record)
        flash(_("The uploaded file was discarded."))
    return redirect(url_for("participants.import_upload"))


@bp.get("/export.csv")
@permission("participants.register")
def export_csv():
    labels = {
        "eligible": _("Eligible"),
        "window_opens": _("Window opens"),
        "window_closes": _("Window closes"),
        "stage": _("Follow-up"),
        "yes": _("yes"),
        "no": _("no"),
    }
    text = export.register_csv(current_user, today(), labels)
    name = f"register-{today().isoformat()}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
