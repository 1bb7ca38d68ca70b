"""The start page: what each of the user's roles is for, and where to begin."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from app.casereview.queries import KIND_LABELS, reminders
from app.core.calendar import today
from app.core.permissions import permission, public
from app.core.users import Role

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.get("/home")
@permission("home.view")
def home():
    roles = [role for role in Role if role in current_user.roles]
    return render_template(
        "main/home.html",
        roles=roles,
        reminders=reminders(current_user, today()),
        reminder_labels=KIND_LABELS,
    )
