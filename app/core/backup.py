"""``redthread backup``: one encrypted archive with a consistent snapshot of everything.

The archive (see ``sealed_archive``) holds a tar stream of:

- ``keys.json``: the instance's data, lookup and audit keys, without which the encrypted
  columns, the ID-number digests and the audit chain cannot be read after a restore; they
  travel sealed under the backup key, so the backup key is the one secret to keep offline;
- ``database/sqlite.db`` (SQLite's online backup API, safe beside a running app in WAL
  mode) or ``database/postgresql.dump`` (``pg_dump`` custom format);
- ``media/<category>/<name>.rte``: the stored files exactly as they are (still encrypted
  under the data keys), only those the database snapshot refers to;
- ``manifest.json`` last: format, schema revision, time, row counts and the SHA-256 and
  size of every member before it.

Beside the archive, ``erasures.json`` keeps the erasure ledger (see ``app.privacy``), which
``redthread restore`` replays so that an older archive does not bring back erased people.
"""

import glob
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import String, Text

from app.core import sealed_archive
from app.core.crypto import EncryptedText
from app.core.db import db, utcnow
from app.core.sealed_archive import ArchiveError

FORMAT = 1
SQLITE_MEMBER = "database/sqlite.db"
PG_MEMBER = "database/postgresql.dump"
LEDGER_NAME = "erasures.json"
_STORED_NAME = re.compile(r"[a-z_]+/[0-9a-f]{32}\.rte")


@dataclass
class Snapshot:
    """What the database looked like at one instant, taken while the app may be running."""

    backend: str
    path: Path
    revision: str | None
    counts: dict[str, int]
    #: stored file names that some row refers to
    referenced: set[str]
    #: the erasures recorded in the audit log: {"reference", "erased"}
    erasures: list[dict] = field(default_factory=list)


@dataclass
class BackupReport:
    path: Path
    size: int
    snapshot: Snapshot
    media_files: int
    ledger_entries: int


# --- PostgreSQL tools -------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of pg_dump, pg_restore or psql: REDTHREAD_PG_BIN, PATH, or the usual folders."""
    configured = current_app.config.get("PG_BIN") or ""
    if configured:
        path = Path(configured) / name
        if not path.is_file():
            raise ArchiveError(f"{name} not found in REDTHREAD_PG_BIN ({configured})")
        return str(path)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0))  # fmt: skip
    if candidates:
        return candidates[-1]
    raise ArchiveError(f"{name} not found: install the PostgreSQL client or set REDTHREAD_PG_BIN")


