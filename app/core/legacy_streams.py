"""Readers of the two chunked AES-GCM formats written before ``streaming`` (Tink): read-only.

- ``RTENC1``, stored files: a header with the file's own AES-256-GCM key wrapped with the
  data key, then chunks of ``length || ciphertext`` whose nonce is a random prefix, the
  chunk's index and whether it is the last; the magic, prefix, chunk size and the stored
  name are the associated data. ``redthread keys rotate`` re-encrypts such files with Tink.
- ``RTBACKUP1``, backup archives: the same chunks under a key derived (HKDF) from the backup
  key and a salt in the header, the whole header as associated data.

Nothing writes these formats any more; they are read so that files and archives written
before stay readable. Errors are ``crypto.DecryptionError``.
"""

import hashlib
import hmac
import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.crypto import LEGACY_MAGIC, DecryptionError, PositionedReader

ARCHIVE_MAGIC = b"RTBACKUP1\n"
_TAG = 16
_NONCE_PREFIX = 7
_LENGTH = struct.Struct(">I")


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def _read_full(src: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = src.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _chunks(aead: AESGCM, prefix: bytes, associated: bytes, src: BinaryIO,
            chunk_size: int) -> Iterator[bytes]:  # fmt: skip
    """The chunks after the header; each must open as chunk ``index`` and, at the end, as
    the last one, so that no chunk can be moved, dropped or cut off."""
    index = 0
    while True:
        field = _read_full(src, _LENGTH.size)
        if len(field) != _LENGTH.size:
            raise DecryptionError("encrypted data is cut short")
        (length,) = _LENGTH.unpack(field)
        if not _TAG <= length <= chunk_size + _TAG:
            raise DecryptionError("encrypted data is damaged")
        sealed = _read_full(src, length)
        if len(sealed) != length:
            raise DecryptionError("encrypted data is cut short")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, index, last), sealed, associated)
            except InvalidTag:
                continue
            yield plain
            if last:
                if src.read(1):
                    raise DecryptionError("encrypted data has data after its last chunk")
                return
            break
        else:
            raise DecryptionError("encrypted data is damaged or was encrypted with another key")
        index += 1


# --- stored files (RTENC1) ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileHeader:
    wrapped_key: bytes
    nonce_prefix: bytes
    chunk_size: int

    def associated_data(self, context: bytes) -> bytes:
        return LEGACY_MAGIC + self.nonce_prefix + struct.pack(">I", self.chunk_size) + context


def read_file_header(src: BinaryIO) -> FileHeader:
    """The header after the magic, which the caller has read already."""
    fixed = src.read(6)
    if len(fixed) != 6:
        raise DecryptionError("encrypted file header is cut short")
    key_len, chunk_size = struct.unpack(">HI", fixed)
    wrapped = src.read(key_len)
    prefix = src.read(_NONCE_PREFIX)
    if len(wrapped) != key_len or len(prefix) != _NONCE_PREFIX or not 0 < chunk_size <= 2**24:
        raise DecryptionError("encrypted file header is damaged")
    return FileHeader(wrapped, prefix, chunk_size)


def decrypt_file(file_key: bytes, header: FileHeader, src: BinaryIO,
                 context: bytes) -> Iterator[bytes]:  # fmt: skip
    """The plaintext of an RTENC1 file whose header has been read, chunk by chunk."""
    aead = AESGCM(file_key)
    yield from _chunks(aead, header.nonce_prefix, header.associated_data(context), src,
                       header.chunk_size)  # fmt: skip


class FileReader(PositionedReader):
    """Random access to an RTENC1 file's plaintext, one chunk decrypted at a time: every
    chunk but the last holds ``chunk_size`` bytes, so chunk ``i`` sits at a known place."""

    def __init__(self, file_key: bytes, header: FileHeader, raw: BinaryIO, context: bytes):
        super().__init__()
        self._raw, self._header = raw, header
        self._aead = AESGCM(file_key)
        self._associated = header.associated_data(context)
        self._start = raw.tell()
        self._record = _LENGTH.size + header.chunk_size + _TAG
        body = raw.seek(0, io.SEEK_END) - self._start
        self._chunks = max(1, -(-body // self._record))
        last = body - (self._chunks - 1) * self._record - _LENGTH.size - _TAG
        if body <= 0 or last < 0:
            raise DecryptionError("encrypted file is cut short")
        self.size = (self._chunks - 1) * header.chunk_size + last
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def _chunk(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        self._raw.seek(self._start + index * self._record)
        last = index == self._chunks - 1
        expected = (self.size - index * self._header.chunk_size if last
                    else self._header.chunk_size) + _TAG  # fmt: skip
        field = self._raw.read(_LENGTH.size)
        if len(field) != _LENGTH.size or _LENGTH.unpack(field)[0] != expected:
            raise DecryptionError("encrypted file is damaged or cut short")
        nonce = _nonce(self._header.nonce_prefix, index, last)
        try:
            plain = self._aead.decrypt(nonce, self._raw.read(expected), self._associated)
        except InvalidTag:
            raise DecryptionError("encrypted file is damaged or cut short") from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:
        view, done = memoryview(buffer).cast("B"), 0
        while done < len(view) and self._position < self.size:
            index, skip = divmod(self._position, self._header.chunk_size)
            piece = self._chunk(index)[skip : skip + len(view) - done]
            if not piece:
                raise DecryptionError("encrypted file is damaged or cut short")
            view[done : done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return done

    def close(self) -> None:
        self._raw.close()
        super().close()


# --- backup archives (RTBACKUP1) ---------------------------------------------------------------

_SALT, _KEY_ID = 16, 8
_ARCHIVE_REST = _SALT + _NONCE_PREFIX + _KEY_ID + _LENGTH.size


def archive_key_id(key: bytes) -> bytes:
    """The backup key's fingerprint as both archive formats keep it in their header."""
    return hmac.new(key, b"redthread backup key id", hashlib.sha256).digest()[:_KEY_ID]


def archive_chunks(raw: BinaryIO, key: bytes) -> Iterator[bytes]:
    """The plaintext of an RTBACKUP1 archive after its magic (read by the caller), chunk by
    chunk. A ValueError names a wrong key, a DecryptionError damage."""
    rest = _read_full(raw, _ARCHIVE_REST)
    if len(rest) != _ARCHIVE_REST:
        raise DecryptionError("the archive is cut short (its header is incomplete)")
    salt, prefix = rest[:_SALT], rest[_SALT : _SALT + _NONCE_PREFIX]
    stored_id = rest[_SALT + _NONCE_PREFIX : _SALT + _NONCE_PREFIX + _KEY_ID]
    (chunk_size,) = _LENGTH.unpack(rest[-_LENGTH.size :])
    if not hmac.compare_digest(stored_id, archive_key_id(key)):
        raise ValueError("the backup key does not fit this archive (wrong key file)")
    if not 0 < chunk_size <= 64 * 1024 * 1024:
        raise DecryptionError("the archive header is damaged")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"redthread backup archive 1")  # fmt: skip
    return _chunks(AESGCM(hkdf.derive(key)), prefix, ARCHIVE_MAGIC + rest, raw, chunk_size)
