import io

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from app.core import storage
from app.core.crypto import (
    CHUNK_SIZE,
    DecryptionError,
    EncryptedText,
    Keyring,
    decrypt_stream,
    encrypt_stream,
    read_header,
    rewrap_header,
)
from app.core.db import db
from app.core.keys import rotate_everything

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def roundtrip(ring, data: bytes, chunk_size=CHUNK_SIZE) -> tuple[bytes, bytes]:
    sealed = io.BytesIO()
    size, _digest = encrypt_stream(ring, io.BytesIO(data), sealed, chunk_size)
    assert size == len(data)
    plain = b"".join(decrypt_stream(ring, io.BytesIO(sealed.getvalue())))
    return plain, sealed.getvalue()


@pytest.mark.parametrize("length", [0, 1, 99, 100, 101, 1000])
def test_file_roundtrip_at_chunk_boundaries(length):
    data = bytes(range(256)) * 4
    plain, sealed = roundtrip(Keyring([OLD]), data[:length], chunk_size=100)
    assert plain == data[:length]
    if length >= 50:
        assert data[:50] not in sealed


def test_truncation_and_tampering_are_detected():
    ring = Keyring([OLD])
    _, sealed = roundtrip(ring, b"x" * 1000, chunk_size=100)
    chunk = 4 + 100 + 16
    for damaged in (
        sealed[:-chunk],  # last chunk cut off: must not pass as a shorter file
        sealed[:-1],
        sealed[:-10] + bytes(10),
        sealed + b"extra",
    ):
        with pytest.raises(DecryptionError):
            b"".join(decrypt_stream(ring, io.BytesIO(damaged)))


def test_wrong_key_is_refused():
    _, sealed = roundtrip(Keyring([OLD]), b"secret")
    with pytest.raises(DecryptionError):
        b"".join(decrypt_stream(Keyring([NEW]), io.BytesIO(sealed)))


def test_rewrapped_file_decrypts_with_only_the_new_key():
    _, sealed = roundtrip(Keyring([OLD]), b"secret" * 50000)
    src = io.BytesIO(sealed)
    header = read_header(src)
    rewrapped = rewrap_header(Keyring([NEW, OLD]), header).pack() + src.read()
    assert b"".join(decrypt_stream(Keyring([NEW]), io.BytesIO(rewrapped))) == b"secret" * 50000


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
