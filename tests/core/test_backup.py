"""Backup and restore: a populated instance round-trips row for row and byte for byte.

The round trip runs on the suite's database: SQLite, or PostgreSQL when
REDTHREAD_TEST_DATABASE_URL is set (there the schema is wiped and restored in place).
"""

import io
import json
import sqlite3
import tarfile
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from app import create_app
from app.core import backup, restore, storage
from app.core.audit_entry import AuditEntry
from app.core.backup import make_backup
from app.core.db import db
from app.core.restore import restore_backup
from app.core.sealed_archive import (
    MAGIC,
    ArchiveError,
    SealedReader,
    SealedWriter,
    new_key_file,
    read_key_file,
)
from app.demo import load_demo
from app.participants.models import Participant
from app.privacy import erasure
from tests.conftest import PG_URL, base_config
from tests.privacy.conftest import populate  # noqa: F401 - the fixture


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "keys" / "backup.key"
    path.parent.mkdir()
    new_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    return read_key_file(path)


@pytest.fixture
def populated(app, make_user, populate):  # noqa: F811
    """The demo data plus a participant with a recording, a consent scan and all the rest."""
    load_demo()
    db.session.commit()
    return populate()


def _tables(connection) -> dict[str, list]:
    """Every row of every table, as stored (encrypted values as their tokens)."""
    names = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]
    return {
        name: sorted(
            (tuple(row) for row in connection.exec_driver_sql(f'SELECT * FROM "{name}"')),  # noqa: S608
            key=repr,
        )
        for name in names
    }


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.rte"))}


class Target:
    """An empty instance to restore into: its own folder, database and media root."""

    def __init__(self, tmp_path: Path, name: str = "target"):
        folder = tmp_path / name
        if PG_URL:
            self.uri = PG_URL
        else:
            self.uri = f"sqlite:///{folder / 'redthread.db'}"
        self.folder, self.media = folder / "instance", folder / "media"
        self.app = self.make()

    def make(self):
        config = base_config(self.uri) | {"MEDIA_ROOT": str(self.media)}
        return create_app(config, instance_path=str(self.folder))

    def wipe_shared_database(self, app):
        """On PostgreSQL the target is the suite's database, emptied."""
        if PG_URL:
            db.session.remove()  # the test's own session, in the app context it runs in
            db.engine.dispose()
            engine = create_engine(_sqlalchemy_url())
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()


def _sqlalchemy_url() -> str:
    import os

    from app.config import database_url

    os.environ["DATABASE_URL"] = PG_URL
    try:
        return database_url(Path("/nonexistent"))
    finally:
        del os.environ["DATABASE_URL"]


def test_round_trip_restores_every_row_and_file(app, populated, key, tmp_path):
    archive = tmp_path / "archives" / "nightly.rtb"
    archive.parent.mkdir()
    with db.engine.connect() as connection:
        rows = _tables(connection)
    files = _files(Path(app.config["MEDIA_ROOT"]))
    names = {p.code: p.name for p in db.session.scalars(select(Participant))}
    recording = populated.recording.stored_name
    report = make_backup(archive, key)
    assert report.media_files == len(files) == 2  # the recording and the consent scan
    assert report.snapshot.counts["participant"] == len(names)
    assert report.snapshot.revision is not None
    assert b"Saga" not in archive.read_bytes()  # sealed

    target = Target(tmp_path)
    target.wipe_shared_database(app)
    with target.app.app_context():
        result = restore_backup(archive, key)
        assert result.media_files == len(files) and result.erased == 0
        with db.engine.connect() as connection:
            assert _tables(connection) == rows
        db.session.remove()
        db.engine.dispose()
    assert _files(target.media) == files

    # A fresh start of the target reads the keys restore put in its instance folder.
    fresh = target.make()
    with fresh.app_context():
        assert {p.code: p.name for p in db.session.scalars(select(Participant))} == names
        assert b"".join(storage.open_plaintext(recording)).startswith(b"RIFF")
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, populated, key, tmp_path):
    archive = tmp_path / "b.rtb"
    make_backup(archive, key)
    media_before = _files(Path(app.config["MEDIA_ROOT"]))
    with pytest.raises(ArchiveError, match="not empty"):
        restore_backup(archive, key)
    assert _files(Path(app.config["MEDIA_ROOT"])) == media_before


