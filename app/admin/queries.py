"""Read queries of the administrator's pages: users, the audit log's pages, jobs."""

from sqlalchemy import Select, select

from app.core.db import db
from app.core.jobs import Job
from app.core.users import User


def users() -> list[User]:
    """Every account, the active ones first, by user name."""
    return db.session.scalars(select(User).order_by(User.active.desc(), User.username)).all()


def page_of(query: Select, page: int, size: int) -> list:
    """One page (from 1) of what ``query`` selects."""
    return db.session.scalars(query.limit(size).offset((page - 1) * size)).all()


def latest_audit_verification() -> Job | None:
    """The newest check of the audit chain, running or done."""
    return db.session.scalar(
        select(Job).where(Job.kind == "audit.verify").order_by(Job.id.desc()).limit(1)
    )


def recent_jobs(limit: int = 100) -> list[Job]:
    """The newest background jobs of every kind."""
    return db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)).all()
