from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from app.auth import queries, services, two_factor
from app.auth.forms import (
    CodeForm,
    EnrolForm,
    LanguageForm,
    LoginForm,
    NextQuery,
    PasswordChangeForm,
    PasswordConfirmForm,
)
from app.auth.services import LoginOutcome, PasswordRejected
from app.auth.two_factor import CodeOutcome, TwoFactorError
from app.core import audit
from app.core.db import utcnow
from app.core.forms import ConfirmForm
from app.core.permissions import permission, public
from app.core.security import SECOND_FACTOR, fresh_session, two_factor_required
from app.core.urls import safe_next
from app.core.users import User
from app.extensions import limiter

bp = Blueprint("auth", __name__, template_folder="templates")


#: between the password and the code, the session holds only this, and no logged-in user
PENDING = "two_factor_pending"
PENDING_SECONDS = 300


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _lock_settings() -> dict:
    return {
        "lock_after": current_app.config["LOGIN_LOCK_AFTER"],
        "lock_minutes": current_app.config["LOGIN_LOCK_MINUTES"],
    }


def _locked_message() -> str:
    return ngettext(
        "This account is locked for %(num)d minute after too many failed "
        "attempts. Try again later or ask your administrator.",
        "This account is locked for %(num)d minutes after too many failed "
        "attempts. Try again later or ask your administrator.",
        current_app.config["LOGIN_LOCK_MINUTES"],
    )


def _invalid_message() -> str:
    """The one answer to a wrong password, an unknown user name and a locked account: telling
    them apart would let anyone test passwords during a lock or find which names exist."""
    return ngettext(
        "Wrong user name or password, or the account is locked for %(num)d minute after "
        "too many failed attempts.",
        "Wrong user name or password, or the account is locked for %(num)d minutes after "
        "too many failed attempts.",
        current_app.config["LOGIN_LOCK_MINUTES"],
    )


#: the session key of a two-factor enrolment in progress (the sealed secret, until confirmed)
ENROLLING = "totp_enrolling"


def _renew_login(second_factor: bool) -> None:
    """After a change that ended the user's sessions: a fresh session for this browser."""
    user, login_at = current_user._get_current_object(), session.get("login_at")
    fresh_session()
    login_user(user)
    session["login_at"] = login_at or utcnow().timestamp()
    if second_factor:
        session[SECOND_FACTOR] = True


def _complete_login(user: User, target: str | None, second_factor: bool = False):
    fresh_session()  # nothing carried over from before the login, nor the half-way state
    login_user(user)
    session["login_at"] = utcnow().timestamp()
    if second_factor:
        session[SECOND_FACTOR] = True
    return redirect(safe_next(target, url_for("main.home")))


def _locked_out():
    """After a wrong password on the account pages: if that locked the account, this
    session ends too (all of them did), and the login page says why; else None."""
    if not current_user.is_locked(utcnow()):
        return None
    logout_user()
    fresh_session()
    flash(_locked_message(), "error")
    return redirect(url_for("auth.login"))


def _locked_already():
    """Before a password is checked on the account pages: while a lock set elsewhere (failed
    logins) is on, refuse with the reason and keep the session, so that someone failing
    logins on purpose cannot log the user out; None when not locked."""
    if not current_user.is_locked(utcnow()):
        return None
    flash(_locked_message(), "error")
    return redirect(url_for("auth.account"))


