"""Read queries of the guide pages."""

from sqlalchemy import select

from app.core.db import db
from app.guides.models import GuideVersion


def versions() -> list[GuideVersion]:
    """Every stored version, by guide and language, the newest first within each."""
    return db.session.scalars(
        select(GuideVersion).order_by(
            GuideVersion.guide_key, GuideVersion.language, GuideVersion.version.desc()
        )
    ).all()


def other_versions(version: GuideVersion) -> list[GuideVersion]:
    """The other versions of the same guide in the same language, the newest first."""
    return db.session.scalars(
        select(GuideVersion)
        .where(
            GuideVersion.guide_key == version.guide_key,
            GuideVersion.language == version.language,
            GuideVersion.id != version.id,
        )
        .order_by(GuideVersion.version.desc())
    ).all()
