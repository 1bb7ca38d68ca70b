"""One streaming encryption for stored files and backup archives: Tink's streaming AEAD.

Both are encrypted with Tink's AES-GCM-HKDF streaming AEAD (the ``AES256_GCM_HKDF_1MB``
parameters): Tink derives a fresh AES-256-GCM key for every stream from the key and a random
salt, and seals the plaintext in 1 MiB segments whose nonces carry the segment's number and
whether it is the last, so a segment cannot be changed, moved, dropped or cut off unnoticed.
The associated data names what the stream is (a stored file's name, a backup archive), so a
stream cannot pass for another.

Keys are Tink keysets in Tink's binary format. How they are kept is the caller's business:
a stored file's own keyset travels in its header wrapped with the installation's data key
(``crypto``), an archive's is made from the backup key (``keyset_from_key``).

Tink's Python API decrypts only from the start. ``SeekableReader`` reads the same format a
segment at a time at any place (Tink's documented wire format, with the AES-GCM and HKDF of
``cryptography``), for the media player's HTTP Range requests and the audio decoder; the
tests check it against Tink's own decryption.
"""

import hashlib
import io
from collections.abc import Iterator
from typing import BinaryIO

import tink
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError
from tink import secret_key_access, streaming_aead
from tink.proto import aes_gcm_hkdf_streaming_pb2, common_pb2, tink_pb2

from app.core.crypto import DecryptionError, PositionedReader

streaming_aead.register()

#: the parameters every new stream is written with
TEMPLATE = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
_TYPE_URL = "type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey"
_NONCE_PREFIX, _TAG = 7, 16
READ_SIZE = 1024 * 1024


# --- keys --------------------------------------------------------------------------------------


def new_keyset(template=TEMPLATE) -> bytes:
    """A new keyset with one fresh random key (Tink's binary keyset format, secret inside)."""
    handle = tink.new_keyset_handle(template)
    return tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN)


def keyset_from_key(key: bytes) -> bytes:
    """A keyset whose one key is ``key`` (32 random bytes kept elsewhere, the backup key),
    with the parameters of ``TEMPLATE``."""
    if len(key) != 32:
        raise ValueError("a streaming key is 32 bytes")
    key_format = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKeyFormat.FromString(TEMPLATE.value)
    material = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey(
        version=0, params=key_format.params, key_value=key
    )
    keyset = tink_pb2.Keyset(primary_key_id=1)
    keyset.key.add(
        key_data=tink_pb2.KeyData(
            type_url=_TYPE_URL,
            value=material.SerializeToString(),
            key_material_type=tink_pb2.KeyData.SYMMETRIC,
        ),
        status=tink_pb2.ENABLED,
        key_id=1,
        output_prefix_type=tink_pb2.RAW,
    )
    return keyset.SerializeToString()


def _primitive(keyset: bytes) -> streaming_aead.StreamingAead:
    try:
        handle = tink.proto_keyset_format.parse(keyset, secret_key_access.TOKEN)
        return handle.primitive(streaming_aead.StreamingAead)
    except tink.TinkError as error:
        raise DecryptionError(f"the stream's key is damaged ({error})") from None


# --- writing -----------------------------------------------------------------------------------


class _KeepOpen(io.RawIOBase):
    """``dst`` for Tink, which closes its destination when it closes: the caller still has to
    fsync and rename it (a stored file) or finish it (an archive)."""

    def __init__(self, dst: BinaryIO):
        super().__init__()
        self._dst = dst

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._dst.write(data)

    def close(self) -> None:
        if not self.closed:
            self._dst.flush()
        super().close()


def encrypting_writer(keyset: bytes, dst: BinaryIO, associated_data: bytes) -> BinaryIO:
    """A write-only stream that encrypts into ``dst``; ``close`` seals the last segment (a
    stream never closed reads as cut short) and leaves ``dst`` open."""
    return _primitive(keyset).new_encrypting_stream(_KeepOpen(dst), associated_data)


def encrypt_stream(
    keyset: bytes, src: BinaryIO, dst: BinaryIO, associated_data: bytes
) -> tuple[int, str]:
    """Encrypt ``src`` into ``dst``; return the plaintext's size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    with encrypting_writer(keyset, dst, associated_data) as sealed:
        while chunk := src.read(READ_SIZE):
            digest.update(chunk)
            size += len(chunk)
            sealed.write(chunk)
    return size, digest.hexdigest()


# --- reading from the start --------------------------------------------------------------------


class _Decrypting(io.RawIOBase):
    """Tink's decrypting stream, with its errors as DecryptionError."""

    def __init__(self, stream: BinaryIO):
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except tink.TinkError:
            raise DecryptionError(
                "the encrypted data is damaged, cut short or was encrypted with another key"
            ) from None

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