def _damaged(archive: Path, how: str, tmp_path: Path) -> Path:
    data = bytearray(archive.read_bytes())
    if how == "flipped":
        data[len(data) // 2] ^= 0x01
    elif how == "truncated":
        data = data[: len(data) - 1000]
    elif how == "cut at a chunk":
        data = data[: 10 + 8 + 1024 * 1024]  # magic, key id, Tink's first 1 MiB segment
    path = tmp_path / f"{how}.rtb"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
@pytest.mark.parametrize("how", ["flipped", "truncated", "cut at a chunk", "wrong key"])
def test_a_damaged_archive_or_wrong_key_changes_nothing(app, populated, key, tmp_path, how):
    archive = tmp_path / "good.rtb"
    make_backup(archive, key)
    used_key = key
    if how == "wrong key":
        other = tmp_path / "other.key"
        new_key_file(other)
        used_key = read_key_file(other)
        damaged = archive
    else:
        damaged = _damaged(archive, how, tmp_path)
    target = Target(tmp_path)
    secrets_before = {p.name: p.read_bytes() for p in target.folder.iterdir() if p.is_file()}
    with target.app.app_context():
        with pytest.raises(ArchiveError) as raised:
            restore_backup(damaged, used_key)
        assert db.session.execute(text("SELECT count(*) FROM sqlite_master")).scalar() == 0
    assert ("wrong key" in str(raised.value)) == (how == "wrong key")
    assert not target.media.exists() or not any(target.media.rglob("*.rte"))
    assert {p.name: p.read_bytes() for p in target.folder.iterdir() if p.is_file()} == (
        secrets_before
    )
    assert not list(target.folder.glob(".restore-*"))


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
def test_a_member_that_does_not_match_the_manifest_is_refused(app, key, tmp_path):
    archive = tmp_path / "forged.rtb"
    with open(archive, "wb") as raw:
        sealed = SealedWriter(raw, key)
        with tarfile.open(fileobj=sealed, mode="w|") as tar:
            for name, data in [("keys.json", b"{}"), ("manifest.json", json.dumps({
                "format": 1, "backend": "sqlite",
                "members": {"keys.json": {"sha256": "0" * 64, "size": 2}}}).encode())]:  # fmt: skip
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        sealed.close()
    target = Target(tmp_path)
    with target.app.app_context(), pytest.raises(ArchiveError, match="manifest checksum"):
        restore_backup(archive, key, no_ledger=True)


@pytest.mark.skipif(bool(PG_URL), reason="the write-ahead log is SQLite's")
def test_backup_is_consistent_while_a_writer_is_active(app, key, tmp_path):
    """A writer commits pairs of rows without pause; the snapshot never holds half a pair."""
    path = db.engine.url.database
    stop, written = threading.Event(), [0]

    def write():
        connection = sqlite3.connect(path, timeout=30)
        connection.execute("PRAGMA busy_timeout=30000")
        while not stop.is_set():
            with connection:
                for kind in ("left", "right"):
                    connection.execute(
                        "INSERT INTO exchange_guid (kind, entity_id, guid) VALUES (?, ?, ?)",
                        (kind, written[0], str(uuid.uuid4())),
                    )
            written[0] += 1
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 50:
            stop.wait(0.01)
        archives = []
        for n in range(3):
            archives.append(tmp_path / f"busy-{n}.rtb")
            make_backup(archives[-1], key)
    finally:
        stop.set()
        writer.join()
    for n, archive in enumerate(archives):
        target = Target(tmp_path, f"target-{n}")
        with target.app.app_context():
            result = restore_backup(archive, key)
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            left, right = (db.session.execute(text(
                "SELECT count(*) FROM exchange_guid WHERE kind = :k"), {"k": k}).scalar()
                for k in ("left", "right"))  # fmt: skip
            assert left == right == result.manifest["counts"]["exchange_guid"] // 2 > 0
            db.session.remove()
            db.engine.dispose()
    assert written[0] > left


def test_an_older_backup_is_erased_again_on_restore(app, make_user, populate, key, tmp_path):  # noqa: F811
    from app.core.users import Role

    coordinator = make_user(roles=[Role.COORDINATOR])
    gone, kept = populate(coordinator), populate(coordinator)
    gone_files = [gone.recording.stored_name, gone.consent.scan_name]
    kept_code, kept_file = kept.participant.code, kept.recording.stored_name
    folder = tmp_path / "archives"
    folder.mkdir()
    older = folder / "monday.rtb"
    make_backup(older, key)

    erasure.erase(coordinator, gone.participant, gone.participant.code)
    db.session.commit()
    newer = folder / "tuesday.rtb"
    report = make_backup(newer, key)
    assert report.ledger_entries == 1
    # Made after the erasure: neither the rows nor the files are in the archive.
    assert report.snapshot.counts["participant"] == 1
    assert not set(gone_files) & report.snapshot.referenced

    target = Target(tmp_path)
    target.wipe_shared_database(app)
    with target.app.app_context():
        result = restore_backup(older, key)  # reads erasures.json beside it
        assert result.erased == 1
        codes = db.session.scalars(select(Participant.code)).all()
        assert codes == [kept_code]
        actions = db.session.scalars(text(
            "SELECT action FROM audit_entry ORDER BY id DESC LIMIT 1")).all()  # fmt: skip
        assert actions == ["participant.erase"]
        db.session.remove()
        db.engine.dispose()
    remaining = {str(p.relative_to(target.media)) for p in target.media.rglob("*.rte")}
    assert not remaining & set(gone_files)
    assert kept_file in remaining


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
def test_a_changed_erasure_ledger_is_refused(app, populated, key, tmp_path):
    folder = tmp_path / "archives"
    folder.mkdir()
    make_backup(folder / "a.rtb", key)
    ledger = folder / backup.LEDGER_NAME
    data = json.loads(ledger.read_text())
    data["entries"].append({"reference": "0" * 64, "erased": "2030-01-01 00:00:00.000000"})
    ledger.write_text(json.dumps(data))
    target = Target(tmp_path)
    with target.app.app_context(), pytest.raises(ArchiveError, match="fails its check"):
        restore_backup(folder / "a.rtb", key)
    with pytest.raises(ArchiveError, match="fails its check"):
        make_backup(folder / "b.rtb", key)
    assert not (folder / "b.rtb").exists()


def test_the_commands(app, populated, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    key_file = tmp_path / "backup.key"
    assert runner.invoke(args=["backup-key", str(key_file)]).exit_code == 0
    again = runner.invoke(args=["backup-key", str(key_file)])
    assert again.exit_code != 0 and "never overwritten" in again.output
    monkeypatch.setenv("REDTHREAD_BACKUP_KEY_FILE", str(key_file))
    archive = tmp_path / "cli.rtb"
    done = runner.invoke(args=["backup", "--output", str(archive)])
    assert done.exit_code == 0, done.output
    assert "backup written" in done.output and archive.exists()
    written = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "backup.create"))
    assert written.one().detail_dict["archive"] == "cli.rtb"  # an archive is an export
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "nothing restored" in refused.output
    assert "not empty" in refused.output


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
def test_an_archive_of_another_schema_revision_is_refused(app, populated, key, tmp_path,
                                                          monkeypatch):  # fmt: skip
    from app.core import restore

    archive = tmp_path / "old.rtb"
    make_backup(archive, key)
    target = Target(tmp_path)
    target.wipe_shared_database(app)
    with target.app.app_context():
        monkeypatch.setattr(restore, "_schema_head", lambda: "9999")
        with pytest.raises(ArchiveError, match="schema revision"):
            restore_backup(archive, key)
        assert not any(target.media.rglob("*.rte"))
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
def test_a_failure_after_installing_puts_the_instance_back(app, populated, key, tmp_path,
                                                            monkeypatch):  # fmt: skip
    archive = tmp_path / "a.rtb"
    make_backup(archive, key)
    target = Target(tmp_path)
    keys_before = {p.name: p.read_bytes() for p in target.folder.iterdir() if p.is_file()}

    def fail(entries):
        raise RuntimeError("the erasure replay broke")

    monkeypatch.setattr(restore, "_REPLAY", [fail])  # what the privacy area registered
    with target.app.app_context():
        with pytest.raises(ArchiveError, match="taken away again"):
            restore_backup(archive, key)
        restore_module = __import__("app.core.restore", fromlist=["_check_empty"])
        restore_module._check_empty()  # empty again: a later restore can go ahead
        db.session.remove()
        db.engine.dispose()
    assert not any(target.media.rglob("*.rte"))
    after = {p.name: p.read_bytes() for p in target.folder.iterdir() if p.is_file()}
    assert after == keys_before
    assert not list(target.folder.glob(".*before-restore"))
    monkeypatch.undo()
    with target.app.app_context():
        assert restore_backup(archive, key).media_files == 2
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
def test_restore_without_an_erasure_ledger_needs_to_be_told(app, populated, key, tmp_path):
    folder = tmp_path / "archives"
    folder.mkdir()
    make_backup(folder / "a.rtb", key)
    (folder / backup.LEDGER_NAME).unlink()
    target = Target(tmp_path)
    with target.app.app_context():
        with pytest.raises(ArchiveError, match="no erasure ledger"):
            restore_backup(folder / "a.rtb", key)
        assert not any(target.media.rglob("*.rte"))
        report = restore_backup(folder / "a.rtb", key, no_ledger=True)
        assert report.ledger == [] and report.newest_erasure is None
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="an empty second instance is SQLite here")
def test_the_restore_command_names_the_newest_erasure(app, make_user, populate, tmp_path,  # noqa: F811
                                                      monkeypatch):  # fmt: skip
    from app.core.users import Role

    coordinator = make_user(roles=[Role.COORDINATOR])
    gone = populate(coordinator)
    erasure.erase(coordinator, gone.participant, gone.participant.code)
    db.session.commit()
    key_file = tmp_path / "backup.key"
    new_key_file(key_file)
    monkeypatch.setenv("REDTHREAD_BACKUP_KEY_FILE", str(key_file))
    folder = tmp_path / "archives"
    folder.mkdir()
    made = app.test_cli_runner().invoke(args=["backup", "--output", str(folder / "a.rtb")])
    assert made.exit_code == 0, made.output
    (folder / backup.LEDGER_NAME).rename(tmp_path / "kept.json")
    target = Target(tmp_path)
    runner = target.app.test_cli_runner()
    with target.app.app_context():  # the command runs in the app of the current context
        refused = runner.invoke(args=["restore", str(folder / "a.rtb")])
        assert refused.exit_code != 0 and "--no-ledger" in refused.output
        done = runner.invoke(args=["restore", str(folder / "a.rtb"), "--erasures",
                                   str(tmp_path / "kept.json")])  # fmt: skip
        assert done.exit_code == 0, done.output
        assert "erasure ledger: 1 entries, the newest erasure 20" in done.output
        assert "the archive was made" in done.output
        db.session.remove()
        db.engine.dispose()


