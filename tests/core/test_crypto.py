import io
import shutil
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from app.core import storage
from app.core.crypto import (
    MAGIC,
    DecryptionError,
    EncryptedText,
    Keyring,
    decrypt_file,
    encrypt_file,
    open_file,
    rotate_file,
)
from app.core.db import db
from app.core.keys import rotate_everything

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SEGMENT = 1024 * 1024 - 16  # plaintext in a full segment of Tink's AES256_GCM_HKDF_1MB
FIRST = SEGMENT - 40  # in the first one, which shares its bytes with the stream's header

#: written by the code before Tink (see tests/core/legacy/README.md)
LEGACY = Path(__file__).parent / "legacy"
LEGACY_KEY = "bGVnYWN5LWZpeHR1cmUta2V5LW5vdC1hLXNlY3JldCE="
LEGACY_NAME = "audio/0123456789abcdef0123456789abcdef.rte"


def roundtrip(ring, data: bytes, context=b"") -> tuple[bytes, bytes]:
    sealed = io.BytesIO()
    size, _digest = encrypt_file(ring, io.BytesIO(data), sealed, context)
    assert size == len(data)
    plain = b"".join(decrypt_file(ring, io.BytesIO(sealed.getvalue()), context))
    return plain, sealed.getvalue()


@pytest.mark.parametrize("length", [0, 1, 99, FIRST - 1, FIRST, FIRST + 1, FIRST + SEGMENT + 7])
def test_file_roundtrip_at_segment_boundaries(length):
    data = bytes(range(256)) * (length // 256 + 1)
    plain, sealed = roundtrip(Keyring([OLD]), data[:length], b"audio/x.rte")
    assert plain == data[:length]
    assert sealed.startswith(MAGIC)
    if length >= 512:
        assert data[:512] not in sealed
    reader = open_file(Keyring([OLD]), io.BytesIO(sealed), b"audio/x.rte")
    assert (reader.size, reader.read()) == (length, data[:length])


def test_truncation_and_tampering_are_detected():
    ring = Keyring([OLD])
    _, sealed = roundtrip(ring, b"x" * (FIRST + 1000))
    for damaged in (
        sealed[: len(sealed) - 1000 - 16],  # last segment cut off: not a shorter file
        sealed[:-1],
        sealed[:-10] + bytes(10),
        sealed + b"extra",
        sealed + bytes(2000),
    ):
        with pytest.raises(DecryptionError):
            b"".join(decrypt_file(ring, io.BytesIO(damaged)))
        with pytest.raises(DecryptionError):
            open_file(ring, io.BytesIO(damaged)).read()


def test_wrong_key_is_refused():
    _, sealed = roundtrip(Keyring([OLD]), b"secret")
    with pytest.raises(DecryptionError):
        b"".join(decrypt_file(Keyring([NEW]), io.BytesIO(sealed)))


def test_rotated_file_decrypts_with_only_the_new_key():
    _, sealed = roundtrip(Keyring([OLD]), b"secret" * 500000, b"scans/a.rte")
    rotated = io.BytesIO()
    rotate_file(Keyring([NEW, OLD]), io.BytesIO(sealed), rotated, b"scans/a.rte")
    # Only the header changed: the stream (and the file's own key) stayed.
    assert rotated.getvalue()[-1000:] == sealed[-1000:]
    plain = decrypt_file(Keyring([NEW]), io.BytesIO(rotated.getvalue()), b"scans/a.rte")
    assert b"".join(plain) == b"secret" * 500000


# --- files written before Tink ------------------------------------------------------------------


def _legacy_plain() -> bytes:
    import hashlib

    return hashlib.sha256(b"seed").digest() * 2100


def test_a_file_written_before_tink_still_reads():
    raw = (LEGACY / "file-rtenc1.rte").read_bytes()
    ring = Keyring([NEW, LEGACY_KEY])
    assert b"".join(decrypt_file(ring, io.BytesIO(raw), LEGACY_NAME.encode())) == _legacy_plain()
    reader = open_file(ring, io.BytesIO(raw), LEGACY_NAME.encode())
    assert reader.size == len(_legacy_plain())
    reader.seek(65530)
    assert reader.read(20) == _legacy_plain()[65530:65550]
    small = (LEGACY / "file-rtenc1-small-chunks.rte").read_bytes()
    name = b"scans/" + b"f" * 32 + b".rte"
    assert b"".join(decrypt_file(ring, io.BytesIO(small), name)) == bytes(range(256)) * 10


def test_a_file_written_before_tink_is_still_checked():
    raw = (LEGACY / "file-rtenc1-small-chunks.rte").read_bytes()
    ring, name = Keyring([LEGACY_KEY]), b"scans/" + b"f" * 32 + b".rte"
    for damaged, context in (
        (raw[:-1020], name),  # the last chunk cut off
        (raw[:-5] + bytes(5), name),
        (raw + b"x", name),
        (raw, b"scans/" + b"e" * 32 + b".rte"),  # swapped for another stored file
    ):
        with pytest.raises(DecryptionError):
            b"".join(decrypt_file(ring, io.BytesIO(damaged), context))
    with pytest.raises(DecryptionError):
        b"".join(decrypt_file(Keyring([NEW]), io.BytesIO(raw), name))


def test_rotation_rewrites_a_file_written_before_tink_in_the_new_format():
    raw = (LEGACY / "file-rtenc1.rte").read_bytes()
    rotated = io.BytesIO()
    rotate_file(Keyring([NEW, LEGACY_KEY]), io.BytesIO(raw), rotated, LEGACY_NAME.encode())
    assert rotated.getvalue().startswith(MAGIC)
    plain = decrypt_file(Keyring([NEW]), io.BytesIO(rotated.getvalue()), LEGACY_NAME.encode())
    assert b"".join(plain) == _legacy_plain()
    with pytest.raises(DecryptionError):  # still bound to its stored name
        b"".join(decrypt_file(Keyring([NEW]), io.BytesIO(rotated.getvalue()), b"audio/y.rte"))


def test_key_rotation_moves_stored_files_of_the_old_format_to_the_new(app):
    target = storage._path(LEGACY_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LEGACY / "file-rtenc1.rte", target)
    current = storage.save(io.BytesIO(b"today"), "audio")
    app.extensions["redthread.keyring"] = Keyring([NEW, *app.config["DATA_KEYS"], LEGACY_KEY])
    assert rotate_everything(columns=[]) == (0, 2)
    app.extensions["redthread.keyring"] = Keyring([NEW])
    assert target.read_bytes().startswith(MAGIC)
    assert b"".join(storage.open_plaintext(LEGACY_NAME)) == _legacy_plain()
    assert storage.open_seekable(LEGACY_NAME).read() == _legacy_plain()
    assert b"".join(storage.open_plaintext(current.name)) == b"today"
    assert not list(target.parent.glob(".*.partial"))


def test_a_damaged_file_stops_rotation_and_leaves_no_partial_file(app):
    target = storage._path(LEGACY_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((LEGACY / "file-rtenc1.rte").read_bytes()[:-100])
    before = target.read_bytes()
    app.extensions["redthread.keyring"] = Keyring([NEW, LEGACY_KEY])
    with pytest.raises(DecryptionError):
        storage.rotate_all()
    assert target.read_bytes() == before
    assert not list(target.parent.glob(".*.partial"))


def test_storage_save_read_delete(app):
    stored = storage.save(io.BytesIO(b"audio bytes" * 10000), "audio")
    assert stored.size == 110000
    assert b"".join(storage.open_plaintext(stored.name)) == b"audio bytes" * 10000
    path = storage._path(stored.name)
    assert b"audio bytes" not in path.read_bytes()
    assert storage.delete(stored.name)
    assert not path.exists()
    with pytest.raises(ValueError):
        storage.open_plaintext("../../etc/passwd").__next__()


def test_storage_leaves_nothing_when_writing_fails(app):
    class Broken(io.RawIOBase):
        def __init__(self):
            self.calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 3:
                raise OSError("disk went away")
            return b"y" * n

    with pytest.raises(OSError):
        storage.save(Broken(), "audio")
    folder = storage._root() / "audio"
    assert list(folder.iterdir()) == []


def test_encrypted_column_and_key_rotation(app, tmp_path):
    metadata = MetaData()
    table = Table(
        "secret_note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("body", EncryptedText),
    )
    metadata.create_all(db.engine)
    db.session.execute(insert(table).values(body="Anna Andersson 010101-1234"))
    stored = storage.save(io.BytesIO(b"scan"), "scans")
    raw = db.session.execute(text("SELECT body FROM secret_note")).scalar()
    assert "Anna" not in raw
    assert db.session.execute(select(table.c.body)).scalar() == "Anna Andersson 010101-1234"

    # Put a new key first, rotate, then drop the old key: everything still reads.
    old_keys = app.config["DATA_KEYS"]
    app.extensions["redthread.keyring"] = Keyring([NEW, *old_keys])
    values, files = rotate_everything(columns=[(table, table.c.body)])
    assert (values, files) == (1, 1)
    app.extensions["redthread.keyring"] = Keyring([NEW])
    assert db.session.execute(select(table.c.body)).scalar() == "Anna Andersson 010101-1234"
    assert b"".join(storage.open_plaintext(stored.name)) == b"scan"
    db.session.rollback()
    metadata.drop_all(db.engine)


def test_swapped_files_do_not_open(app):
    first = storage.save(io.BytesIO(b"first"), "audio")
    second = storage.save(io.BytesIO(b"second"), "audio")
    a, b = storage._path(first.name), storage._path(second.name)
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_bytes)
    b.write_bytes(a_bytes)
    with pytest.raises(DecryptionError):
        b"".join(storage.open_plaintext(first.name))


def test_sealed_reader_seeks_anywhere(app, tmp_path):
    import io as _io

    from app.core import storage

    data = bytes(range(256)) * 1000  # several chunks, the last one short
    stored = storage.save(_io.BytesIO(data), "test")
    reader = storage.open_seekable(stored.name)
    assert reader.size == len(data)
    for start, length in [(0, 10), (65530, 20), (len(data) - 5, 50), (131072, 65536)]:
        reader.seek(start)
        assert reader.read(length) == data[start : start + length]
    reader.seek(0)
    assert reader.read() == data
    empty = storage.open_seekable(storage.save(_io.BytesIO(b""), "test").name)
    assert (empty.size, empty.read()) == (0, b"")


def test_sealed_reader_refuses_a_cut_file(app):
    import io as _io
    from pathlib import Path

    import pytest as _pytest
    from flask import current_app

    from app.core import storage
    from app.core.crypto import DecryptionError

    stored = storage.save(_io.BytesIO(b"x" * 200_000), "test")
    path = Path(current_app.config["MEDIA_ROOT"]) / stored.name
    path.write_bytes(path.read_bytes()[:-100])
    reader = storage.open_seekable(stored.name)
    reader.seek(reader.size - 10)
    with _pytest.raises(DecryptionError):
        reader.read()


def test_save_stops_at_its_limit(app):
    import io as _io

    import pytest as _pytest
    from flask import current_app

    from app.core import storage

    with _pytest.raises(storage.FileTooLarge):
        storage.save(_io.BytesIO(b"y" * 300_000), "test", limit=100_000)
    from pathlib import Path

    assert not list((Path(current_app.config["MEDIA_ROOT"]) / "test").glob("*"))


def test_an_upload_is_spooled_encrypted(app):
    from app.core.uploads import SealedSpool

    spool = SealedSpool()
    data = b"RIFF" + bytes(range(256)) * 500
    for start in range(0, len(data), 7000):
        spool.write(data[start : start + 7000])
    spool._file.seek(0)
    assert b"RIFF" not in spool._file.read(64)
    spool.seek(0)
    assert spool.read() == data
    spool.seek(1001)
    assert spool.read(333) == data[1001:1334]
    spool.close()


def test_sealed_reader_refuses_a_file_with_bytes_added(app):
    import io as _io
    from pathlib import Path

    import pytest as _pytest
    from flask import current_app

    from app.core import storage
    from app.core.crypto import DecryptionError

    stored = storage.save(_io.BytesIO(b"z" * 150_000), "test")
    path = Path(current_app.config["MEDIA_ROOT"]) / stored.name
    path.write_bytes(path.read_bytes() + b"0123456789")
    reader = storage.open_seekable(stored.name)
    with _pytest.raises(DecryptionError):
        reader.read()


def test_short_reads_still_make_full_chunks(app):
    import io as _io

    from app.core import storage

    class Trickle(_io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 1000) if size and size > 0 else size)

    data = bytes(range(256)) * 800
    stored = storage.save(Trickle(data), "test")
    reader = storage.open_seekable(stored.name)
    reader.seek(100_000)
    assert reader.read(5000) == data[100_000:105_000]
