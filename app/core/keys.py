"""Key rotation across the whole database and file store."""

from sqlalchemy import Text, select, type_coerce, update

from app.core import audit, storage
from app.core.crypto import EncryptedText, keyring
from app.core.db import db


def _encrypted_columns():
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield table, column


def rotate_everything(columns=None) -> tuple[int, int]:
    """Re-encrypt every encrypted value and rewrap every file key under the newest key.

    Works on the stored tokens directly (no decryption to Python strings), in the current
    transaction; the caller commits.
    """
    ring = keyring()
    values = 0
    for table, column in columns if columns is not None else _encrypted_columns():
        primary = next(iter(table.primary_key.columns))
        # type_coerce to Text: read and write the tokens as they are, without decrypting.
        rows = db.session.execute(
            select(primary, type_coerce(column, Text)).where(column.is_not(None))
        ).all()
        for key, token in rows:
            rotated = ring.rotate(token.encode("ascii")).decode("ascii")
            db.session.execute(
                update(table)
                .where(primary == key)
                .values({column.name: type_coerce(rotated, Text)})
            )
            values += 1
    files = storage.rotate_all()
    audit.record(None, "keys.rotate", values=values, files=files)
    return values, files
