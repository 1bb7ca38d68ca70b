"""Administration of users, and the audit log queries behind the admin pages."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many
from sqlalchemy import Select, func, select

from app.auth import two_factor
from app.auth.services import checked_hash, set_password
from app.core import audit, audit_chain, job_queue, jobs
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import authorize
from app.core.users import Role, User


class LastAdminError(ValueError):
    """The change would leave no active administrator."""


#: the roles that open data (participants, transcripts, releases, reviews); an administrator
#: holds none of them by their own hand
DATA_ROLES = frozenset(Role) - {Role.ADMIN}


class SelfGrantError(ValueError):
    """An administrator tried to give their own account a data role: another must."""


class SelfUnlockError(ValueError):
    """An administrator tried to lift the lock on their own account: another must."""


def _check_not_self_grant(actor, user: User | None, roles: set[Role]) -> None:
    """Refuse a data role that an administrator would give themselves.

    From the command line (no actor) nobody else looks on, so an account made there cannot
    be an administrator with a data role: that takes a second administrator on the web.
    """
    granted = roles - (user.roles if user is not None else set())
    if not granted & DATA_ROLES:
        return
    if actor is None and Role.ADMIN in roles:
        raise SelfGrantError
    if actor is not None and user is not None and actor.id == user.id:
        raise SelfGrantError


def _other_active_admins(user: User) -> int:
    return len(
        [
            u
            for u in db.session.scalars(select(User).where(User.active, User.id != user.id))
            if u.has_role(Role.ADMIN)
        ]
    )


def create_user(
    *,
    actor,
    username: str,
    display_name: str,
    password: str,
    roles,
    email: str | None = None,
    language: str | None = None,
) -> User:
    """A new active user; the password must pass the policy (PasswordRejected otherwise).

    SelfGrantError for an administrator with a data role made without an actor (the command
    line): another administrator grants the data role afterwards.
    """
    if actor is not None:
        authorize(actor, "admin.users")
    _check_not_self_grant(actor, None, {Role(r) for r in roles})
    user = User(
        username=username.strip().lower(),
        display_name=display_name.strip(),
        email=(email or "").strip() or None,
        language=language or None,
    )
    user.password_hash = checked_hash(user, password)
    # A password an administrator chose is known to them: the user replaces it first thing.
    user.must_change_password = actor is not None
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, roles=sorted(r.value for r in user.roles))
    return user


def update_user(actor, user: User, *, display_name, email, roles, language) -> None:
    """Change a user's name, e-mail, roles and language.

    LastAdminError when no active administrator would be left; SelfGrantError when the actor
    adds a data role to their own account (another administrator must, and the role history
    on the user page shows who did).
    """
    authorize(actor, "admin.users")
    new_roles = {Role(r) for r in roles}
    losing_admin = Role.ADMIN in user.roles and Role.ADMIN not in new_roles and user.active
    if losing_admin and _other_active_admins(user) == 0:
        raise LastAdminError
    _check_not_self_grant(actor, user, new_roles)
    before = sorted(r.value for r in user.roles)
    user.display_name = display_name.strip()
    user.email = (email or "").strip() or None
    user.language = language or None
    user.set_roles(new_roles)
    after = sorted(r.value for r in new_roles)
    audit.record(actor, "user.update", "user", user.id, roles_before=before, roles_after=after)


_ROLE_VALUES = {role.value for role in Role}


@dataclass
class RoleChange:
    at: datetime
    by: str
    added: list[Role]
    removed: list[Role]


def role_history(user: User) -> list[RoleChange]:
    """Who gave or took which role of ``user`` and when, newest first, from the audit log."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "user",
            AuditEntry.object_id == str(user.id),
            AuditEntry.action.in_(("user.create", "user.update")),
        )
        .order_by(AuditEntry.id.desc())
    )
    changes = []
    for entry in entries:
        detail = entry.detail_dict
        before = set(detail.get("roles_before", []))
        after = set(detail.get("roles", detail.get("roles_after", [])))
        if before != after:
            changes.append(
                RoleChange(
                    at=entry.at,
                    # no actor: a command on the server (the demo, create-user)
                    by=entry.actor_name if entry.actor_id is not None else str(_l("the system")),
                    added=[Role(r) for r in sorted(after - before) if r in _ROLE_VALUES],
                    removed=[Role(r) for r in sorted(before - after) if r in _ROLE_VALUES],
                )
            )
    return changes