def decrypting_reader(keyset: bytes, src: BinaryIO, associated_data: bytes) -> BinaryIO:
    """A read-only stream of the plaintext from ``src``'s current place. Every segment is
    authenticated before it is given; closing it closes ``src``."""
    return _Decrypting(_primitive(keyset).new_decrypting_stream(src, associated_data))


def decrypt_stream(keyset: bytes, src: BinaryIO, associated_data: bytes) -> Iterator[bytes]:
    """The plaintext, a piece at a time; DecryptionError on a wrong key, damage or a cut."""
    with decrypting_reader(keyset, src, associated_data) as plain:
        while chunk := plain.read(READ_SIZE):
            yield chunk


# --- reading anywhere --------------------------------------------------------------------------


class SeekableReader(PositionedReader):
    """Random access to the plaintext of a Tink AES-GCM-HKDF stream, a segment at a time.

    The stream is ``header || C_0 || ... || C_n-1`` with ``header = len(header) || salt ||
    nonce prefix``; every ciphertext segment is ``ciphertext_segment_size`` bytes (the first
    less the header) except the last, and segment ``i`` is AES-GCM under
    ``HKDF(key, salt, info=associated data)`` with the nonce ``prefix || i || last``. So
    segment ``i`` sits at a known place, and each is authenticated with its number and
    whether it is the last as it is read. Closing the reader closes ``raw``.
    """

    def __init__(self, keyset: bytes, raw: BinaryIO, associated_data: bytes):
        super().__init__()
        self._raw = raw
        key = _streaming_key(keyset)
        params = key.params
        key_size, self._segment = params.derived_key_size, params.ciphertext_segment_size
        header_size = 1 + key_size + _NONCE_PREFIX
        self._start = raw.tell()
        header = raw.read(header_size)
        if len(header) != header_size or header[0] != header_size:
            raise DecryptionError("the encrypted data is cut short or damaged (its header)")
        salt, self._prefix = header[1 : 1 + key_size], header[1 + key_size :]
        derived = HKDF(algorithm=hashes.SHA256(), length=key_size, salt=salt,
                       info=associated_data).derive(key.key_value)  # fmt: skip
        self._aead = AESGCM(derived)
        body = raw.seek(0, io.SEEK_END) - self._start
        # Segment 0 shares the first ciphertext_segment_size bytes with the header.
        self._chunks = max(1, -(-body // self._segment))
        last = body - (self._chunks - 1) * self._segment - _TAG
        if self._chunks == 1:
            last -= header_size
        if last < 0:
            raise DecryptionError("the encrypted data is cut short or damaged")
        self._first = self._segment - header_size - _TAG  # plaintext in segment 0
        self._plain = self._segment - _TAG  # in every other full segment
        self.size = (
            last if self._chunks == 1 else self._first + (self._chunks - 2) * self._plain + last
        )
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self._header_size = header_size
        if self.size == 0:
            self._chunk(0)  # nothing to read, but an empty stream must be authentic too

    def _chunk(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        last = index == self._chunks - 1
        begin = self._start + (self._header_size if index == 0 else index * self._segment)
        end = self._start + (index + 1) * self._segment
        self._raw.seek(begin)
        sealed = self._raw.read(end - begin)
        nonce = self._prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
        try:
            plain = self._aead.decrypt(nonce, sealed, None)
        except InvalidTag:
            raise DecryptionError(
                "the encrypted data is damaged, cut short or was encrypted with another key"
            ) from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:
        view, done = memoryview(buffer).cast("B"), 0
        while done < len(view) and self._position < self.size:
            if self._position < self._first:
                index, skip = 0, self._position
            else:
                index, skip = divmod(self._position - self._first, self._plain)
                index += 1
            piece = self._chunk(index)[skip : skip + len(view) - done]
            if not piece:
                raise DecryptionError("the encrypted data is damaged or cut short")
            view[done : done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return done

    def close(self) -> None:
        self._raw.close()
        super().close()


def _streaming_key(keyset: bytes) -> aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey:
    """The primary key of ``keyset``, which must be an AES-GCM-HKDF streaming key with SHA-256
    (the only kind written here)."""
    try:
        parsed = tink_pb2.Keyset.FromString(keyset)
        (entry,) = [k for k in parsed.key if k.key_id == parsed.primary_key_id]
        if entry.key_data.type_url != _TYPE_URL or entry.status != tink_pb2.ENABLED:
            raise ValueError(entry.key_data.type_url)
        key = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey.FromString(entry.key_data.value)
    except (DecodeError, ValueError) as error:
        raise DecryptionError(f"the stream's key is damaged ({error})") from None
    if key.params.hkdf_hash_type != common_pb2.SHA256 or len(key.key_value) < 16:
        raise DecryptionError("the stream's key has parameters this reader does not know")
    return key
