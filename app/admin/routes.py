from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import queries, services
from app.admin.forms import (
    ActiveForm,
    AuditFilterForm,
    PasswordResetForm,
    UserCreateForm,
    UserEditForm,
)
from app.admin.services import LastAdminError, SelfGrantError, SelfUnlockError
from app.auth.services import PasswordRejected
from app.core.db import db, utcnow
from app.core.forms import ConfirmForm
from app.core.job_queue import queue_available
from app.core.jobs import Job
from app.core.permissions import permission
from app.core.users import User

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PAGE_SIZE = 50


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.get("/users")
@permission("admin.users")
def users():
    return render_template(
        "admin/users.html",
        users=queries.users(),
        confirm=ConfirmForm(),
        per_process=services.rate_limits_per_process(),
        login_limit=services.limit_text(current_app.config["LOGIN_RATE_LIMIT"]),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission("admin.users")
def user_create():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                actor=current_user,
                username=form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                password=form.password.data,
                roles=form.roles.data,
                language=form.language.data,
            )
        except PasswordRejected as rejected:
            form.password.errors.extend(str(p) for p in rejected.problems)
        else:
            flash(_("User %(name)s was created.", name=user.username))
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission("admin.users")
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.roles.data = [role.value for role in user.roles]
        form.language.data = user.language or ""
    if form.validate_on_submit():
        try:
            services.update_user(
                current_user,
                user,
                display_name=form.display_name.data,
                email=form.email.data,
                roles=form.roles.data,
                language=form.language.data,
            )
        except LastAdminError:
            form.roles.errors.append(_("There must always be at least one active administrator."))
        except SelfGrantError:
            form.roles.errors.append(
                _(
                    "You cannot give your own account a role that opens data; another "
                    "administrator must."
                )
            )
        else:
            flash(_("The changes to %(name)s were saved.", name=user.username))
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=PasswordResetForm(),
        confirm=ConfirmForm(),
        locked=user.is_locked(utcnow()),
        role_history=services.role_history(user),
    )


@bp.post("/users/<int:user_id>/password")
@permission("admin.users")
def user_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, user, form.password.data)
        except PasswordRejected as rejected:
            for problem in rejected.problems:
                flash(str(problem), "error")
        else:
            flash(
                _(
                    "A temporary password was set for %(name)s; they choose their own at the "
                    "next login.",
                    name=user.username,
                )
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/two-factor")
@permission("admin.users")
def user_two_factor(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.reset_two_factor(current_user, user)
        flash(
            _(
                "Two-factor login of %(name)s was reset; they set it up again at their next login.",
                name=user.username,
            )
        )
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
@permission("admin.users")
def user_unlock(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.unlock(current_user, user)
        except SelfUnlockError:
            flash(_("Another administrator must lift the lock on your own account."), "error")
        else:
            flash(_("The lock on %(name)s was lifted.", name=user.username))
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@permission("admin.users")
def user_active(user_id: int):
    user = _user_or_404(user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        try:
            services.set_active(current_user, user, form.active.data == "1")
        except LastAdminError:
            flash(_("There must always be at least one active administrator."), "error")
        else:
            if user.active:
                flash(_("%(name)s can log in again.", name=user.username))
            else:
                flash(_("%(name)s was deactivated and logged out.", name=user.username))
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@permission("admin.audit")
def audit_log():
    form = AuditFilterForm()
    form.validate()  # a wrong filter shows its error beside it and is left out
    filters = form.filters()
    query = services.audit_query(**filters)
    total = services.count(query)
    page = form.value("page", 1)
    entries = queries.page_of(query, page, PAGE_SIZE)
    latest = queries.latest_audit_verification()
    return render_template(
        "admin/audit.html",
        form=form,
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        args=filters,
        latest=latest,
        confirm=ConfirmForm(),
    )


@bp.post("/audit/verify")
@permission("admin.audit")
def audit_verify():
    if ConfirmForm().validate_on_submit():
        job = services.start_audit_verification(current_user)
        flash(_("The audit log is being verified in the background."))
        return redirect(url_for("admin.job", job_id=job.id))
    return redirect(url_for("admin.audit_log"))


@bp.get("/jobs")
@permission("admin.jobs")
def jobs():
    return render_template(
        "admin/jobs.html", jobs=queries.recent_jobs(), queue_available=queue_available()
    )


@bp.get("/jobs/<int:job_id>")
@permission("admin.jobs")
def job(job_id: int):
    row = db.get_or_404(Job, job_id)
    if request.accept_mimetypes.best == "application/json":
        return row.status()
    return render_template("admin/job.html", job=row)
