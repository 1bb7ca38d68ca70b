"""The backup archive's encryption: a key file, and a stream sealed in authenticated chunks.

An archive is a header and then chunks of AES-256-GCM ciphertext, each with its length.
The chunk's key is derived (HKDF) from the backup key and a random salt in the header, its
nonce is the header's random prefix, the chunk's index and whether it is the last one, and
the header is authenticated with every chunk. So a chunk cannot be changed, moved, dropped
or cut off without the reader noticing, and the archive never has to be held in memory.
"""

import base64
import hashlib
import hmac
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"RTBACKUP1\n"
KEY_PREFIX = "redthread-backup-key-1:"
CHUNK_SIZE = 1024 * 1024
_SALT, _PREFIX, _KEY_ID, _TAG = 16, 7, 8, 16
_FIXED = struct.Struct(">I")


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
    return hmac.new(key, b"redthread backup key id", hashlib.sha256).digest()[:_KEY_ID]


def mac(key: bytes, data: bytes) -> str:
    """An HMAC with a key derived from the backup key (for the erasure ledger)."""
    derived = hmac.new(key, b"redthread erasure ledger", hashlib.sha256).digest()
    return hmac.new(derived, data, hashlib.sha256).hexdigest()


def _aead(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"redthread backup archive 1")  # fmt: skip
    return AESGCM(hkdf.derive(key))


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


# --- writing -----------------------------------------------------------------------------------


class SealedWriter:
    """A write-only stream that seals what is written into ``raw``; ``close`` seals the end."""

    def __init__(self, raw: BinaryIO, key: bytes, chunk_size: int = CHUNK_SIZE):
        salt, self._prefix = secrets.token_bytes(_SALT), secrets.token_bytes(_PREFIX)
        self._header = MAGIC + salt + self._prefix + key_id(key) + _FIXED.pack(chunk_size)
        self._aead, self._raw, self._size = _aead(key, salt), raw, chunk_size
        self._buffer, self._index, self._closed = bytearray(), 0, False
        raw.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > self._size:
            self._seal(bytes(self._buffer[: self._size]), last=False)
            del self._buffer[: self._size]
        return len(data)

    def flush(self) -> None:
        self._raw.flush()

    def _seal(self, plain: bytes, last: bool) -> None:
        if self._index >= 2**32 - 1:
            raise ArchiveError("archive too large")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._header)
        self._raw.write(_FIXED.pack(len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        """Seal the last chunk (possibly empty): without it a reader knows the end is missing."""
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True
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


class SealedReader:
    """A read-only stream of the plaintext; every chunk is authenticated before it is given.

    ArchiveError on a wrong key, a changed or reordered chunk, or an archive cut short.
    """

    def __init__(self, raw: BinaryIO, key: bytes):
        header = _read_exactly(raw, len(MAGIC) + _SALT + _PREFIX + _KEY_ID + _FIXED.size)
        if not header.startswith(MAGIC):
            raise ArchiveError("this is not a Red Thread backup archive")
        if len(header) < len(MAGIC) + _SALT + _PREFIX + _KEY_ID + _FIXED.size:
            raise ArchiveError("the archive is cut short (its header is incomplete)")
        offset = len(MAGIC)
        salt = header[offset : offset + _SALT]
        self._prefix = header[offset + _SALT : offset + _SALT + _PREFIX]
        stored_id = header[offset + _SALT + _PREFIX : offset + _SALT + _PREFIX + _KEY_ID]
        (self._size,) = _FIXED.unpack(header[-_FIXED.size :])
        if not hmac.compare_digest(stored_id, key_id(key)):
            raise ArchiveError("the backup key does not fit this archive (wrong key file)")
        if not 0 < self._size <= 64 * 1024 * 1024:
            raise ArchiveError("the archive header is damaged")
        self._header, self._aead, self._raw = header, _aead(key, salt), raw
        self._buffer, self._index, self._done = b"", 0, False

    @property
    def raw(self) -> BinaryIO:
        return self._raw

    def close(self) -> None:
        self._raw.close()

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes:
        field = _read_exactly(self._raw, _FIXED.size)
        if len(field) != _FIXED.size:
            raise ArchiveError("the archive is cut short (its end is missing)")
        (length,) = _FIXED.unpack(field)
        if not _TAG <= length <= self._size + _TAG:
            raise ArchiveError("the archive is damaged (a chunk has an impossible length)")
        sealed = _read_exactly(self._raw, length)
        if len(sealed) != length:
            raise ArchiveError("the archive is cut short (a chunk is incomplete)")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._prefix, self._index, last), sealed,
                                           self._header)  # fmt: skip
            except InvalidTag:
                continue
            self._index += 1
            if last:
                self._done = True
                if self._raw.read(1):
                    raise ArchiveError("the archive is damaged (data after its end)")
            return plain
        raise ArchiveError("the archive is damaged or was changed (a chunk fails its check)")

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and not self._done:
            self._buffer += self._next_chunk()
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def drain(self) -> None:
        """Read to the authenticated end, so that a cut-off tail is noticed too."""
        while self.read(CHUNK_SIZE):
            pass
