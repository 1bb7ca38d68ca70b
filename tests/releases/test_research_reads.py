"""What a researcher or a review group reads comes from the newest released, frozen text
only: never from the transcript, and never from a version a correction replaced."""

import io
import json
import zipfile
from datetime import date

import pytest
from docx import Document

from app.codebook.models import Code
from app.core import storage
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.exchange import export
from app.releases import services
from app.reviews import packs, sessions
from app.themes import services as themes
from app.workspace import access, retrieval
from app.workspace import services as workspace
from tests.releases.test_releases import release_all, world  # noqa: F401 (a fixture)

PASSAGE = "Min bror Elias ringer"


@pytest.fixture
def corrected(world, make_user):  # noqa: F811
    """Version 1 left "Elias" in (the reviewer unticked it) and was coded there; version 2
    corrects it."""
    interviewer, interview_with = world
    interview, transcript = interview_with()
    proposals = services.propose(interviewer, interview)[1]
    kept = [(p.start, p.end, p.label, p.text) for p in proposals if p.text != "Elias"]
    first = services.release(interviewer, interview, accepted=kept, additions=[], renames={})
    db.session.commit()
    assert PASSAGE in first.text
    anna = make_user(roles=[Role.RESEARCHER])
    boss = make_user(roles=[Role.COORDINATOR])
    member = make_user(roles=[Role.REVIEW_MEMBER])
    code = Code(name="Siblings", codable=True)
    db.session.add(code)
    db.session.flush()
    start = first.text.index(PASSAGE)
    workspace.apply(anna, first, code.id, start, start + len(PASSAGE))
    db.session.commit()
    _, second = release_all(interviewer, transcript)
    assert "Elias" not in second.text
    return {"first": first, "second": second, "anna": anna, "boss": boss, "member": member,
            "code": code}  # fmt: skip


def test_workspace_retrieval_and_exports_read_only_the_newest_release(corrected, client, auth):
    anna, first, second = corrected["anna"], corrected["first"], corrected["second"]
    with pytest.raises(PermissionDenied):
        access.read_release(anna, first)
    found = retrieval.passages(anna, retrieval.Query(code_id=corrected["code"].id),
                               for_export=True)  # fmt: skip
    assert found == []  # the coding on the replaced version does not come along
    assert b"Elias" not in retrieval.export_csv(found)
    docx = Document(io.BytesIO(retrieval.export_docx(found, "Siblings")))
    assert "Elias" not in "\n".join(p.text for p in docx.paragraphs)
    data, _ = export.export_project(anna)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Elias" not in everything and b"[Person 2]" in everything
    db.session.commit()  # the reads above are audited
    auth.login(user=anna)
    assert client.get(f"/coding/releases/{first.id}").status_code == 403
    page = client.get(f"/coding/releases/{second.id}").get_data(as_text=True)
    assert "[Person 2]" in page and "Elias" not in page


def test_the_review_pack_quotes_only_the_newest_release(corrected):
    boss, code = corrected["boss"], corrected["code"]
    themes.save_theme(boss, None, name="Siblings", description="", formed_year=2026,
                      revised_year=None, code_ids=[code.id])  # fmt: skip
    session = sessions.create_session(
        boss, title="Återblick", year=2026, held_on=date(2026, 12, 1), scope_from=None,
        scope_to=None, members=[corrected["member"], boss],
    )  # fmt: skip
    db.session.commit()
    pack = packs.build_pack_now(boss, session)
    db.session.commit()
    assert "Elias" not in json.dumps(pack.data, ensure_ascii=False)
    document = Document(io.BytesIO(b"".join(storage.open_plaintext(pack.docx_name))))
    assert "Elias" not in "\n".join(p.text for p in document.paragraphs)
    assert [t["name"] for t in pack.data["themes"]] == ["Siblings"]
