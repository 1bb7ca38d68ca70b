"""The backup archive's encryption: a key file, and a stream sealed with Tink (``streaming``).

An archive is ``MAGIC || key id || Tink stream``: Tink's AES-GCM-HKDF streaming AEAD under
a keyset made from the backup key, which derives the archive's own key from a random salt
and seals 1 MiB segments that cannot be changed, moved, dropped or cut off unnoticed; the
magic and the key id are the associated data. The key id (a fingerprint of the backup key)
tells "wrong key file" from damage. Archives written before Tink (``RTBACKUP1``) are still
read (``legacy_streams``). The archive never has to be held in memory.
"""

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.core import legacy_streams
from app.core.crypto import DecryptionError

MAGIC = b"RTBACKUP2\n"
KEY_PREFIX = "redthread-backup-key-1:"
CHUNK_SIZE = 1024 * 1024
_KEY_ID = 8


class ArchiveError(Exception):
    """The archive or the key cannot be used; the message says why."""


# --- the key file ------------------------------------------------------------------------------


def new_key_file(path: Path) -> None:
    """Write a new random backup key to ``path`` (mode 0600); never overwrite one."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ArchiveError(f"{path} already exists; a key file is never overwritten") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(KEY_PREFIX + key + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_key_file(path: Path) -> bytes:
    """The 32-byte backup key in ``path``; ArchiveError if it is missing or malformed."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ArchiveError(f"backup key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ArchiveError(f"backup key file {path} cannot be read: {error}") from None
    if not text.startswith(KEY_PREFIX):
        raise ArchiveError(f"{path} is not a backup key file (made by `redthread backup-key`)")
    try:
        key = base64.urlsafe_b64decode(text[len(KEY_PREFIX) :].encode("ascii"))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ArchiveError(f"{path} is not a backup key file: the key is damaged")
    return key


def key_file_exposed(path: Path) -> bool:
    """Whether the key file's group or others may read or write it (it should be 0600)."""
    try:
        return bool(Path(path).stat().st_mode & 0o077)
    except OSError:
        return False


def key_id(key: bytes) -> bytes:
    """A short fingerprint of the key, kept in the header to tell "wrong key" from damage."""
    return legacy_streams.archive_key_id(key)


def mac(key: bytes, data: bytes) -> str:
    """An HMAC with a key derived from the backup key (for the erasure ledger)."""
    derived = hmac.new(key, b"redthread erasure ledger", hashlib.sha256).digest()
    return hmac.new(derived, data, hashlib.sha256).hexdigest()


# --- writing -----------------------------------------------------------------------------------


class SealedWriter:
    """A write-only stream that seals what is written into ``raw``; ``close`` seals the end
    (an archive never closed reads as cut short) and leaves ``raw`` open."""

    def __init__(self, raw: BinaryIO, key: bytes):
        from app.core import streaming  # Tink loads on first use (50 ms), not with the CLI

        header = MAGIC + key_id(key)
        raw.write(header)
        self._raw = raw
        self._sealed = streaming.encrypting_writer(streaming.keyset_from_key(key), raw, header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._sealed.write(data)

    def flush(self) -> None:
        self._sealed.flush()

    def close(self) -> None:
        """Seal the last segment and flush ``raw``."""
        self._sealed.close()
        self._raw.flush()


# --- reading -----------------------------------------------------------------------------------


def _read_exactly(raw: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = raw.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class _Chunks:
    """``read`` over the plaintext chunks of an archive of the format before Tink."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buffer = chunks, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class SealedReader:
    """A read-only stream of the plaintext; every segment is authenticated before it is given.

    ArchiveError on a wrong key, a changed or reordered segment, or an archive cut short.
    """

    def __init__(self, raw: BinaryIO, key: bytes):
        self._raw = raw
        magic = _read_exactly(raw, len(MAGIC))
        if magic == legacy_streams.ARCHIVE_MAGIC:
            try:
                self._plain = _Chunks(legacy_streams.archive_chunks(raw, key))
            except ValueError as error:
                raise ArchiveError(str(error)) from None
            except DecryptionError as error:
                raise ArchiveError(str(error)) from None
            return
        if magic != MAGIC:
            raise ArchiveError("this is not a Red Thread backup archive")
        stored_id = _read_exactly(raw, _KEY_ID)
        if len(stored_id) != _KEY_ID:
            raise ArchiveError("the archive is cut short (its header is incomplete)")
        if not hmac.compare_digest(stored_id, key_id(key)):
            raise ArchiveError("the backup key does not fit this archive (wrong key file)")
        from app.core import streaming  # Tink loads on first use (50 ms), not with the CLI

        keyset = streaming.keyset_from_key(key)
        self._plain = streaming.decrypting_reader(keyset, raw, MAGIC + stored_id)

    @property
    def raw(self) -> BinaryIO:
        return self._raw

    def close(self) -> None:
        self._raw.close()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._plain.read(size)
        except DecryptionError:
            raise ArchiveError(
                "the archive is damaged, cut short or was changed (a segment fails its check)"
            ) from None

    def drain(self) -> None:
        """Read to the authenticated end, so that a cut-off tail is noticed too."""
        while self.read(CHUNK_SIZE):
            pass
