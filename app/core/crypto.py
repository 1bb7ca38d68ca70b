"""Encryption at rest: an encrypted column type for identity fields and chunked file encryption.

Keys are Fernet keys, newest first (``DATA_KEYS``). Columns hold Fernet tokens, so rotation is
"put a new key first, then re-encrypt" (``redthread keys rotate``). Files are encrypted with
a fresh AES-256-GCM key each; that key is stored in the file's header wrapped with the data
key, so rotation rewrites only the header and destroying a file's header destroys its key.
"""

import hashlib
import hmac
import io
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class DecryptionError(Exception):
    """Data could not be decrypted: wrong key, or the data was damaged or cut short."""


class Keyring:
    """The data keys of one installation; the first one encrypts, every one decrypts."""

    def __init__(self, keys: Iterable[str]):
        self._fernets = [Fernet(k) for k in keys]
        if not self._fernets:
            raise ValueError("a keyring needs at least one key")
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, data: bytes) -> bytes:
        return self._multi.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._multi.decrypt(token)
        except InvalidToken:
            raise DecryptionError("no configured key decrypts this value") from None

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext, encrypted under the newest key."""
        try:
            return self._multi.rotate(token)
        except InvalidToken:
            raise DecryptionError("no configured key decrypts this value") from None


def keyring() -> Keyring:
    return current_app.extensions["redthread.keyring"]


class EncryptedText(TypeDecorator):
    """Text stored as a Fernet token. Not searchable or sortable in SQL, by design."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().decrypt(value.encode("ascii")).decode("utf-8")


class EncryptedDate(EncryptedText):
    """A date stored encrypted (as its ISO text): birth dates are identity data."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        return super().process_bind_param(None if value is None else value.isoformat(), dialect)

    def process_result_value(self, value, dialect):
        text = super().process_result_value(value, dialect)
        return None if text is None else date.fromisoformat(text)


def lookup_digest(value: str, purpose: str) -> str:
    """A keyed digest for finding an encrypted value (an ID number) without decrypting.

    Keyed with the installation's lookup key, so that the small space of ID numbers cannot
    be searched through with a plain hash.
    """
    key = current_app.config["LOOKUP_KEY"].encode("utf-8")
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


# --- files -----------------------------------------------------------------------------------

MAGIC = b"RTENC1\n"
CHUNK_SIZE = 64 * 1024
_TAG = 16
_NONCE_PREFIX = 7


@dataclass(frozen=True)
class FileHeader:
    wrapped_key: bytes
    nonce_prefix: bytes
    chunk_size: int

    def pack(self) -> bytes:
        return (
            MAGIC
            + struct.pack(">HI", len(self.wrapped_key), self.chunk_size)
            + self.wrapped_key
            + self.nonce_prefix
        )

    def associated_data(self, context: bytes) -> bytes:
        # Not the wrapped key: rotation rewraps it without touching the chunks. The context
        # (the stored name) binds the content to its place, so swapped files fail to open.
        return MAGIC + self.nonce_prefix + struct.pack(">I", self.chunk_size) + context


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def read_header(src: BinaryIO) -> FileHeader:
    magic = src.read(len(MAGIC))
    if magic != MAGIC:
        raise DecryptionError("not an encrypted Red Thread file")
    fixed = src.read(6)
    if len(fixed) != 6:
        raise DecryptionError("encrypted file header is cut short")
    key_len, chunk_size = struct.unpack(">HI", fixed)
    wrapped = src.read(key_len)
    prefix = src.read(_NONCE_PREFIX)
    if len(wrapped) != key_len or len(prefix) != _NONCE_PREFIX or not 0 < chunk_size <= 2**24:
        raise DecryptionError("encrypted file header is damaged")
    return FileHeader(wrapped, prefix, chunk_size)


def _read_full(src: BinaryIO, size: int) -> bytes:
    """Exactly ``size`` bytes unless the source ends: every chunk but the last is full, which
    is what lets SealedReader find chunk ``i`` without reading the ones before it."""
    parts, left = [], size
    while left:
        part = src.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def encrypt_stream(
    ring: Keyring, src: BinaryIO, dst: BinaryIO, chunk_size: int = CHUNK_SIZE, context: bytes = b""
) -> tuple[int, str]:
    """Encrypt ``src`` into ``dst`` chunk by chunk; return the plaintext size and SHA-256."""
    data_key = AESGCM.generate_key(bit_length=256)
    header = FileHeader(ring.encrypt(data_key), os.urandom(_NONCE_PREFIX), chunk_size)
    aead = AESGCM(data_key)
    associated = header.associated_data(context)
    digest = hashlib.sha256()
    dst.write(header.pack())
    size, index = 0, 0
    chunk = _read_full(src, chunk_size)
    while True:
        following = _read_full(src, chunk_size)
        last = not following
        digest.update(chunk)
        size += len(chunk)
        sealed = aead.encrypt(_nonce(header.nonce_prefix, index, last), chunk, associated)
        dst.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return size, digest.hexdigest()
        chunk, index = following, index + 1


def decrypt_stream(ring: Keyring, src: BinaryIO, context: bytes = b"") -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raise DecryptionError on damage or truncation."""
    header = read_header(src)
    aead = AESGCM(ring.decrypt(header.wrapped_key))
    associated = header.associated_data(context)
    index = 0
    while True:
        length_bytes = src.read(4)
        if len(length_bytes) != 4:
            raise DecryptionError("encrypted file is cut short")
        (length,) = struct.unpack(">I", length_bytes)
        if length > header.chunk_size + _TAG:
            raise DecryptionError("encrypted file is damaged")
        sealed = src.read(length)
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(header.nonce_prefix, index, last), sealed, associated)
            except InvalidTag:
                continue
            yield plain
            if last:
                if src.read(1):
                    raise DecryptionError("encrypted file has data after its last chunk")
                return
            break
        else:
            raise DecryptionError("encrypted file is damaged or was encrypted with another key")
        index += 1