def test_a_key_file_others_can_read_is_warned_about(app, populated, tmp_path):
    key_file = tmp_path / "backup.key"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup-key", str(key_file)]).exit_code == 0
    archive = ["backup", "--key-file", str(key_file), "--output"]
    private = runner.invoke(args=[*archive, str(tmp_path / "a.rtb")])
    assert private.exit_code == 0 and "warning" not in private.output
    key_file.chmod(0o644)
    shared = runner.invoke(args=[*archive, str(tmp_path / "b.rtb")])
    assert shared.exit_code == 0, shared.output  # a warning, not a refusal
    assert "can be read by others" in shared.stderr


def test_an_archive_is_sealed_with_tink_and_one_of_the_format_before_still_reads(tmp_path):
    key = b"legacy-backup-fixture-key-32byte"
    archive = tmp_path / "new.rtb"
    with open(archive, "wb") as raw:
        sealed = SealedWriter(raw, key)
        sealed.write(bytes(range(256)) * 10)
        sealed.close()
    assert archive.read_bytes().startswith(MAGIC)
    # Written by the code before Tink (see tests/core/legacy/README.md).
    legacy = Path(__file__).parent / "legacy" / "archive-rtbackup1.bin"
    for path in (archive, legacy):
        with open(path, "rb") as raw:
            reader = SealedReader(raw, key)
            assert reader.read() == bytes(range(256)) * 10
            reader.drain()
        with open(path, "rb") as raw, pytest.raises(ArchiveError, match="wrong key"):
            SealedReader(raw, b"another-backup-key-of-32-bytes!!")
    damaged = tmp_path / "cut.rtb"
    damaged.write_bytes(legacy.read_bytes()[:-100])
    with open(damaged, "rb") as raw, pytest.raises(ArchiveError):
        SealedReader(raw, key).drain()
