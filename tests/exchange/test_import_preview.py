"""A project import previewed before anything changes, applied exactly as chosen, and undone
as a whole: on the real files of NVivo and qc."""

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from analysis.refiqda.read import read_qdpx
from app.codebook.models import Code, CodeText
from app.codebook.services import CodingError
from app.core import storage
from app.core.db import db
from app.exchange import pending, undo
from app.exchange.models import ImportState, ProjectImport
from app.exchange.plan import ADD, MERGE, SKIP
from app.workspace import services as workspace
from app.workspace.models import Coding
from tests.codebook.sample import a_code
from tests.exchange.flow import preview_form

VENDORS = Path(__file__).resolve().parents[3] / "shared" / "refi-qda" / "vendors"
QC = "qc-1.3.2_demo.qdpx"
NVIVO = "nvivo-mac-12.7.0_oltas-17june.qdpx"

pytestmark = pytest.mark.skipif(not VENDORS.is_dir(), reason="the vendor samples are not here")


def vendor(name: str) -> bytes:
    return (VENDORS / name).read_bytes()


def with_text(release, text: str) -> None:
    """``release`` holding ``text`` (one segment), as if released so."""
    release.content = json.dumps([{"text": text, "speaker": None}])
    release.length = len(release.text)
    db.session.commit()


def source_text(name: str, index: int = 0) -> str:
    project, _ = read_qdpx(vendor(name))
    return project.sources[index].text


def state() -> dict:
    """The codebook and the codings, as an import or its undo could change them."""
    db.session.expire_all()
    codes = db.session.execute(select(Code.id, Code.parent_id, Code.guid, Code.merged_into_id,
                                      Code.position).order_by(Code.id)).all()  # fmt: skip
    texts = db.session.execute(select(CodeText.code_id, CodeText.language, CodeText.name)
                               .order_by(CodeText.code_id, CodeText.language)).all()  # fmt: skip
    codings = db.session.execute(select(Coding.id, Coding.code_id, Coding.release_id,
                                        Coding.start_offset, Coding.end_offset)
                                 .order_by(Coding.id)).all()  # fmt: skip
    return {"codes": codes, "texts": texts, "codings": codings}


def uploaded(actor, name: str) -> ProjectImport:
    record = pending.start(actor, name, vendor(name))
    db.session.commit()
    return record


def test_the_preview_counts_the_qc_file_and_changes_nothing(coded):
    boss = coded["boss"]
    before = state()
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    assert len(plan.codes) == 262 and len(plan.sources) == 2
    assert plan.counts["add"] + plan.counts["merge"] + plan.counts["here"] == 262
    assert sum(row.codings for row in plan.codes) == 205
    assert [(s.kind, s.carried) for s in plan.sources] == [("none", 205), ("none", 0)]
    assert plan.counts["unmatched_codings"] == 205 and plan.counts["coming"] == 0
    # the same text here (saved with other line ends): matched exactly, its codings come
    with_text(coded["release"], source_text(QC).replace("\n", "\r\n") + "\n")
    plan = pending.preview(boss, record)
    assert plan.sources[0].kind == "exact" and plan.sources[0].release == coded["release"]
    assert plan.counts["coming"] == 205 and plan.counts["unmatched_codings"] == 0
    assert state() == before  # a preview changes nothing


def test_the_preview_counts_the_nvivo_file(coded):
    boss = coded["boss"]
    before = state()
    plan = pending.preview(boss, uploaded(boss, NVIVO))
    assert len(plan.codes) == 152 and plan.counts["add"] + plan.counts["merge"] == 152
    assert [(s.label, s.kind, s.carried) for s in plan.sources] == [
        ("videos_selection", "none", 0), ("videos_10_selected", "none", 297)]  # fmt: skip
    assert plan.counts["unmatched_codings"] == 297
    assert state() == before
    assert storage.exists(db.session.scalars(select(ProjectImport)).one().stored_name)


def test_a_name_that_matches_across_case_accents_and_languages_is_suggested(coded):
    from analysis.refiqda import model as qda
    from analysis.refiqda.write import write_qdpx

    origins = db.session.scalars(
        select(Code).where(Code.named("Ophav og biologiske forældre"))
    ).one()
    # Swedish without its accents and in capitals; new; Danish with a space too many
    names = ["URSPRUNG OCH BIOLOGISKA FORALDRAR", "Helt ny kod", "ophav og  biologiske forældre"]
    items = [qda.Code(f"{n}d62985d-b147-5d01-a9b5-cae5dcd98342", name)
             for n, name in enumerate(names)]  # fmt: skip
    data = write_qdpx(qda.Project("Annan", [], items, [], []))
    record = pending.start(coded["boss"], "annan.qdpx", data)
    plan = pending.preview(coded["boss"], record)
    assert [row.suggestion for row in plan.codes] == [origins, None, origins]
    assert [row.choice for row in plan.codes] == [MERGE, ADD, MERGE]


