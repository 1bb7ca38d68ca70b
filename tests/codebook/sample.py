"""What the coding tests share: two released interviews of one young person, coded with
the starting codebook."""

import pytest
from sqlalchemy import select

from app.codebook import services as codebook_services
from app.codebook.models import Code
from app.codebook.queries import codebook
from app.core.db import db
from app.core.users import Role
from tests.releases.test_releases import release_all, world  # noqa: F401 (a fixture)


@pytest.fixture
def coded(world, make_user):  # noqa: F811
    """Two released interviews of one young person, two researchers and a coordinator."""
    interviewer, interview_with = world
    _, transcript = interview_with()
    _, release = release_all(interviewer, transcript)
    _, transcript2 = interview_with()
    _, release2 = release_all(interviewer, transcript2)
    anna = make_user(roles=[Role.RESEARCHER], display_name="Anna Forskare")
    ben = make_user(roles=[Role.RESEARCHER], display_name="Ben Forskare")
    boss = make_user(roles=[Role.COORDINATOR])
    codebook_services.seed_codebook(boss)
    db.session.commit()
    return {"interviewer": interviewer, "release": release, "release2": release2, "anna": anna,
            "ben": ben, "boss": boss, "interview_with": interview_with}  # fmt: skip


def code_named(name: str) -> Code:
    return db.session.scalars(select(Code).where(Code.named(name))).one()


def a_code(n=0) -> Code:
    return [c for c in codebook() if c.codable][n]


def span_of(release, words: str) -> tuple[int, int]:
    start = release.text.index(words)
    return start, start + len(words)
