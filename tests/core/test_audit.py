import hashlib
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.core import audit, audit_chain, audit_entry
from app.core.audit_entry import GENESIS, AuditEntry
from app.core.db import db, utcnow
from app.core.users import Role


def write(n):
    for i in range(n):
        audit.record(None, "test.event", "thing", i, note=f"entry {i}", name="Åsa Ødegård")
    db.session.commit()


def test_chain_links_each_entry_to_the_one_before(app):
    write(3)
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert audit_chain.verify_chain().ok
    assert audit_chain.verify_chain().checked == 3


def test_database_refuses_update_and_delete(app):
    write(1)
    for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_orm_refuses_changes(app):
    write(1)
    entry = db.session.scalars(db.select(AuditEntry)).first()
    entry.action = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def unguarded(app):
    """The append-only triggers dropped, as by someone with direct database access."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))
    db.session.commit()
    yield
    db.session.rollback()
    if postgres:  # the PostgreSQL schema outlives the test; SQLite's file does not
        db.session.execute(
            text(
                "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
            )
        )
        db.session.commit()


def test_verify_finds_the_first_tampered_entry(app, runner, unguarded):
    write(5)
    db.session.execute(text("UPDATE audit_entry SET detail = '{}' WHERE id = 3"))
    db.session.commit()
    report = audit_chain.verify_chain()
    assert (report.broken_at, report.reason, report.checked) == (3, "changed", 2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at entry 3" in result.output


def test_verify_finds_a_removed_entry(app, unguarded):
    write(4)
    db.session.execute(text("DELETE FROM audit_entry WHERE id = 2"))
    db.session.commit()
    report = audit_chain.verify_chain()
    assert (report.broken_at, report.reason) == (3, "broken_link")


def test_two_writers_cannot_fork_the_chain(app):
    write(1)
    last = db.session.scalars(db.select(AuditEntry)).first()
    fork = AuditEntry(
        at=last.at,
        actor_name="x",
        origin="cli",
        action="fork",
        detail="{}",
        prev_hash=last.prev_hash,
    )
    fork.hash = fork.compute_hash()
    db.session.add(fork)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_chain_rebuilt_without_the_key_is_detected(app, unguarded):
    """Someone with database access rewrites the links and hashes of every entry."""
    write(3)
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    prev = GENESIS
    for entry in entries:
        # Without AUDIT_KEY the best a forger can do is a plain hash chain.
        forged = hashlib.sha256(prev.encode() + entry.payload()).hexdigest()
        db.session.execute(
            text("UPDATE audit_entry SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": prev, "h": forged, "i": entry.id},
        )
        prev = forged
    db.session.commit()
    assert audit_chain.verify_chain().broken_at == 1


def test_verify_needs_the_right_key(app):
    write(2)
    app.config["AUDIT_KEY"] = "another-key-" + "x" * 40
    assert audit_chain.verify_chain().broken_at == 1


def test_cli_verify_on_intact_log(app, runner):
    write(2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact: 2 entries" in result.output


def test_an_entry_goes_with_its_transaction(app):
    """Entries are written at the commit, with the change they record, or not at all: a
    rollback drops them even when nothing had been sent to the database yet, and a query of
    the log in the same transaction sees them."""
    db.session.commit()
    audit.record(None, "test.rolled_back")
    db.session.rollback()
    audit.record(None, "test.kept")
    seen = db.session.scalars(select(AuditEntry.action)).all()
    assert "test.kept" in seen and "test.rolled_back" not in seen
    db.session.commit()
    with db.session.begin_nested():
        audit.record(None, "test.after_savepoint")
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["test.kept", "test.after_savepoint"]
    assert "test.rolled_back" not in actions
    assert audit_chain.verify_chain().ok


# --- participants are named by a keyed digest of their code --------------------------------

CODE = "P-2025-017"


def _details() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)))


def test_entries_name_a_participant_by_digest_and_the_page_shows_the_code(
    app, client, auth, make_user
):
    from datetime import date

    from app.participants import services as participants
    from app.privacy import erasure

    coordinator = make_user(roles=[Role.COORDINATOR])
    participant = participants.create_participant(
        coordinator, code=CODE, name="Saga Lindberg", birth_date=date(2008, 3, 14)
    )
    participants.add_placement(
        coordinator, participant, started_on=date(2015, 1, 1), ended_on=date(2024, 6, 30),
        setting_at_end="family_home", custody_transferred=False,
    )  # fmt: skip
    db.session.commit()
    reference = audit.participant_ref(CODE)
    assert not [detail for detail in _details() if CODE in detail]
    assert sum(reference in detail for detail in _details()) == 2

    auth.login(Role.ADMIN)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert CODE in page and reference not in page  # looked up while registered

    erasure.erase(coordinator, participant, CODE)
    db.session.commit()
    assert not [detail for detail in _details() if CODE in detail]
    page = client.get("/admin/audit").get_data(as_text=True)
    assert CODE not in page and reference in page
    assert audit_chain.verify_chain().ok


def _legacy_entries():
    """Entries as written before 0015: the participant's code in clear."""
    audit.record(None, "participant.create", "participant", 1, code=CODE)
    audit.record(None, "placement.create", "placement", 1, participant=CODE)
    audit.record(None, "test.event", "thing", 1, note="after")
    db.session.commit()


