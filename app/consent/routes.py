from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.consent import gate, queries, services
from app.consent.forms import RecordForm, WithdrawForm, publish_form, text_from
from app.consent.models import ConsentForm, ConsentRecord
from app.consent.scans import MAX_BYTES
from app.consent.scopes import Scope
from app.consent.services import ConsentError
from app.consent.texts import FORM_KEY
from app.core import transaction
from app.core.calendar import today
from app.core.db import db
from app.core.i18n import LANGUAGE_NAMES
from app.core.permissions import authorize, permission
from app.core.security import upload_limited

bp = Blueprint("consent", __name__, url_prefix="/consent", template_folder="templates")


def _error(form, error: ConsentError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _state(interview) -> dict:
    young, guardian = gate.active_grants(interview)
    return {
        "in_force": gate.scopes_in_force(interview),
        "young": young,
        "guardian": guardian,
        "guardian_required": gate.guardian_required(interview),
        "day": gate.interview_day(interview),
    }


def _page(interview, record_form=None, withdraw_form=None, status=200):
    authorize(current_user, "consent.view", interview)
    records = services.read_records(current_user, interview)
    language = interview.language
    latest = ConsentForm.latest(FORM_KEY, language)
    if record_form is None:
        record_form = RecordForm(
            prefix="record",
            data={
                "given_on": gate.interview_day(interview)
                if gate.interview_day(interview) <= today()
                else today(),
                "form_id": str(latest.id) if latest else None,
                "scopes": [Scope.PARTICIPATION.value],  # every other part is opted into
            },
        )
    if withdraw_form is None:
        withdraw_form = WithdrawForm(prefix="withdraw", data={"withdrawn_on": today()})
    return render_template(
        "consent/interview.html",
        interview=interview,
        records=records,
        scopes=list(Scope),
        record_form=record_form,
        withdraw_form=withdraw_form,
        print_form=latest,  # the form to print is the newest one in the interview's language
        max_mb=MAX_BYTES // 2**20,
        **_state(interview),
    ), status


@bp.get("/interview/<int:interview_id>")
@permission("consent.view")
def interview(interview_id: int):
    return _page(queries.interview_or_404(interview_id))


@bp.post("/interview/<int:interview_id>/record")
@permission("consent.record")
@upload_limited
def record(interview_id: int):
    interview = queries.interview_or_404(interview_id)
    form = RecordForm(prefix="record")
    if form.validate_on_submit():
        upload = form.scan.data
        scan = None
        if upload and upload.filename:
            data = upload.stream.read(services.scans.MAX_BYTES + 1)
            scan = (upload.filename, data)
        try:
            services.record(
                current_user, interview, giver=form.giver.data, scopes=form.scopes.data,
                form=db.get_or_404(ConsentForm, int(form.form_id.data)),
                method=form.method.data, given_on=form.given_on.data, scan=scan,
                witness=form.witness.data, guardian_name=form.guardian_name.data,
            )  # fmt: skip
        except ConsentError as error:
            _error(form, error)
        else:
            flash(_("The consent was recorded."))
            return redirect(url_for("consent.interview", interview_id=interview.id))
    transaction.discard()
    return _page(interview, record_form=form)


@bp.post("/interview/<int:interview_id>/withdraw")
@permission("consent.withdraw")
def withdraw(interview_id: int):
    interview = queries.interview_or_404(interview_id)
    form = WithdrawForm(prefix="withdraw")
    if form.validate_on_submit():
        try:
            withdrawal = services.withdraw(
                current_user, interview, scopes=form.scopes.data, giver=form.giver.data,
                withdrawn_on=form.withdrawn_on.data, channel=form.channel.data,
                note=form.note.data,
            )  # fmt: skip
        except ConsentError as error:
            _error(form, error)
        else:
            flash(_("The withdrawal was recorded and has taken effect."))
            return redirect(
                url_for("consent.interview", interview_id=interview.id)
                + f"#withdrawal-{withdrawal.id}"
            )
    transaction.discard()
    return _page(interview, withdraw_form=form)


@bp.get("/record/<int:record_id>/receipt")
@permission("consent.view")
def receipt(record_id: int):
    entry = services.read_receipt(current_user, db.get_or_404(ConsentRecord, record_id))
    with force_locale(entry.form.language):  # the young person's paper, in their language
        return render_template(
            "consent/receipt.html",
            entry=entry,
            text=entry.form.text,
            granted={g.scope for g in entry.grants},
            scopes=list(Scope),
        )


@bp.get("/record/<int:record_id>/scan")
@permission("consent.view")
def scan(record_id: int):
    entry = db.get_or_404(ConsentRecord, record_id)
    try:
        chunks = services.open_scan(current_user, entry)
    except ConsentError:
        abort(404)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    name = f"consent-{entry.interview.participant.code}-{entry.id}.{extension[entry.scan_type]}"
    return Response(
        stream_with_context(chunks),
        mimetype=entry.scan_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("")
@permission("consent.overview")
def overview():
    interviews = queries.overview_interviews()
    rows = [(i, gate.scopes_in_force(i), gate.guardian_required(i)) for i in interviews]
    services.read_overview(current_user, [i.id for i in interviews])
    counts = {s: sum(1 for _i, force, _g in rows if s in force) for s in Scope}
    withdrawals = queries.recent_withdrawals()
    return render_template(
        "consent/overview.html", rows=rows, counts=counts, scopes=list(Scope),
        withdrawals=withdrawals,
    )  # fmt: skip


@bp.get("/forms")
@permission("consent.forms")
def forms():
    versions = queries.form_versions()
    return render_template(
        "consent/forms.html", versions=versions, in_use=services.forms_in_use(),
        language_names=LANGUAGE_NAMES,
    )  # fmt: skip


@bp.get("/forms/<int:form_id>")
@permission("consent.forms")
def form(form_id: int):
    version = db.get_or_404(ConsentForm, form_id)
    with force_locale(version.language):  # printed for the young person, in their language
        return render_template(
            "consent/form.html", version=version, text=version.text, scopes=list(Scope),
            language_names=LANGUAGE_NAMES,
        )  # fmt: skip


@bp.route("/forms/new/<language>", methods=["GET", "POST"])
@permission("consent.publish")
def publish(language: str):
    if language not in LANGUAGE_NAMES:
        abort(404)
    latest = ConsentForm.latest(FORM_KEY, language)
    form = publish_form(latest.text.model_dump() if latest else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            version = services.publish(current_user, language, text_from(form))
        except ConsentError as error:
            _error(form, error)
        else:
            flash(_("Version %(n)s of the consent form was published.", n=version.version))
            return redirect(url_for("consent.form", form_id=version.id))
    return render_template(
        "consent/publish.html", form=form, language=language, latest=latest,
        language_names=LANGUAGE_NAMES, scopes=list(Scope),
    )  # fmt: skip
