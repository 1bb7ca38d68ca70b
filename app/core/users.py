"""Accounts and roles."""

from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.config import LANGUAGES
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, utcnow


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    COORDINATOR = "coordinator"
    RESEARCHER = "researcher"
    REVIEW_MEMBER = "review_member"
    #: head of unit (enhetschef / afdelingsleder): goals and aggregated figures only
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.INTERVIEWER: _l("Interviewer"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.RESEARCHER: _l("Research partner"),
    Role.REVIEW_MEMBER: _l("Review group member"),
    Role.LEADER: _l("Head of unit"),
    Role.ADMIN: _l("Administrator"),
}

_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)
_LANGUAGE_VALUES = ", ".join(f"'{code}'" for code in LANGUAGES)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(f"language IS NULL OR language IN ({_LANGUAGE_VALUES})", name="language"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, stored lower-case
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: the name other users see
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    #: argon2id hash, never the password
    password_hash: Mapped[str] = mapped_column(String(255))
    #: a deactivated user cannot log in and is logged out at the next request
    active: Mapped[bool] = mapped_column(default=True)
    #: interface language chosen by the user; None follows the browser
    language: Mapped[str | None] = mapped_column(String(5))
    #: consecutive failed logins since the last success
    failed_logins: Mapped[int] = mapped_column(default=0)
    #: no login is accepted before this time
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped on password change or deactivation so that older sessions stop working
    session_version: Mapped[int] = mapped_column(default=1)
    #: set when an administrator sets the password: the user chooses their own at next login
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: base32 TOTP secret, encrypted; present but not enabled while enrolment is unconfirmed
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    #: when two-factor login was confirmed with a first code; None: not in use
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last accepted TOTP time step, so that a code cannot be used twice
    totp_last_step: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if Role(row.role) in wanted]
        for role in sorted(wanted - self.roles):
            self.role_rows.append(UserRole(role=role.value))

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def lock(self, now: datetime, minutes: int) -> None:
        self.locked_until = now + timedelta(minutes=minutes)
        self.failed_logins = 0

    def register_login(self, now: datetime) -> None:
        self.failed_logins = 0
        self.locked_until = None
        self.last_login_at = now

    def invalidate_sessions(self) -> None:
        self.session_version += 1

    @classmethod
    def by_username(cls, username: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.username == username.strip().lower()))


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="role_rows")