def pg_environment(url) -> dict[str, str]:
    """The connection as libpq environment variables: no password on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
             "PGPASSWORD": url.password, "PGDATABASE": url.database}  # fmt: skip
    env.update({k: str(v) for k, v in parts.items() if v is not None})
    if "sslmode" in url.query:
        env["PGSSLMODE"] = str(url.query["sslmode"])
    return env


def run_pg(command: list[str], url) -> None:
    # The command is ours (a PostgreSQL tool and fixed options); the URL's parts go in env.
    done = subprocess.run(command, env=pg_environment(url), capture_output=True, text=True,  # noqa: S603
                          check=False)  # fmt: skip
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ArchiveError(f"{Path(command[0]).name} failed: " + " / ".join(tail))


# --- the snapshot --------------------------------------------------------------------------------


def _scanned_columns():
    """(table, [columns that may name a stored file]): plain text, never the encrypted."""
    for table in db.metadata.sorted_tables:
        columns = [
            c.name
            for c in table.columns
            if isinstance(c.type, String | Text) and not isinstance(c.type, EncryptedText)
        ]
        yield table.name, columns


def _inventory(query: Callable[[str], list], tables: Iterable[str]) -> dict:
    """Row counts, referenced file names, schema revision and erasures, through ``query``."""
    # Table and column names come from the models and are quoted: no input reaches the SQL.
    present = set(tables)
    counts, referenced = {}, set()
    for table, columns in _scanned_columns():
        if table not in present:
            continue
        counts[table] = query(f'SELECT count(*) FROM "{table}"')[0][0]  # noqa: S608
        for column in columns:
            sql = f'SELECT "{column}" FROM "{table}" WHERE "{column}" LIKE \'%.rte%\''  # noqa: S608
            rows = query(sql)
            for (value,) in rows:
                referenced.update(_STORED_NAME.findall(value or ""))
    revision = None
    if "alembic_version" in present:
        rows = query("SELECT version_num FROM alembic_version")
        revision = rows[0][0] if rows else None
    erasures = []
    if "audit_entry" in present:
        for at, detail in query(
            "SELECT at, detail FROM audit_entry WHERE action = 'participant.erase' ORDER BY id"
        ):
            reference = json.loads(detail or "{}").get("reference")
            if reference:
                stamp = at if isinstance(at, str) else at.strftime("%Y-%m-%d %H:%M:%S.%f")
                erasures.append({"reference": reference, "erased": stamp})
    return {"counts": counts, "referenced": referenced, "revision": revision,
            "erasures": erasures}  # fmt: skip


def _sqlite_snapshot(folder: Path) -> Snapshot:
    source = db.engine.url.database
    if not source or source == ":memory:":
        raise ArchiveError("an in-memory database cannot be backed up")
    path = folder / "sqlite.db"
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(path) as dst:
        # One step copies every page under one read transaction: a consistent snapshot,
        # while writers go on in the write-ahead log.
        src.backup(dst)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        inventory = _inventory(lambda sql: conn.execute(sql).fetchall(), tables)
    conn.close()
    return Snapshot("sqlite", path, **inventory)


def _pg_snapshot(folder: Path) -> Snapshot:
    url = db.engine.url
    path = folder / "postgresql.dump"
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # pg_dump reads the very snapshot that the counts and file names come from.
            snapshot_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            tables = conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).scalars()
            # psycopg reads % as a placeholder; the queries hold only literal ones.
            inventory = _inventory(lambda sql: conn.exec_driver_sql(sql.replace("%", "%%")).all(),
                                   list(tables))  # fmt: skip
            run_pg([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                    f"--snapshot={snapshot_id}", f"--file={path}"], url)  # fmt: skip
    return Snapshot("postgresql", path, **inventory)


def _link_media(root: Path, into: Path) -> None:
    """Hard-link (or copy) every finished stored file: cheap, and immune to later changes."""
    if not root.is_dir():
        return
    for source in root.glob("*/*.rte"):
        name = f"{source.parent.name}/{source.name}"
        target = into / name
        if not _STORED_NAME.fullmatch(name) or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except FileNotFoundError:
            continue  # deleted meanwhile
        except OSError:
            try:
                shutil.copyfile(source, target)
            except FileNotFoundError:
                continue


# --- writing the archive ------------------------------------------------------------------------


class _Hashing:
    def __init__(self, src: BinaryIO):
        self._src, self.digest = src, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._src.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, src: BinaryIO, size: int, members: dict) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    hashing = _Hashing(src)
    tar.addfile(info, hashing)
    members[name] = {"sha256": hashing.digest.hexdigest(), "size": size}


def _add_bytes(tar, name: str, data: bytes, members: dict) -> None:
    _add(tar, name, io.BytesIO(data), len(data), members)


def instance_keys() -> dict:
    config = current_app.config
    return {"data_keys": list(config["DATA_KEYS"]), "lookup_key": config["LOOKUP_KEY"],
            "audit_key": config["AUDIT_KEY"]}  # fmt: skip


def make_backup(output: Path, key: bytes) -> BackupReport:
    """Write the archive to ``output`` (all or nothing) and update the ledger beside it."""
    output = Path(output)
    if output.exists():
        raise ArchiveError(f"{output} already exists; choose another name")
    ledger = Ledger.load(output.parent / LEDGER_NAME, key)
    media_root = Path(current_app.config["MEDIA_ROOT"])
    workspace = Path(current_app.instance_path)
    workspace.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=workspace) as staging:
        staging = Path(staging)
        linked = staging / "media"
        # Files linked before and after the snapshot: every file a snapshot row names was
        # stored before the snapshot and is caught by one of the two passes.
        _link_media(media_root, linked)
        if db.engine.dialect.name == "postgresql":
            snapshot = _pg_snapshot(staging)
        else:
            snapshot = _sqlite_snapshot(staging)
        _link_media(media_root, linked)
        media = sorted(n for n in snapshot.referenced if (linked / n).is_file())
        partial = output.with_name(f".{output.name}.partial")
        members: dict[str, dict] = {}
        try:
            with open(partial, "xb") as raw:
                sealed = sealed_archive.SealedWriter(raw, key)
                with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    _add_bytes(tar, "keys.json", json.dumps(instance_keys()).encode(), members)
                    member = SQLITE_MEMBER if snapshot.backend == "sqlite" else PG_MEMBER
                    with open(snapshot.path, "rb") as src:
                        _add(tar, member, src, snapshot.path.stat().st_size, members)
                    for name in media:
                        with open(linked / name, "rb") as src:
                            _add(tar, f"media/{name}", src, os.fstat(src.fileno()).st_size,
                                 members)  # fmt: skip
                    manifest = {
                        "format": FORMAT,
                        "created_at": utcnow().isoformat(),
                        "backend": snapshot.backend,
                        "schema_revision": snapshot.revision,
                        "counts": snapshot.counts,
                        "media_files": len(media),
                        "erasures": snapshot.erasures,
                        "members": members,
                    }
                    _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), {})
                sealed.close()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    ledger.merge(snapshot.erasures)
    ledger.save()
    return BackupReport(output, output.stat().st_size, snapshot, len(media), len(ledger.entries))


# --- the erasure ledger ----------------------------------------------------------------------


class Ledger:
    """Every erasure ever recorded, without identity, authenticated with the backup key.

    Kept beside the archives and merged at every backup, so that restoring an archive made
    before an erasure can make it again.
    """

    def __init__(self, path: Path, key: bytes, entries: list[dict]):
        self.path, self._key, self.entries = path, key, entries

    @staticmethod
    def _canonical(entries: list[dict]) -> bytes:
        return json.dumps(entries, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def load(cls, path: Path, key: bytes) -> "Ledger":
        path = Path(path)
        if not path.exists():
            return cls(path, key, [])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [{"reference": str(e["reference"]), "erased": str(e["erased"])}
                       for e in data["entries"]]  # fmt: skip
            stored_mac = str(data["mac"])
        except (OSError, ValueError, KeyError, TypeError):
            raise ArchiveError(f"the erasure ledger {path} cannot be read") from None
        if not hmac.compare_digest(stored_mac, sealed_archive.mac(key, cls._canonical(entries))):
            raise ArchiveError(
                f"the erasure ledger {path} fails its check: it was changed, or made with "
                "another backup key"
            )
        return cls(path, key, entries)

    def merge(self, entries: Iterable[dict]) -> None:
        known = {(e["reference"], e["erased"]) for e in self.entries}
        for entry in entries:
            if (entry["reference"], entry["erased"]) not in known:
                self.entries.append({"reference": entry["reference"], "erased": entry["erased"]})
                known.add((entry["reference"], entry["erased"]))
        self.entries.sort(key=lambda e: (e["erased"], e["reference"]))

    def save(self) -> None:
        body = {"format": FORMAT, "entries": self.entries,
                "mac": sealed_archive.mac(self._key, self._canonical(self.entries))}  # fmt: skip
        partial = self.path.with_name(f".{self.path.name}.partial")
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.path)
