from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from app.auth.services import LoginOutcome, PasswordRejected
from app.core import audit
from app.core.db import utcnow
from app.core.permissions import permission, public
from app.core.security import fresh_session
from app.core.urls import safe_next
from app.extensions import limiter

bp = Blueprint("auth", __name__, template_folder="templates")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = services.authenticate(
            form.username.data,
            form.password.data,
            lock_after=current_app.config["LOGIN_LOCK_AFTER"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        if result.outcome is LoginOutcome.OK:
            fresh_session()  # nothing carried over from before the login
            login_user(result.user)
            session["login_at"] = utcnow().timestamp()
            return redirect(safe_next(form.next.data, url_for("main.home")))
        form.password.data = ""
        if result.outcome is LoginOutcome.LOCKED:
            form.form_errors.append(
                _(
                    "This account is locked for %(minutes)d minutes after too many failed "
                    "attempts. Try again later or ask your administrator.",
                    minutes=current_app.config["LOGIN_LOCK_MINUTES"],
                )
            )
        elif result.outcome is LoginOutcome.INACTIVE:
            form.form_errors.append(
                _("This account has been deactivated. Contact your administrator.")
            )
        else:
            form.form_errors.append(_("Wrong user name or password."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@permission("account.manage")
def logout():
    audit.record(current_user, "auth.logout", "user", current_user.id)
    # Cookie sessions live in the browser: a copy taken before logout must stop working too.
    current_user.invalidate_sessions()
    logout_user()
    fresh_session()
    flash(_("You have been logged out."))
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            services.set_language(current_user, form.language.data)
    return redirect(safe_next(form.next.data, url_for("main.index")))


@bp.route("/account", methods=["GET", "POST"])
@permission("account.manage")
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            changed = services.change_own_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except PasswordRejected as rejected:
            form.new_password.errors.extend(str(p) for p in rejected.problems)
        else:
            if changed:
                # The session version changed: log this session in again under it.
                login_user(current_user._get_current_object())
                flash(_("Your password has been changed. Other sessions were logged out."))
                return redirect(url_for("auth.account"))
            form.current_password.errors.append(_("The current password is wrong."))
    return render_template("auth/account.html", form=form)