def test_apply_merges_skips_and_adds_as_chosen(coded):
    boss, release = coded["boss"], coded["release"]
    with_text(release, source_text(QC))
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    used = [row for row in plan.codes if row.codings and row.choice == ADD]
    merged, skipped = used[0], used[1]
    into = a_code()
    choices = {"codes": {merged.index: (MERGE, into), skipped.index: (SKIP, None)},
               "confirmed": {}}  # fmt: skip
    result = pending.apply(boss, record, plan.digest, choices)
    db.session.commit()
    assert result["merged"] == plan.counts["merge"] + 1 and result["skipped"] == 1
    assert result["codes"] == plan.counts["add"] - 2
    assert result["codings"] + result["already"] == 205 - skipped.codings
    on_into = db.session.scalars(select(Coding).where(Coding.code_id == into.id)).all()
    assert len(on_into) >= 1 and all(c.guid for c in on_into)
    assert db.session.scalar(select(Code).where(Code.guid == skipped.item.guid)) is None
    assert db.session.scalar(select(Code).where(Code.guid == merged.item.guid)) is None
    assert record.state == ImportState.IMPORTED.value and record.stored_name is None
    skipped_note = "coding of a code you skipped" if skipped.codings == 1 else "codings of codes"
    shown = pending.report_of(boss, record)
    assert f"{skipped.codings} {skipped_note}" in " ".join(shown["dropped"])


def _similar(text: str) -> str:
    """The text with a word changed here and there, as a corrected release would be."""
    words = text.split(" ")
    return " ".join("ändrat" if i % 40 == 7 else w for i, w in enumerate(words))


def test_a_similar_transcript_takes_the_codings_only_once_confirmed(coded):
    boss, release = coded["boss"], coded["release"]
    original = source_text(QC)
    with_text(release, _similar(original))
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    row = plan.sources[0]
    assert row.kind == "similar" and row.release == release and 0.5 <= row.similarity < 1
    assert plan.counts["unmatched_codings"] == 205  # not confirmed yet
    confirmed = {"codes": {}, "confirmed": {0: release.id}}
    again = pending.preview(boss, record, confirmed)
    assert again.counts["coming"] == 205 and again.digest == plan.digest
    result = pending.apply(boss, record, plan.digest, confirmed)
    db.session.commit()
    assert result["sources"] == 1 and result["codings"] > 150
    assert result["codings"] + result["codings_dropped"] + result["already"] == 205
    # every coding that came in covers the words it covered in the file, where unchanged
    selections = {s.guid: s for s in read_qdpx(vendor(QC))[0].sources[0].selections}
    by_coding = {c.guid: s for s in selections.values() for c in s.codings}
    same = 0
    for coding in db.session.scalars(select(Coding)):
        selection = by_coding[coding.guid]
        wanted = original[selection.start : selection.end]
        same += release.text[coding.start_offset : coding.end_offset] == wanted
    assert same >= result["codings"] * 0.5


def test_an_unconfirmed_similar_transcript_leaves_its_codings_out(coded):
    boss, release = coded["boss"], coded["release"]
    with_text(release, _similar(source_text(QC)))
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    result = pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {}})
    assert result["codings"] == 0 and result["left_out"][0][2] == 205
    assert "not confirmed" in pending.report_of(boss, record)["left_out"][0][1]


def test_a_tampered_or_expired_preview_is_refused_and_changes_nothing(coded):
    boss = coded["boss"]
    with_text(coded["release"], source_text(QC))
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    before = state()
    with pytest.raises(CodingError, match="changed since the preview"):
        pending.apply(boss, record, "0" * 64, {"codes": {}, "confirmed": {}})
    db.session.rollback()
    # a confirmation of a transcript the preview did not show
    with pytest.raises(CodingError, match="changed since the preview"):
        pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {1: 999}})
    db.session.rollback()
    # the file kept is not the one uploaded
    good = record.sha256
    record.sha256 = "f" * 64
    with pytest.raises(CodingError, match="not the one previewed"):
        pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {}})
    db.session.rollback()
    assert record.sha256 == good
    # someone else cannot import it
    with pytest.raises(CodingError, match="someone else"):
        pending.apply(coded["anna"], record, plan.digest, {"codes": {}, "confirmed": {}})
    db.session.rollback()
    # expired
    record.uploaded_at -= timedelta(hours=3)
    db.session.commit()
    with pytest.raises(CodingError, match="expired"):
        pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {}})
    db.session.rollback()
    assert state() == before
    stored = record.stored_name
    assert pending.expire_stale() == 1
    db.session.commit()
    assert record.state == ImportState.DISCARDED.value and not storage.exists(stored)