def test_redaction_clears_old_codes_and_keeps_the_chain(app, unguarded):
    _legacy_entries()
    before = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    hashes = [(e.prev_hash, e.hash) for e in before]
    db.session.expunge_all()

    assert audit.redact_clear_codes(db.session.connection()) == 2
    db.session.commit()

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.prev_hash, e.hash) for e in entries] == hashes  # the chain is the same
    assert not [detail for detail in _details() if CODE in detail]
    assert entries[0].detail_dict == {"participant_ref": audit.participant_ref(CODE)}
    assert [e.redaction is not None for e in entries] == [True, True, False]
    assert audit_chain.verify_chain().ok
    # Run again: nothing left to do.
    assert audit.redact_clear_codes(db.session.connection()) == 0

    # A redacted entry cannot be changed without the key either.
    db.session.execute(text(
        "UPDATE audit_entry SET detail = '{\"participant_ref\": \"0\"}' WHERE id = 2"))  # fmt: skip
    db.session.commit()
    assert (audit_chain.verify_chain().broken_at, audit_chain.verify_chain().reason) == (
        2,
        "changed",
    )


def test_redaction_never_vouches_for_a_changed_entry(app, unguarded):
    _legacy_entries()
    db.session.execute(text(
        "UPDATE audit_entry SET detail = '{\"code\": \"P-2025-099\"}' WHERE id = 1"))  # fmt: skip
    db.session.commit()
    assert audit.redact_clear_codes(db.session.connection()) == 1  # only the second
    db.session.commit()
    assert audit_chain.verify_chain().broken_at == 1


def test_migration_0015_redacts_old_entries_and_keeps_the_log_append_only(app):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import MIGRATIONS

    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0014")
    try:
        # Written as 0014 would have (no redaction column): raw inserts with the same hashes.
        with db.engine.begin() as connection:
            last = audit_entry.GENESIS
            for n, (action, detail) in enumerate(
                [("participant.create", {"code": CODE}),
                 ("placement.create", {"participant": CODE})], start=1):  # fmt: skip
                entry = AuditEntry(at=utcnow(), actor_id=None, actor_name="system",
                                   origin="cli", action=action, object_type="participant",
                                   object_id=str(n), detail=json.dumps(detail, sort_keys=True),
                                   prev_hash=last)  # fmt: skip
                entry.hash = last = entry.compute_hash()
                connection.execute(
                    text("INSERT INTO audit_entry (at, actor_id, actor_name, origin, action, "
                         "object_type, object_id, detail, prev_hash, hash) VALUES (:at, NULL, "
                         ":actor_name, :origin, :action, :object_type, :object_id, :detail, "
                         ":prev_hash, :hash)"),
                    {"at": entry.at, "actor_name": entry.actor_name, "origin": entry.origin,
                     "action": entry.action, "object_type": entry.object_type,
                     "object_id": entry.object_id, "detail": entry.detail,
                     "prev_hash": entry.prev_hash, "hash": entry.hash},
                )  # fmt: skip
    finally:
        upgrade(directory=MIGRATIONS)
    assert not [detail for detail in _details() if CODE in detail]
    assert audit_chain.verify_chain().ok and audit_chain.verify_chain().checked == 2
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_entry SET action = 'x'"))
    db.session.rollback()


def test_the_log_page_names_the_system_in_the_readers_language(app, client, auth):
    audit.record(None, "demo.load", users=1)
    db.session.commit()
    user = auth.login(Role.ADMIN)
    user.language = "sv"
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "systemet" in page and ">system<" not in page
