"""Encrypted file storage under MEDIA_ROOT.

A file is written to a temporary name, fsynced and then renamed, so a crash leaves either the
whole encrypted file or nothing under its final name. Names are generated here, never taken
from the user, so no upload can choose where it lands.
"""

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.core.crypto import decrypt_file, encrypt_file, keyring, open_file, rotate_file

_NAME = re.compile(r"^[a-z_]+/[0-9a-f]{32}\.rte$")
#: the temporary file ``save`` and ``rotate_all`` write before the rename
_PARTIAL = re.compile(r"^\.[0-9a-f]{32}\.rte\.partial$")


@dataclass(frozen=True)
class StoredFile:
    name: str  #: relative to MEDIA_ROOT, e.g. "audio/3f2a....rte"
    size: int  #: plaintext bytes
    sha256: str  #: of the plaintext


def _root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def _path(name: str) -> Path:
    if not _NAME.match(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return _root() / name


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileTooLarge(ValueError):
    """The content went past the limit given to ``save``; nothing was kept."""


class _Limited:
    def __init__(self, src: BinaryIO, limit: int):
        self._src, self._left = src, limit

    def read(self, size: int = -1) -> bytes:
        data = self._src.read(size)
        self._left -= len(data)
        if self._left < 0:
            raise FileTooLarge("the file is larger than allowed")
        return data


def save(src: BinaryIO, category: str, limit: int | None = None) -> StoredFile:
    """Encrypt ``src`` into a new file of ``category``; all or nothing. Past ``limit``
    bytes it stops with FileTooLarge and keeps nothing."""
    if limit is not None:
        src = _Limited(src, limit)
    if not re.fullmatch(r"[a-z_]+", category):
        raise ValueError(f"bad storage category {category!r}")
    folder = _root() / category
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{category}/{uuid.uuid4().hex}.rte"
    final = _root() / name
    temporary = folder / f".{final.name}.partial"
    try:
        with open(temporary, "xb") as dst:
            size, digest = encrypt_file(keyring(), src, dst, context=name.encode())
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temporary, final)
        _fsync_dir(folder)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StoredFile(name, size, digest)


def open_plaintext(name: str) -> Iterator[bytes]:
    """The decrypted content of a stored file, chunk by chunk."""
    with open(_path(name), "rb") as src:
        yield from decrypt_file(keyring(), src, context=name.encode())


def open_seekable(name: str):
    """A seekable, read-only file of the decrypted content with its ``size`` (for players
    and decoders)."""
    raw = open(_path(name), "rb")  # noqa: SIM115 - the reader closes it
    try:
        return open_file(keyring(), raw, context=name.encode())
    except BaseException:
        raw.close()
        raise


def exists(name: str) -> bool:
    return _path(name).exists()


def names(category: str) -> list[str]:
    """The stored files of a category (finished ones, not those being written)."""
    folder = _root() / category
    if not folder.is_dir():
        return []
    return sorted(f"{category}/{p.name}" for p in folder.glob("*.rte") if _NAME.match(
        f"{category}/{p.name}"))  # fmt: skip


def modified(name: str) -> float:
    return _path(name).stat().st_mtime


def delete(name: str) -> bool:
    """Remove a stored file (its header holds its only key). True if it existed."""
    path = _path(name)
    if not path.exists():
        return False
    path.unlink()
    _fsync_dir(path.parent)
    return True


def delete_after_commit(name: str) -> None:
    """Remove a stored file once the current transaction has committed, not before: a
    rollback then keeps both the rows and the file they point to."""
    from app.core.db import db

    db.session.info.setdefault("after_commit", []).append(lambda: delete(name))


def delete_on_rollback(name: str) -> None:
    """Remove a file just stored if the current transaction rolls back: the row that would
    have pointed to it is gone, so the file must go too."""
    from app.core.db import db

    db.session.info.setdefault("after_rollback", []).append(lambda: delete(name))


def rotate_all() -> int:
    """Put every stored file under the newest data key (its keyset rewrapped, or a file of
    the format before Tink re-encrypted); return how many were done."""
    root = _root()
    if not root.exists():
        return 0
    count = 0
    for path in sorted(root.glob("*/*.rte")):
        name = f"{path.parent.name}/{path.name}"
        if not _NAME.match(name):
            continue
        temporary = path.with_name(f".{path.name}.partial")
        try:
            src = open(path, "rb")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:  # deleted since the listing (a sweep, an erasure)
            continue
        try:
            with src, open(temporary, "wb") as dst:
                rotate_file(keyring(), src, dst, context=name.encode())
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        count += 1
    return count


# --- strays ----------------------------------------------------------------------------------

#: category -> functions returning the stored names some row still refers to
REFERENCES: dict[str, list[Callable[[], set[str]]]] = {}
#: a file this old that nothing refers to is a stray: younger, it may belong to a transaction
#: still running (an upload being checked, a job about to commit)
STRAY_AFTER = 24 * 3600


def register_references(category: str, references: Callable[[], set[str]]):
    """Declare where the names of ``category``'s files are kept: ``references()`` returns
    every stored name still referred to. Only a category declared here is ever swept."""
    if not re.fullmatch(r"[a-z_]+", category):
        raise ValueError(f"bad storage category {category!r}")
    known = REFERENCES.setdefault(category, [])
    if references not in known:
        known.append(references)
    return references


def names_in(column) -> Callable[[], set[str]]:
    """A ``references`` function: the stored names held in a model's column."""

    def references() -> set[str]:
        from sqlalchemy import select

        from app.core.db import db

        return set(db.session.scalars(select(column).where(column.is_not(None))))

    return references


def _old(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:  # removed meanwhile
        return False


def sweep_strays(older_than_seconds: float = STRAY_AFTER,
                 categories: list[str] | None = None) -> dict[str, int]:  # fmt: skip
    """Remove the stray files older than ``older_than_seconds``: finished files of a declared
    category that no row refers to (a delete that failed after its commit), and in every
    folder the temporary files of writers that died. Each removal is audited; the caller
    commits. ``categories`` limits the sweep to those folders. Returns category -> count.

    A category nobody declared keeps its finished files: an unknown file is never deleted.
    """
    from app.core import audit  # here, not at the top: audit imports users and the database

    root = _root()
    if not root.is_dir():
        return {}
    cutoff = time.time() - older_than_seconds
    wanted = set(REFERENCES) if categories is None else set(categories) & set(REFERENCES)
    # Every reference is read before any file is looked at: a file stored after this is
    # younger than the cutoff, and a failing lookup stops the sweep before it deletes.
    kept = {c: set().union(*(references() for references in REFERENCES[c])) for c in wanted}
    removed: dict[str, int] = dict.fromkeys(sorted(wanted), 0)

    def gone(category: str, name: str, partial: bool) -> None:
        removed[category] = removed.get(category, 0) + 1
        audit.record(None, "storage.stray_removed", "file", None, category=category, name=name,
                     partial=partial)  # fmt: skip

    for category in sorted(wanted):
        for name in names(category):
            if name not in kept[category] and _old(_path(name), cutoff) and delete(name):
                gone(category, name, partial=False)
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or (categories is not None and folder.name not in categories):
            continue
        stale = [p for p in folder.iterdir() if _PARTIAL.match(p.name) and _old(p, cutoff)]
        for path in sorted(stale):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            gone(folder.name, f"{folder.name}/{path.name}", partial=True)
        if stale:
            _fsync_dir(folder)
    return removed
