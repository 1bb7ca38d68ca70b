"""The codebook: the starting codebook, merging and retiring codes, and its rules."""

import pytest
from sqlalchemy import select

from app.codebook import services as codebook_services
from app.codebook.queries import codebook
from app.codebook.services import CodingError
from app.core.db import db
from app.workspace import services as workspace
from app.workspace.models import Coding
from tests.codebook.sample import a_code


def test_the_starting_codebook_has_categories_and_codes(coded):
    codes = codebook()
    roots = [c for c in codes if c.parent_id is None]
    assert len(roots) == 7 and all(not c.codable for c in roots)
    assert all(c.children for c in roots)
    assert all(c.definition and c.keyword_list for c in codes if c.codable)
    # adding it again adds nothing
    assert codebook_services.seed_codebook(coded["boss"]) == 0


def test_merge_and_retire_keep_every_coding(coded):
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    one, two = a_code(0), a_code(1)
    workspace.apply(anna, release, one.id, 0, 10, memo="första")
    workspace.apply(anna, release, two.id, 0, 10)  # the same passage: not doubled by the merge
    workspace.apply(ben, release, one.id, 20, 30)
    moved = codebook_services.merge(boss, one, two)
    db.session.commit()
    assert one.merged_into is two and not one.active
    assert moved == 1  # Ben's; Anna's twin became one coding
    kept = db.session.scalars(select(Coding).where(Coding.code_id == two.id)).all()
    assert len(kept) == 2
    assert any(c.memo == "första" for c in kept)  # the memo survived
    with pytest.raises(CodingError, match="retired"):
        workspace.apply(anna, release, one.id, 0, 10)
    codebook_services.retire(boss, two)
    assert two.codings.count() == len(kept)  # retiring loses nothing
    with pytest.raises(CodingError):
        codebook_services.retire(boss, one, retired=False)


def test_the_codebook_refuses_loops_and_duplicate_names(coded):
    boss = coded["boss"]
    category = next(c for c in codebook() if not c.codable)
    child = category.children[0]
    with pytest.raises(CodingError, match="under itself"):
        codebook_services.move(boss, category, child)
    with pytest.raises(CodingError, match="already a code"):
        codebook_services.save_code(boss, None, parent_id=category.id, name=child.name.upper())
    made = codebook_services.save_code(boss, None, parent_id=category.id, name="Ny kod",
                              keywords="hem*, trygg", colour="#123456")  # fmt: skip
    assert made.keyword_list == ["hem*", "trygg"] and made.parent is category
