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


def section_and_question_names(language: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Every section key and question key any stored version has, named as the newest
    version in ``language`` names them (another language's where none in it does): the
    choices of a search by guide section, which finds a question by its key in every version.
    Returns ({section key: title}, {question key: (section key, question text)})."""
    found = db.session.scalars(
        select(GuideVersion).order_by(GuideVersion.language != language,
                                      GuideVersion.version.desc(), GuideVersion.id.desc())
    ).all()  # fmt: skip
    sections: dict[str, str] = {}
    questions: dict[str, tuple[str, str]] = {}
    for version in found:
        guide = version.guide
        for section in (*guide.sections, guide.closing):
            sections.setdefault(section.key, section.title)
        for question in guide.questions():
            questions.setdefault(question.key, (question.section_key, question.text))
    return sections, questions
