"""Guide files: the schema with line numbers, the default guide, versions and comparison."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.guides.files import SECTION_KEYS, GuideFileError, load_file, load_folder
from app.guides.models import GuideVersion
from app.guides.services import FOLDER, compare, sync_guides

DEFAULT = "karlstad-follow-up"


def test_the_default_guide_exists_in_three_languages_with_the_seven_areas():
    guides = {g.language: g for g in load_folder(FOLDER) if g.id == DEFAULT}
    assert set(guides) == {"sv", "da", "en"}
    for guide in guides.values():
        assert tuple(s.key for s in guide.sections) == SECTION_KEYS
        assert guide.closing.key == "closing"
        assert all(3 <= len(s.questions) <= 8 for s in guide.sections)
        assert len(guide.introduction) > 400 and len(guide.ethics.guidance) > 400
    assert len({g.version for g in guides.values()}) == 1


@pytest.fixture
def folder(tmp_path):
    copy = tmp_path / "guides"
    copy.mkdir()
    shutil.copy(FOLDER / f"{DEFAULT}.en.yaml", copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_schema_error_names_the_file_and_line(folder):
    path = folder / f"{DEFAULT}.en.yaml"
    edit(path, "  - key: network", "  - key: network\n    colour: red")
    with pytest.raises(GuideFileError) as caught:
        load_file(path)
    assert caught.value.line == line_of(path, "colour: red")
    assert "Extra inputs are not permitted" in caught.value.reason
    assert str(caught.value).startswith(f"{DEFAULT}.en.yaml, line ")


def test_a_yaml_error_names_the_line(folder):
    path = folder / f"{DEFAULT}.en.yaml"
    edit(path, "version: 1", "version: [1")
    with pytest.raises(GuideFileError, match="not valid YAML") as caught:
        load_file(path)
    assert caught.value.line is not None


def test_a_missing_field_points_at_its_parent(folder):
    path = folder / f"{DEFAULT}.en.yaml"
    text = path.read_text()
    start = text.index("ethics:")
    path.write_text(text[:start] + 'ethics:\n  title: "Only a title"\n')
    with pytest.raises(GuideFileError, match=r"ethics\.guidance: Field required") as caught:
        load_file(path)
    assert caught.value.line == line_of(path, "ethics:") + 1


def test_sync_stores_each_content_once_and_refuses_a_silent_change(app, folder):
    report = sync_guides(folder)
    assert [v.language for v in report.added] == ["en"]
    assert sync_guides(folder).unchanged == 1
    path = folder / f"{DEFAULT}.en.yaml"
    edit(path, "title:", 'title: "Changed"\nx_title:')  # breaks the schema: nothing stored
    with pytest.raises(GuideFileError):
        sync_guides(folder)
    shutil.copy(FOLDER / f"{DEFAULT}.en.yaml", path)
    first_question = load_file(path).sections[0].questions[0].text
    edit(path, first_question, first_question + " Take your time.")
    with pytest.raises(GuideFileError, match="raise the version number"):
        sync_guides(folder)
    edit(path, "version: 1", "version: 2")
    report = sync_guides(folder)
    assert [v.version for v in report.added] == [2]
    assert db.session.scalar(select(func.count(GuideVersion.id))) == 2
    old, new = db.session.scalars(select(GuideVersion).order_by(GuideVersion.version)).all()
    changed = [line for line in compare(old, new) if line.kind != "same"]
    assert [line.kind for line in changed] == ["removed", "added"]
    assert changed[1].text.endswith("Take your time.")


def test_guide_pages(client, auth, folder, app):
    sync_guides(FOLDER)
    shutil.copy(FOLDER / f"{DEFAULT}.sv.yaml", folder)
    path = folder / f"{DEFAULT}.sv.yaml"
    edit(path, "version: 1", "version: 2")
    sync_guides(folder)
    db.session.commit()
    auth.login(Role.INTERVIEWER)
    index = client.get("/guides").get_data(as_text=True)
    assert index.count("Version 1") >= 3 and "Version 2" in index
    sv = GuideVersion.latest(DEFAULT, "sv")
    page = client.get(f"/guides/{sv.id}").get_data(as_text=True)
    guide = sv.guide
    assert guide.sections[0].questions[0].text in page
    assert guide.ethics.title in page
    compare_page = client.get(f"/guides/{sv.id}/compare").get_data(as_text=True)
    assert "<ins" not in compare_page and "<del" not in compare_page  # same content
    assert "Version 1" in compare_page


def test_cli_sync_reports_and_stops_on_a_bad_file(runner, folder):
    result = runner.invoke(args=["guides", "sync", "--folder", str(folder)])
    assert result.exit_code == 0 and "1 added, 0 unchanged" in result.output
    edit(folder / f"{DEFAULT}.en.yaml", "language: en", "language: fr")
    bad = runner.invoke(args=["guides", "sync", "--folder", str(folder)])
    assert bad.exit_code != 0
    assert "guide not loaded: karlstad-follow-up.en.yaml, line" in bad.output


def test_paragraphs_escape_and_keep_breaks():
    from app.guides.routes import paragraphs

    html = str(paragraphs("First <b>line</b>\nsame paragraph\n\n\nSecond"))
    assert html == "<p>First &lt;b&gt;line&lt;/b&gt;<br>same paragraph</p><p>Second</p>"


def test_every_question_has_a_key_of_its_own(folder):
    guides = [g for g in load_folder(FOLDER) if g.id == DEFAULT]
    for guide in guides:
        keys = [q.key for q in guide.questions()]
        assert all(keys) and len(set(keys)) == len(keys)
    # a question asked in every language has the same key in each
    assert all("belonging" in {q.key for q in g.questions()} for g in guides)
    path = folder / f"{DEFAULT}.en.yaml"
    edit(path, "- key: daytime\n", "- key: life_now_overview\n")
    with pytest.raises(GuideFileError, match="two questions have the same key"):
        load_file(path)
    edit(path, '- key: life_now_overview\n        text: "What do you do', '- text: "What do you do')
    with pytest.raises(GuideFileError, match="every question needs a key"):
        load_file(path)


def test_a_version_stored_before_question_keys_gets_them_and_keeps_them(app, folder):
    path = folder / f"{DEFAULT}.en.yaml"
    keyed = load_file(path)

    def unkeyed(section):
        return section.model_copy(
            update={"questions": [q.model_copy(update={"key": None}) for q in section.questions]}
        )

    keyless = keyed.model_copy(
        update={"sections": [unkeyed(s) for s in keyed.sections], "closing": unkeyed(keyed.closing)}
    )
    assert keyless.content_hash() == keyed.content_hash()  # the keys ask nothing
    stored = GuideVersion(guide_key=DEFAULT, language="en", version=1, title=keyed.title,
                          content=json.dumps(keyless.model_dump(), ensure_ascii=False),
                          content_hash=keyless.content_hash())  # fmt: skip
    db.session.add(stored)
    db.session.flush()
    assert stored.guide.questions()[0].key == "life_now_1"  # named by its place meanwhile
    report = sync_guides(folder)
    assert report.unchanged == 1 and not report.added
    assert [q.key for q in stored.guide.questions()] == [q.key for q in keyed.questions()]
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "guide.keys")
        )
        == 1
    )
    # once given, a key stays: a file that renames one is refused
    edit(path, "- key: daytime\n", "- key: days\n")
    with pytest.raises(GuideFileError, match="key cannot change"):
        sync_guides(folder)