def _pending_user() -> User | None:
    """The user who gave the right password and has yet to give a code, if still in time."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or utcnow().timestamp() - pending.get("at", 0) > (
        PENDING_SECONDS
    ):
        return None
    user = queries.user(pending.get("user"))
    if user is None or not user.active or not user.two_factor_enabled:
        return None
    if user.session_version != pending.get("version"):
        return None  # the password or the two-factor login changed in between
    return user


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=NextQuery.read().value("next", ""))
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data, **_lock_settings())
        if result.outcome is LoginOutcome.OK:
            return _complete_login(result.user, form.next.data)
        if result.outcome is LoginOutcome.SECOND_FACTOR:
            fresh_session()
            session[PENDING] = {
                "user": result.user.id,
                "version": result.user.session_version,
                "at": utcnow().timestamp(),
                "next": safe_next(form.next.data, ""),
            }
            return redirect(url_for("auth.login_code"))
        form.password.data = ""
        if result.outcome is LoginOutcome.INACTIVE:
            form.form_errors.append(
                _("This account has been deactivated. Contact your administrator.")
            )
        else:
            form.form_errors.append(_invalid_message())
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Log in again: the time for the code ran out, or the login was not started."))
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = two_factor.check_login_code(user, form.code.data, **_lock_settings())
        if result.outcome is CodeOutcome.OK:
            response = _complete_login(user, session[PENDING].get("next"), second_factor=True)
            if result.recovery:  # after the login, which empties the session
                flash(
                    ngettext(
                        "You logged in with a recovery code; %(num)d is left. Make new ones "
                        "under Your account, and set up two-factor login on your new phone.",
                        "You logged in with a recovery code; %(num)d are left. Make new ones "
                        "under Your account, and set up two-factor login on your new phone.",
                        result.left,
                    )
                )
            return response
        if result.outcome is CodeOutcome.LOCKED:
            session.pop(PENDING, None)
            flash(_locked_message(), "error")
            return redirect(url_for("auth.login"))
        form.code.errors.append(_("That code is not right, or it has been used already."))
    form.code.data = ""
    return render_template("auth/login_code.html", form=form)


@bp.post("/logout")
@permission("account.manage")
def logout():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("main.home"))
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
@limiter.limit(_login_limit, methods=["POST"])
def account():
    form = PasswordChangeForm()
    forced = current_user.must_change_password
    if form.is_submitted() and current_user.is_locked(utcnow()):
        form.form_errors.append(_locked_message())
    elif form.validate_on_submit():
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
                return redirect(url_for("main.home" if forced else "auth.account"))
            locked = _locked_out()
            if locked:
                return locked
            form.current_password.errors.append(_("The current password is wrong."))
    return render_template(
        "auth/account.html",
        form=form,
        forced=forced,
        required=two_factor_required(current_user),
        codes_left=two_factor.recovery_codes_left(current_user),
        codes_form=PasswordConfirmForm(prefix="codes"),
        disable_form=PasswordConfirmForm(prefix="disable"),
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@permission("account.manage")
@limiter.limit(_login_limit, methods=["POST"])
def two_factor_setup():
    """Enrolment: the secret as text and QR code, confirmed with the password and a first
    code."""
    if current_user.two_factor_enabled:
        return redirect(url_for("auth.account"))
    form = EnrolForm()
    if form.is_submitted() and current_user.is_locked(utcnow()):
        form.form_errors.append(_locked_message())
    elif form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(
                current_user,
                two_factor.open_secret(current_user, session.get(ENROLLING)),
                form.code.data,
                form.password.data,
            )
        except TwoFactorError as error:
            locked = _locked_out()
            if locked:
                return locked
            form.form_errors.append(str(error.message))
        else:
            # The other sessions ended; this one, which gave a code, goes on under the new version.
            _renew_login(second_factor=True)
            flash(_("Two-factor login is on."))
            return render_template("auth/recovery_codes.html", codes=codes)
    # The secret stays with this browser until it is confirmed, sealed: the cookie is readable.
    secret = two_factor.open_secret(current_user, session.get(ENROLLING))
    secret = secret or two_factor.pending_secret(current_user)
    session[ENROLLING] = two_factor.seal_secret(current_user, secret)
    uri = two_factor.provisioning_uri(current_user, secret, current_app.config["TWO_FACTOR_ISSUER"])
    form.code.data = form.password.data = ""
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr=two_factor.qr_svg(uri, _("QR code for your authenticator app")),
        required=two_factor_required(current_user),
    )


@bp.post("/account/two-factor/codes")
@permission("account.manage")
@limiter.limit(_login_limit)
def recovery_codes():
    form = PasswordConfirmForm(prefix="codes")
    if locked := _locked_already():
        return locked
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_recovery_codes(current_user, form.password.data)
        except TwoFactorError as error:
            locked = _locked_out()
            if locked:
                return locked
            flash(str(error.message), "error")
        else:
            return render_template("auth/recovery_codes.html", codes=codes)
    else:
        flash(_("Give your password to make new recovery codes."), "error")
    return redirect(url_for("auth.account"))


@bp.post("/account/two-factor/disable")
@permission("account.manage")
@limiter.limit(_login_limit)
def two_factor_disable():
    form = PasswordConfirmForm(prefix="disable")
    if locked := _locked_already():
        return locked
    if form.validate_on_submit():
        try:
            two_factor.disable(current_user, form.password.data)
        except TwoFactorError as error:
            locked = _locked_out()
            if locked:
                return locked
            flash(str(error.message), "error")
        else:
            _renew_login(second_factor=False)
            flash(_("Two-factor login is off. Your recovery codes no longer work."))
    else:
        flash(_("Give your password to switch two-factor login off."), "error")
    return redirect(url_for("auth.account"))
