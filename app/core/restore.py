"""``redthread restore``: an archive made by ``redthread backup`` into an empty instance.

Everything is checked before anything is touched: the target database and media folder are
empty, the archive opens with the key, every chunk is authentic, every member matches the
SHA-256 and size in the manifest, and keys set in the environment fit the archive's. Only
then are the database, the keys and the files put in place, and the erasures in the ledger
made again. SQLite archives go into SQLite and PostgreSQL archives into PostgreSQL.
"""

import dataclasses
import json
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text

from app.core import transaction
from app.core.backup import FORMAT, LEDGER_NAME, PG_MEMBER, SQLITE_MEMBER, Ledger, pg_tool, run_pg
from app.core.crypto import Keyring
from app.core.db import db
from app.core.sealed_archive import ArchiveError, SealedReader

_MEMBER = re.compile(
    r"keys\.json|manifest\.json|database/(sqlite\.db|postgresql\.dump)"
    r"|media/[a-z_]+/[0-9a-f]{32}\.rte"
)
_COPY = 1024 * 1024

#: erases again whoever the erasure log names, after a restore (core knows no area: the
#: privacy area registers it at app creation, ``register_erasure_replay``)
_REPLAY: list = []


def register_erasure_replay(replay) -> None:
    """``replay(entries) -> how many`` runs inside every restore, before its commit."""
    _REPLAY[:] = [replay]


#: (field in keys.json, environment variable, setting, file in the instance folder)
KEYS = (
    ("data_keys", "REDTHREAD_DATA_KEYS", "DATA_KEYS", "data_keys"),
    ("lookup_key", "REDTHREAD_LOOKUP_KEY", "LOOKUP_KEY", "lookup_key"),
    ("audit_key", "REDTHREAD_AUDIT_KEY", "AUDIT_KEY", "audit_key"),
)


@dataclass
class RestoreReport:
    manifest: dict
    media_files: int
    #: participants erased again from the ledger
    erased: int
    #: the entries of the erasure ledgers read (beside the archive and given)
    ledger: list[dict] = dataclasses.field(default_factory=list)

    @property
    def newest_erasure(self) -> str | None:
        return max((entry["erased"] for entry in self.ledger), default=None)


