"""The one streaming encryption (Tink) and the seekable reader of its format."""

import io
import os
import random

import pytest
from tink import streaming_aead

from app.core import streaming
from app.core.streaming import DecryptionError, SeekableReader

#: 4 KiB segments, so that the segment boundaries are cheap to test
SMALL = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_4KB
FIRST, SEGMENT = 4096 - 40 - 16, 4096 - 16  # plaintext in the first and in the other segments
AD = b"audio/0123.rte"


def _sealed(keyset: bytes, data: bytes, prefix: bytes = b"HEAD") -> bytes:
    out = io.BytesIO()
    out.write(prefix)
    assert streaming.encrypt_stream(keyset, io.BytesIO(data), out, AD)[0] == len(data)
    return out.getvalue()


def _seekable(keyset: bytes, sealed: bytes, prefix: bytes = b"HEAD") -> SeekableReader:
    raw = io.BytesIO(sealed)
    raw.read(len(prefix))
    return SeekableReader(keyset, raw, AD)


LENGTHS = [0, 1, FIRST - 1, FIRST, FIRST + 1, FIRST + SEGMENT - 1, FIRST + SEGMENT,
           FIRST + SEGMENT + 1, FIRST + 3 * SEGMENT + 123]  # fmt: skip


@pytest.mark.parametrize("length", LENGTHS)
def test_the_seekable_reader_reads_what_tink_wrote(length):
    keyset = streaming.new_keyset(SMALL)
    data = os.urandom(length)
    sealed = _sealed(keyset, data)
    source = io.BytesIO(sealed)
    source.read(4)
    assert b"".join(streaming.decrypt_stream(keyset, source, AD)) == data
    reader = _seekable(keyset, sealed)
    assert reader.size == length
    assert reader.read() == data
    places = random.Random(length).sample(range(length + 1), min(length + 1, 40))
    for place in [*places, FIRST - 2, FIRST + SEGMENT - 2]:
        reader.seek(place)
        assert reader.read(300) == data[place : place + 300]


def test_the_backup_key_makes_a_keyset_with_the_template_parameters():
    key = os.urandom(32)
    data = os.urandom(3 * 1024 * 1024)
    sealed = _sealed(streaming.keyset_from_key(key), data)
    assert len(sealed) == 4 + 40 + len(data) + 3 * 16 + 16  # four 1 MiB segments
    assert _seekable(streaming.keyset_from_key(key), sealed).read() == data
    with pytest.raises(DecryptionError):
        _seekable(streaming.keyset_from_key(os.urandom(32)), sealed).read()
    with pytest.raises(ValueError):
        streaming.keyset_from_key(b"short")


@pytest.mark.parametrize(
    "damage",
    ["cut at a segment", "cut inside", "flipped", "appended", "appended segment", "swapped"],
)
def test_damage_is_noticed_by_both_readers(damage):
    keyset = streaming.new_keyset(SMALL)
    data = os.urandom(FIRST + 2 * SEGMENT + 500)
    sealed = bytearray(_sealed(keyset, data))
    if damage == "cut at a segment":
        sealed = sealed[: 4 + 3 * 4096]
    elif damage == "cut inside":
        sealed = sealed[:-7]
    elif damage == "flipped":
        sealed[4 + 4096 + 100] ^= 1
    elif damage == "appended":
        sealed += b"x"
    elif damage == "appended segment":
        sealed += os.urandom(4096)
    else:  # two segments change places
        first, second = slice(4 + 4096, 4 + 2 * 4096), slice(4 + 2 * 4096, 4 + 3 * 4096)
        sealed[first], sealed[second] = sealed[second], sealed[first]
    source = io.BytesIO(bytes(sealed))
    source.read(4)
    with pytest.raises(DecryptionError):
        b"".join(streaming.decrypt_stream(keyset, source, AD))
    with pytest.raises(DecryptionError):
        _seekable(keyset, bytes(sealed)).read()


def test_other_associated_data_or_another_key_is_refused():
    keyset = streaming.new_keyset(SMALL)
    sealed = _sealed(keyset, b"interview audio")
    for other_keyset, other_ad in ((keyset, b"audio/4567.rte"), (streaming.new_keyset(SMALL), AD)):
        source = io.BytesIO(sealed)
        source.read(4)
        with pytest.raises(DecryptionError):
            b"".join(streaming.decrypt_stream(other_keyset, source, other_ad))
        raw = io.BytesIO(sealed)
        raw.read(4)
        with pytest.raises(DecryptionError):
            SeekableReader(other_keyset, raw, other_ad).read()


def test_an_empty_stream_is_checked_when_it_is_opened():
    keyset = streaming.new_keyset(SMALL)
    sealed = _sealed(keyset, b"")
    assert _seekable(keyset, sealed).read() == b""
    raw = io.BytesIO(sealed)
    raw.read(4)
    with pytest.raises(DecryptionError):
        SeekableReader(keyset, raw, b"another place")


def test_the_writer_leaves_its_destination_open():
    keyset, out = streaming.new_keyset(), io.BytesIO()
    with streaming.encrypting_writer(keyset, out, AD) as sealed:
        sealed.write(b"abc")
    assert not out.closed
    out.seek(0)
    assert b"".join(streaming.decrypt_stream(keyset, out, AD)) == b"abc"


def test_a_damaged_keyset_is_a_decryption_error():
    with pytest.raises(DecryptionError):
        b"".join(streaming.decrypt_stream(b"not a keyset", io.BytesIO(b"x" * 100), AD))
    with pytest.raises(DecryptionError):
        SeekableReader(b"not a keyset", io.BytesIO(b"x" * 100), AD)