def set_active(actor, user: User, active: bool) -> None:
    """Deactivate (ending every session of the user) or reactivate an account."""
    authorize(actor, "admin.users")
    if not active and user.has_role(Role.ADMIN) and _other_active_admins(user) == 0:
        raise LastAdminError
    user.active = active
    if not active:
        user.invalidate_sessions()
    else:
        user.failed_logins = 0
        user.locked_until = None
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id)


def unlock(actor, user: User) -> None:
    """Lift the lock that failed logins put on an account, and clear the failure count.

    SelfUnlockError for one's own account: whoever holds an administrator's session should
    not be able to undo the lock that guessing its password set.
    """
    authorize(actor, "admin.users")
    if actor.id == user.id:
        raise SelfUnlockError
    was_locked_until = user.locked_until
    user.failed_logins = 0
    user.locked_until = None
    audit.record(actor, "user.unlock", "user", user.id, was_locked_until=was_locked_until)


def rate_limits_per_process() -> bool:
    """Whether the rate limits are counted in each web process's memory (no REDIS_URL): then
    each of gunicorn's workers counts on its own, and the limit is that many times higher."""
    return current_app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")


#: how a limit reads in the reader's language, per unit of time
_PER_UNIT = {
    "second": _l("%(num)d per second"),
    "minute": _l("%(num)d per minute"),
    "hour": _l("%(num)d per hour"),
    "day": _l("%(num)d per day"),
}


def limit_text(limit: str) -> str:
    """A rate limit setting ("20 per minute", "20/minute;100/hour") in the reader's language;
    one of another shape ("20 per 5 minutes") is shown as configured."""
    items = parse_many(limit)
    if not all(i.multiples == 1 and i.GRANULARITY.name in _PER_UNIT for i in items):
        return limit
    return ", ".join(str(_PER_UNIT[i.GRANULARITY.name]) % {"num": i.amount} for i in items)


def reset_password(actor, user: User, password: str) -> None:
    """A temporary password: the user must choose their own at the next login."""
    authorize(actor, "admin.users")
    set_password(user, password, actor=actor)
    user.failed_logins = 0
    user.locked_until = None


def reset_two_factor(actor, user: User) -> None:
    """Clear a user's two-factor login (a lost phone); they set it up again at next login."""
    if actor is not None:  # None: the command line, run by whoever runs the server
        authorize(actor, "admin.users")
    two_factor.reset(actor, user)


def audit_query(
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Entries matching the filters, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action.strip()))
    if actor:
        query = query.where(AuditEntry.actor_name == actor.strip().lower())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type.strip())
    if object_id:
        query = query.where(AuditEntry.object_id == object_id.strip())
    if date_from:
        query = query.where(AuditEntry.at >= datetime.combine(date_from, time(), UTC))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time(), UTC)
        query = query.where(AuditEntry.at < end)
    return query


def count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


@jobs.handler("audit.verify")
def verify_audit_log(job: jobs.Job) -> dict:
    """Background job: walk the whole chain and report the first broken link."""
    report = audit_chain.verify_chain(progress=lambda share: jobs.set_progress(job, share))
    return {"checked": report.checked, "broken_at": report.broken_at, "reason": report.reason}


def start_audit_verification(actor) -> jobs.Job:
    authorize(actor, "admin.audit")
    job = job_queue.submit("audit.verify", actor)
    audit.record(actor, "audit.verify_requested", "job", job.id)
    return job