def _sha256_copy(src, target: Path) -> dict:
    import hashlib

    digest, size = hashlib.sha256(), 0
    with open(target, "xb") as dst:
        while chunk := src.read(_COPY):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _open(archive: Path, key: bytes) -> SealedReader:
    try:
        raw = open(archive, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as error:
        raise ArchiveError(f"{archive} cannot be read: {error.strerror}") from None
    try:
        return SealedReader(raw, key)
    except BaseException:
        raw.close()
        raise


def unpack(archive: Path, key: bytes, staging: Path) -> dict:
    """Decrypt and unpack into ``staging``; the manifest once every member checked out."""
    seen, manifest = {}, None
    reader = _open(archive, key)
    with reader.raw:
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    name = member.name
                    if manifest is not None:
                        raise ArchiveError("the archive has members after its manifest")
                    if not member.isreg() or not _MEMBER.fullmatch(name) or name in seen:
                        raise ArchiveError(f"the archive holds an unexpected member {name!r}")
                    src = tar.extractfile(member)
                    if name == "manifest.json":
                        manifest = json.loads(src.read(64 * 1024 * 1024))
                        continue
                    target = staging / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    seen[name] = _sha256_copy(src, target)
        except (tarfile.TarError, ValueError) as error:
            raise ArchiveError(f"the archive's contents are damaged ({error})") from None
        reader.drain()
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("the archive has no manifest of a format this version reads")
    listed = manifest.get("members") or {}
    for name in sorted(set(listed) | set(seen)):
        if listed.get(name) != seen.get(name):
            raise ArchiveError(f"the archive member {name} does not match its manifest checksum")
    return manifest


def _check_empty() -> None:
    full = []
    for table in inspect(db.engine).get_table_names():
        if table != "alembic_version":
            sql = f'SELECT count(*) FROM "{table}"'  # noqa: S608 - a name the database gave
            count = db.session.execute(text(sql)).scalar()
            if count:
                full.append(f"{table} ({count})")
    transaction.rollback()
    if full:
        raise ArchiveError(
            "the database is not empty (rows in " + ", ".join(full[:5]) + "); restore goes "
            "only into an empty instance, so nothing was changed"
        )
    media = Path(current_app.config["MEDIA_ROOT"])
    if media.is_dir() and any(media.glob("*/*.rte")):
        raise ArchiveError(f"the media folder {media} is not empty; nothing was changed")


def _check_keys(archived: dict) -> None:
    for field, variable, setting, filename in KEYS:
        if not os.environ.get(variable, "").strip():
            continue  # restore writes the instance file
        configured, wanted = current_app.config[setting], archived[field]
        fits = set(wanted) <= set(configured) if field == "data_keys" else configured == wanted
        if not fits:
            raise ArchiveError(
                f"{variable} is set and does not hold the backup's key: unset it (restore then "
                f"writes instance/{filename}) or set it to the backup's; nothing was changed"
            )


def _write_secret(path: Path, value: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _install_keys(archived: dict) -> None:
    instance = Path(current_app.instance_path)
    for field, variable, setting, filename in KEYS:
        value = archived[field]
        if os.environ.get(variable, "").strip():
            continue
        _write_secret(instance / filename, "\n".join(value) if isinstance(value, list) else value)
        current_app.config[setting] = value
    current_app.extensions["redthread.keyring"] = Keyring(current_app.config["DATA_KEYS"])


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _install_database(backend: str, staging: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        target = Path(db.engine.url.database)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(staging / SQLITE_MEMBER, partial)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        for suffix in ("-wal", "-shm"):  # of the empty database it replaces
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(partial, target)
        _fsync_dir(target.parent)
    else:
        url = db.engine.url
        run_pg([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
                "--exit-on-error", "--clean", "--if-exists", f"--dbname={url.database}",
                str(staging / PG_MEMBER)], url)  # fmt: skip


def _install_media(staging: Path, moved: list[str]) -> None:
    """Move the archive's files into the media folder, noting each stored name in ``moved``."""
    root = Path(current_app.config["MEDIA_ROOT"])
    for source in sorted((staging / "media").glob("*/*.rte")):
        folder = root / source.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(source, folder / source.name)
        moved.append(f"{source.parent.name}/{source.name}")
    for folder in root.glob("*"):
        if folder.is_dir():
            _fsync_dir(folder)


def _schema_head() -> str:
    """The newest migration of this version of the application."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(current_app.extensions["migrate"].directory))
    return ScriptDirectory.from_config(config).get_current_head()


class _Installed:
    """What restore put in place, so that a failure after installing puts the instance back
    as it was: the empty SQLite database, the instance's key files, the media folder."""

    def __init__(self, backend: str, workspace: Path):
        self.backend, self.media, self.database = backend, [], None
        self.keys = {}
        for _field, _variable, setting, filename in KEYS:
            path = Path(current_app.instance_path) / filename
            self.keys[path] = (path.read_bytes() if path.exists() else None, setting)
        self.settings = {setting: current_app.config[setting] for *_rest, setting, _f in KEYS}
        if backend == "sqlite":
            target = Path(db.engine.url.database)
            self.database = (target, workspace / f".{target.name}.before-restore")
            db.session.remove()
            db.engine.dispose()
            shutil.copyfile(target, self.database[1])  # empty: _check_empty said so

    def undo(self) -> str:
        """Put back what was replaced; what could not be, in words (empty if everything)."""
        transaction.rollback()
        db.session.remove()
        db.engine.dispose()
        for name in self.media:
            Path(current_app.config["MEDIA_ROOT"], name).unlink(missing_ok=True)
        for path, (content, _setting) in self.keys.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                _write_secret(path, content.decode().rstrip("\n"))
        current_app.config.update(self.settings)
        current_app.extensions["redthread.keyring"] = Keyring(current_app.config["DATA_KEYS"])
        if self.database is None:
            return (
                "; the PostgreSQL database holds the restored rows: empty it (drop and create "
                "the database, then `redthread db upgrade`) before trying again"
            )
        target, saved = self.database
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(saved, target)
        return ""

    def discard(self) -> None:
        if self.database is not None:
            self.database[1].unlink(missing_ok=True)


def read_ledgers(archive: Path, key: bytes, ledgers: list[Path], no_ledger: bool) -> list[dict]:
    """The erasure log entries to replay: the ledgers given and the one beside ``archive``.

    Without any, an archive made before an erasure would bring the person back, so restore
    refuses unless told (``no_ledger``) that no erasure ledger exists.
    """
    beside = archive.parent / LEDGER_NAME
    paths = [*ledgers, *([beside] if beside.exists() and beside not in ledgers else [])]
    if not paths and not no_ledger:
        raise ArchiveError(
            f"no erasure ledger: there is no {LEDGER_NAME} beside the archive and none was "
            "given with --erasures; give the newest one (written by the latest backup), or "
            "--no-ledger if none exists, knowing that people erased since this backup are "
            "then restored; nothing was changed"
        )
    return [entry for path in paths for entry in Ledger.load(path, key).entries]


def restore_backup(
    archive: Path, key: bytes, ledgers: list[Path] = (), no_ledger: bool = False
) -> RestoreReport:
    """Restore ``archive`` into this (empty) instance; ArchiveError leaves it as it was
    (on PostgreSQL, a failure after the database was restored says how to empty it)."""
    if not _REPLAY:  # a restore that cannot erase again would bring erased people back
        raise RuntimeError("no erasure replay registered: restore inside create_app()")
    replay_erasures = _REPLAY[0]
    archive = Path(archive)
    backend = db.engine.dialect.name
    _open(archive, key).close()  # the key first: a wrong one is the likeliest mistake
    entries = read_ledgers(archive, key, list(ledgers), no_ledger)
    _check_empty()
    if backend == "postgresql":
        pg_tool("pg_restore")  # missing tools stop us before anything is unpacked
    workspace = Path(current_app.instance_path)
    workspace.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=workspace) as staging:
        staging = Path(staging)
        manifest = unpack(archive, key, staging)
        if manifest.get("backend") != backend:
            raise ArchiveError(
                f"this archive holds a {manifest.get('backend')} database and this instance "
                f"uses {backend}; restore into the same kind of database"
            )
        head = _schema_head()
        if manifest.get("schema_revision") != head:
            # Erasures are replayed with this version's models: they must fit the schema.
            raise ArchiveError(
                f"this archive holds schema revision {manifest.get('schema_revision')} and this "
                f"instance is at {head}; restore it with the Red Thread version that made it, "
                "then upgrade (redthread db upgrade)"
            )
        archived = json.loads((staging / "keys.json").read_text())
        _check_keys(archived)
        installed = _Installed(backend, staging)
        try:
            _install_database(backend, staging)
            _install_keys(archived)
            _install_media(staging, installed.media)
            erased = replay_erasures([*manifest.get("erasures", []), *entries])
            transaction.commit()
        except Exception as error:
            left = installed.undo()
            raise ArchiveError(
                f"restore failed after installing ({error.__class__.__name__}: {error}); what "
                f"it installed was taken away again{left}"
            ) from error
        installed.discard()
    return RestoreReport(manifest, len(installed.media), erased, entries)