def test_the_codebook_changing_after_the_preview_refuses_the_import(coded):
    boss = coded["boss"]
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    name = next(row.item.name for row in plan.codes if row.choice == ADD)
    db.session.add(Code(name=name, colour="#9ecae1", position=99))
    db.session.commit()
    with pytest.raises(CodingError, match="changed since the preview"):
        pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {}})


def test_undo_restores_the_exact_state_before_the_import(coded):
    boss, release = coded["boss"], coded["release"]
    workspace.apply(coded["anna"], release, a_code().id, 0, 5)
    db.session.commit()
    with_text(release, source_text(QC))
    before = state()
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    merged = next(row for row in plan.codes if row.codings and row.choice == ADD)
    choices = {"codes": {merged.index: (MERGE, a_code(1))}, "confirmed": {}}
    result = pending.apply(boss, record, plan.digest, choices)
    db.session.commit()
    assert result["codings"] > 0 and state() != before
    assert undo.blockers(record) == []
    removed = undo.undo(boss, record)
    db.session.commit()
    assert removed == {"codes": result["codes"], "codings": result["codings"]}
    assert state() == before
    assert record.state == ImportState.UNDONE.value
    with pytest.raises(CodingError, match="in place"):
        undo.undo(boss, record)


def imported_qc(coded):
    """The qc sample imported with the preview's suggestions over the coordinator's
    release, committed: (the import, its first codable code)."""
    boss, release = coded["boss"], coded["release"]
    with_text(release, source_text(QC))
    record = uploaded(boss, QC)
    plan = pending.preview(boss, record)
    pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {}})
    db.session.commit()
    codable = (db.session.get(Code, c) for c in record.added_dict["codes"])
    return record, next(code for code in codable if code.codable)


def test_undo_is_refused_once_an_imported_code_was_used(coded):
    boss = coded["boss"]
    record, code = imported_qc(coded)
    workspace.apply(coded["anna"], coded["release2"], code.id, 0, 5)
    db.session.commit()
    before = state()
    with pytest.raises(undo.UndoBlocked, match=re.escape(code.path)) as refused:
        undo.undo(boss, record)
    db.session.rollback()
    assert "1 coding was made since with" in str(refused.value.message)
    assert state() == before and record.state == ImportState.IMPORTED.value


def test_undo_tells_of_blind_codings_without_counting_them(coded):
    """Another coder's blind codings in an open round hold the undo back, but the message
    says only that a round used the codes: not how many, nor with which code."""
    from app.workspace.models import CodingRound

    boss = coded["boss"]
    record, code = imported_qc(coded)
    blind = CodingRound(name="Blind", releases=[coded["release2"]], coders=[coded["anna"]])
    db.session.add(blind)
    db.session.flush()
    for start in (0, 10, 20):
        db.session.add(Coding(release_id=coded["release2"].id, code_id=code.id,
                              coder_id=coded["anna"].id, start_offset=start,
                              end_offset=start + 5, round_id=blind.id))  # fmt: skip
    db.session.commit()
    with pytest.raises(undo.UndoBlocked) as refused:
        undo.undo(boss, record)
    db.session.rollback()
    message = str(refused.value.message)
    assert "used in a coding round" in message
    assert "made since" not in message and code.path not in message


def test_the_pages_preview_import_and_undo(coded, client, auth):
    boss, release = coded["boss"], coded["release"]
    with_text(release, source_text(QC))
    auth.login(user=boss)
    response = client.post("/coding/import", data={"file": (io.BytesIO(vendor(QC)), "qc.qdpx")})
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert 'data-count="coming">205 codings are on transcripts' in page
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 0
    record = db.session.scalars(select(ProjectImport)).one()
    # a tampered digest: refused, nothing imported
    form = preview_form(page)
    refused = client.post(f"{preview_url}/apply", data=form | {"digest": "0" * 64})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(preview_url)
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 0
    # and without one
    assert client.post(f"{preview_url}/apply", data=form | {"digest": ""}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 0
    # the form as shown: every choice sent back
    done = client.post(f"{preview_url}/apply", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith("/report")
    report = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "data-imported" in report and "data-undo" in report
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Coding)) > 0
    # nobody else sees it
    auth.logout()
    auth.login(user=coded["anna"])
    assert client.get(done.headers["Location"]).status_code == 404
    assert client.post(f"/coding/import/{record.id}/undo").status_code == 404
    auth.logout()
    auth.login(user=boss)
    undone = client.post(f"/coding/import/{record.id}/undo", follow_redirects=True)
    assert "data-undone" in undone.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 0


