"""Encryption at rest: an encrypted column type for identity fields, and the stored-file format.

Keys are Fernet keys, newest first (``DATA_KEYS``). Columns hold Fernet tokens, so rotation is
"put a new key first, then re-encrypt" (``redthread keys rotate``). Files are encrypted with
Tink's streaming AEAD (``streaming``) under a fresh keyset each; that keyset is stored in the
file's header wrapped with the data key, so rotation rewrites only the header and
destroying a file's header destroys its key. Files written before Tink (``RTENC1``) are
still read, and rotation re-encrypts them in the new format.
"""

import hashlib
import hmac
import io
import shutil
import struct
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class PositionedReader(io.RawIOBase):
    """A readable, seekable stream of ``size`` plain bytes at ``_position``; the readers of
    the sealed formats (old and new) add ``readinto``."""

    size: int
    _position: int

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

#: ``MAGIC || length of the wrapped keyset (2 bytes) || wrapped keyset || Tink stream``
MAGIC = b"RTENC2\n"
#: the format before Tink, still read (``legacy_streams``)
LEGACY_MAGIC = b"RTENC1\n"
_LENGTH = struct.Struct(">H")


def _formats():
    # Imported on first use: Tink takes about 50 ms to load, and most processes (the CLI,
    # a worker that codes transcripts) never open a stored file.
    from app.core import legacy_streams, streaming

    return legacy_streams, streaming


def _associated(context: bytes) -> bytes:
    # The context (the stored name) binds the content to its place, so swapped files fail to
    # open. Not the wrapped keyset: rotation rewraps it without touching the stream.
    return MAGIC + context


def _header(wrapped_keyset: bytes) -> bytes:
    return MAGIC + _LENGTH.pack(len(wrapped_keyset)) + wrapped_keyset


def _read_magic(src: BinaryIO) -> bytes:
    magic = src.read(len(MAGIC))
    if magic not in (MAGIC, LEGACY_MAGIC):
        raise DecryptionError("not an encrypted Red Thread file")
    return magic


def _read_wrapped(src: BinaryIO) -> bytes:
    field = src.read(_LENGTH.size)
    length = _LENGTH.unpack(field)[0] if len(field) == _LENGTH.size else 0
    wrapped = src.read(length)
    if not length or len(wrapped) != length:
        raise DecryptionError("encrypted file header is cut short")
    return wrapped


def encrypt_file(
    ring: Keyring, src: BinaryIO, dst: BinaryIO, context: bytes = b""
) -> tuple[int, str]:
    """Encrypt ``src`` into ``dst`` under a fresh keyset; return the plaintext size and SHA-256."""
    _, streaming = _formats()
    keyset = streaming.new_keyset()
    dst.write(_header(ring.encrypt(keyset)))
    return streaming.encrypt_stream(keyset, src, dst, _associated(context))


def decrypt_file(ring: Keyring, src: BinaryIO, context: bytes = b"") -> Iterator[bytes]:
    """The plaintext of a stored file of either format, a piece at a time; DecryptionError on
    a wrong key, damage or truncation."""
    legacy_streams, streaming = _formats()
    if _read_magic(src) == LEGACY_MAGIC:
        header = legacy_streams.read_file_header(src)
        key = ring.decrypt(header.wrapped_key)
        yield from legacy_streams.decrypt_file(key, header, src, context)
        return
    keyset = ring.decrypt(_read_wrapped(src))
    yield from streaming.decrypt_stream(keyset, src, _associated(context))


def open_file(ring: Keyring, raw: BinaryIO, context: bytes = b""):
    """A seekable reader of a stored file's plaintext (either format) with its ``size``;
    it decrypts one segment at a time, for media players and decoders. Closes ``raw``."""
    legacy_streams, streaming = _formats()
    if _read_magic(raw) == LEGACY_MAGIC:
        header = legacy_streams.read_file_header(raw)
        return legacy_streams.FileReader(ring.decrypt(header.wrapped_key), header, raw, context)
    keyset = ring.decrypt(_read_wrapped(raw))
    return streaming.SeekableReader(keyset, raw, _associated(context))


def rotate_file(ring: Keyring, src: BinaryIO, dst: BinaryIO, context: bytes = b"") -> None:
    """Write ``src`` to ``dst`` under the newest data key: a file of today's format keeps its
    stream and gets its keyset rewrapped; an RTENC1 file is re-encrypted in today's format."""
    legacy_streams, streaming = _formats()
    if _read_magic(src) == MAGIC:
        dst.write(_header(ring.rotate(_read_wrapped(src))))
        shutil.copyfileobj(src, dst, 1024 * 1024)
        return
    header = legacy_streams.read_file_header(src)
    plain = legacy_streams.decrypt_file(ring.decrypt(header.wrapped_key), header, src, context)
    keyset = streaming.new_keyset()
    dst.write(_header(ring.encrypt(keyset)))
    with streaming.encrypting_writer(keyset, dst, _associated(context)) as sealed:
        for chunk in plain:
            sealed.write(chunk)