class SealedReader(io.RawIOBase):
    """Random access to an encrypted file's plaintext, one chunk decrypted at a time.

    Every chunk but the last holds ``chunk_size`` bytes, so chunk ``i`` sits at a known
    place: a media player (HTTP Range) or a decoder (PyAV) can seek without the file ever
    being decrypted whole. Each chunk is authenticated as it is read, with its index and
    whether it is the last, so chunks cannot be reordered or cut off unnoticed.
    """

    def __init__(self, ring: Keyring, raw: BinaryIO, context: bytes = b""):
        super().__init__()
        self._raw = raw
        self._header = read_header(raw)
        self._aead = AESGCM(ring.decrypt(self._header.wrapped_key))
        self._associated = self._header.associated_data(context)
        self._start = raw.tell()
        self._record = 4 + self._header.chunk_size + _TAG
        body = raw.seek(0, io.SEEK_END) - self._start
        self._chunks = max(1, -(-body // self._record))
        last = body - (self._chunks - 1) * self._record - 4 - _TAG
        if body <= 0 or last < 0:
            raise DecryptionError("encrypted file is cut short")
        self.size = (self._chunks - 1) * self._header.chunk_size + last
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def _chunk(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        self._raw.seek(self._start + index * self._record)
        last = index == self._chunks - 1
        expected = (self.size - index * self._header.chunk_size if last
                    else self._header.chunk_size) + _TAG  # fmt: skip
        field = self._raw.read(4)
        if len(field) != 4 or struct.unpack(">I", field)[0] != expected:
            raise DecryptionError("encrypted file is damaged or cut short")
        length = expected
        nonce = _nonce(self._header.nonce_prefix, index, last)
        try:
            plain = self._aead.decrypt(nonce, self._raw.read(length), self._associated)
        except InvalidTag:
            raise DecryptionError("encrypted file is damaged or cut short") from None
        self._cached = (index, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

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


def rewrap_header(ring: Keyring, header: FileHeader) -> FileHeader:
    """The header with its file key wrapped under the newest data key (same length or not)."""
    return FileHeader(ring.rotate(header.wrapped_key), header.nonce_prefix, header.chunk_size)
