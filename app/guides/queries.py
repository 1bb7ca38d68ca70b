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


def search_choices(language: str) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """The choices of a search by guide section and by question: every section key and
    question key any stored version has, once each, labelled as the newest version in
    ``language`` labels it, else as the newest version that has it, with that version's
    language so that the page can mark it. A question's label is its section's title and its
    text from the same version, so that one label never mixes two languages.
    Returns ({section key: (title, language)}, {question key: (label, language)})."""
    found = db.session.scalars(
        select(GuideVersion).order_by(GuideVersion.language != language,
                                      GuideVersion.version.desc(), GuideVersion.id.desc())
    ).all()  # fmt: skip
    sections: dict[str, tuple[str, str]] = {}
    questions: dict[str, tuple[str, str]] = {}
    for version in found:
        guide = version.guide
        titles = {s.key: s.title for s in (*guide.sections, guide.closing)}
        for key, title in titles.items():
            sections.setdefault(key, (title, version.language))
        for question in guide.questions():
            label = f"{titles[question.section_key]} – {question.text}"
            questions.setdefault(question.key, (label, version.language))
    return sections, questions