@pytest.mark.parametrize("since", ["theme", "goal", "edited", "child"])
def test_undo_is_refused_once_an_imported_code_is_built_on(coded, since):
    from app.codebook import services as codebook
    from app.themes.models import Theme

    boss = coded["boss"]
    record = uploaded(boss, NVIVO)
    plan = pending.preview(boss, record)
    pending.apply(boss, record, plan.digest, {"codes": {}, "confirmed": {}})
    db.session.commit()
    code = db.session.get(Code, record.added_dict["codes"][0])
    if since == "theme":
        theme = Theme(name="Ett tema", formed_year=2026)
        theme.codes.append(code)
        db.session.add(theme)
    elif since == "goal":
        from app.goals import services as goals
        from tests.goals.test_goals import FIELDS

        goal = goals.create_goal(boss, kind="team", **FIELDS)
        goals.link(boss, goal, direction="for", code=code)
    elif since == "edited":
        codebook.save_code(boss, code, language="sv", definition="Ny definition")
    else:
        codebook.save_code(boss, None, language="sv", name="Under den", parent_id=code.id)
    db.session.commit()
    before = state()
    with pytest.raises(undo.UndoBlocked) as refused:
        undo.undo(boss, record)
    db.session.rollback()
    expected = {
        "theme": "in a theme",
        "goal": "linked to a goal",
        "edited": "changed in the codebook",
        "child": "placed under",
    }
    assert expected[since] in str(refused.value.message) and code.path in str(refused.value.message)
    assert state() == before and record.state == ImportState.IMPORTED.value


def test_the_nightly_sweep_removes_an_expired_waiting_file(coded):
    import os
    import time

    record = uploaded(coded["boss"], QC)
    path = Path(current_app.config["MEDIA_ROOT"]) / record.stored_name
    old = time.time() - 30 * 3600
    os.utime(path, (old, old))
    assert storage.sweep_strays(categories=["project_imports"]) == {"project_imports": 0}
    record.uploaded_at -= timedelta(hours=30)
    db.session.commit()
    assert storage.sweep_strays(categories=["project_imports"]) == {"project_imports": 1}
    assert not path.exists()


def test_the_choices_are_counted_again_and_a_wrong_merge_target_is_named(coded, client, auth):
    boss = coded["boss"]
    with_text(coded["release"], source_text(QC))
    auth.login(user=boss)
    response = client.post("/coding/import", data={"file": (io.BytesIO(vendor(QC)), "qc.qdpx")})
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    plan = pending.preview(boss, db.session.scalars(select(ProjectImport)).one())
    busiest = max(plan.choosing, key=lambda row: row.codings)
    form = preview_form(page) | {f"code_{busiest.index}": SKIP}
    again = client.post(f"{url}/preview", data=form).get_data(as_text=True)
    assert (f'data-count="skipped-codings">{busiest.codings} codings will be left out'
            in again)  # fmt: skip
    assert 'data-count="skip">1 code will be skipped' in again
    form = preview_form(page) | {f"code_{busiest.index}": MERGE,
                                 f"into_{busiest.index}": "Ingen sådan kod"}  # fmt: skip
    refused = client.post(f"{url}/apply", data=form)
    assert refused.status_code == 200
    assert "Choose a code of the codebook from the list." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 0
    assert db.session.scalars(select(ProjectImport)).one().state == ImportState.PREVIEWED.value


def test_erasure_renames_the_import_report_entries_about_the_person(coded):
    """Our own export names a source by the participant's code: after the person is erased,
    the stored report names those entries as erased, and keeps every other entry."""
    from app.exchange.notes import say
    from app.privacy import erasure

    boss, release = coded["boss"], coded["release"]
    person = release.interview.offer.placement.participant
    other = ["Someone else's notes", {"key": "not_here"}, 1]
    record = ProjectImport(imported_by_id=boss.id, filename="p.qdpx", sha256="0" * 64,
                           state=ImportState.IMPORTED.value, report=json.dumps({
                               "imported": [[f"{person.code} v1", release.id, 3, None]],
                               "left_out": [[f"{person.code} v2", {"key": "not_here"}, 2],
                                            other],
                               "dropped": [f"8 selections in {person.code} v3"],
                           }))  # fmt: skip
    db.session.add(record)
    db.session.commit()
    counts = erasure.erase(None, person, person.code)
    db.session.commit()
    db.session.refresh(record)
    assert counts["import_reports"] == 1 and person.code not in record.report
    kept = record.report_dict
    assert say(kept["imported"][0][0]) == "a source about someone erased since"
    assert kept["left_out"][1] == other and say(kept["dropped"][0]).endswith("erased since")
