"""Database base: one SQLAlchemy instance, a constraint naming convention, UTC timestamps."""

from datetime import UTC, datetime
from enum import IntEnum

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

#: Alembic names constraints from this, so migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def sql_values(values) -> str:
    """Values (an enum's members or strings) as a SQL list for a CHECK constraint."""
    return ", ".join(f"'{value}'" for value in values)


class Writer(IntEnum):
    """What only one transaction at a time may extend: its PostgreSQL advisory lock key."""

    AUDIT_CHAIN = 7301  # the hash chain's last entry
    PARTICIPANT_CODES = 7302  # the year's last pseudonymous code


#: on SQLite, a write statement touching no row takes the database's one write lock instead
_SQLITE_LOCKS = {
    Writer.AUDIT_CHAIN: text("UPDATE audit_entry SET id = id WHERE 0 = 1"),
    Writer.PARTICIPANT_CODES: text("UPDATE participant SET id = id WHERE 0 = 1"),
}


def one_writer(session: Session, writer: Writer) -> None:
    """Make this transaction the only one extending ``writer`` until it ends.

    Take it before reading the last value that the transaction extends (the chain's last
    entry, the year's last code): another machine's transaction waits here, and then reads
    what this one committed instead of the same last value.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(writer)})
    else:
        session.execute(_SQLITE_LOCKS[writer])


_MEMO, _WRITES = "redthread.memo", "redthread.writes"


@event.listens_for(Session, "after_flush")
def _written(session, flush_context):
    session.info[_WRITES] = session.info.get(_WRITES, 0) + 1


@event.listens_for(Session, "do_orm_execute")
def _statement(state):
    if state.is_insert or state.is_update or state.is_delete:  # a write that skips the flush
        state.session.info[_WRITES] = state.session.info.get(_WRITES, 0) + 1


def read_once(key, compute):
    """``compute()``, worked out once per transaction for ``key`` until something is written:
    a page that asks twice for the same costly reading (every placement's follow-up, say)
    reads once. A flush or a new transaction forgets it, and changes not yet flushed are
    not read past, so nothing stale is ever read."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return compute()  # changes not yet flushed: the reading flushes them, and counts them
    session.connection()  # the transaction begins now, not with the first query inside
    mark = (session.get_transaction(), session.info.get(_WRITES, 0))
    memo = session.info.get(_MEMO)
    if memo is None or memo[0][0] is not mark[0] or memo[0][1] != mark[1]:
        memo = session.info[_MEMO] = (mark, {})
    if key not in memo[1]:
        memo[1][key] = compute()
    return memo[1][key]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _connection_settings(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("psycopg"):
        # No server-side prepared statements: psycopg prepares a query run five times on a
        # connection, and five runs later PostgreSQL may plan it once for any parameters.
        # Such a generic plan of the consent gate's grouped counts (``gate.sql_allows``)
        # reads the newest releases again for every interview: a count of a fraction of a
        # second took a minute or more in a worker that had run it ten times.
        dbapi_connection.prepare_threshold = None
    # WAL lets readers work beside the one writer; SQLite leaves foreign keys off unless asked.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
