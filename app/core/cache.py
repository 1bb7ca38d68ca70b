"""Counts kept between requests, under a database change token.

Counting a million codings takes the database a second or more; the counts change only when
a coding, a release, an interview's status or day, a consent or a theme's codes change. The
database triggers of ``aggregate_version`` write a new random token, in the same transaction,
with every such change, and a count is kept under the token it was made at: once anything
changes, nothing kept before is read again. So a kept count is always the count a fresh query
would give, on every web process and machine, whatever store holds it. ``register_version``
is the same for the register: placements, participants and offers (the follow-up figures of
fifteen thousand placements, whose eligibility needs each decrypted birth date).

Counts are kept only by a transaction that has written nothing (its own uncommitted changes
are not what others see, and on PostgreSQL its token moves only when it commits), and only
when the token is the same after counting as before (a change committed in between could
have been seen by some of the queries and not by others).

The store is Redis when ``REDIS_URL`` is set (shared by every process), else each process's
memory. The counts are raw, as the queries give them: suppression is applied to them after,
exactly as to fresh ones.
"""

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, is_dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import column, literal_column, select, table

from app.core.db import db, read_once

log = logging.getLogger(__name__)

#: how long Redis keeps a count: a token that has not changed for a day is counted again
TTL_SECONDS = 24 * 3600
#: counts kept in a process's memory without Redis (the oldest used go first)
MEMORY_ENTRIES = 256
#: after Redis failed, the counts are made fresh for this long before it is asked again
REDIS_PAUSE_SECONDS = 30
PREFIX = "redthread:aggregates:"
_EXTENSION = "redthread.aggregate_cache"
#: the tables of one row whose token changes with what is counted (migrations 0023, 0029)
AGGREGATES, REGISTER = "aggregate_version", "register_version"
VERSIONS = (AGGREGATES, REGISTER)
#: the token's row, as SQL sees it, per version
_ROWS = {version: table(version, column("id"), column("token")) for version in VERSIONS}
#: on PostgreSQL: whether this transaction has not written (its token moves at commit)
_UNWRITTEN = literal_column("pg_current_xact_id_if_assigned() IS NULL")


class MemoryStore:
    """Counts in this process's memory; correct across processes because every read goes
    through the database's token."""

    def __init__(self, size: int = MEMORY_ENTRIES):
        self.size = size
        self.entries: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def set(self, key: str, value: str) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class RedisStore:
    """Counts in Redis, shared by every web process and machine; while Redis cannot be
    reached the counts are made fresh (a page is slower, never wrong or broken)."""

    def __init__(self, url: str):
        from redis import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.paused_until = 0.0

    def _call(self, method: str, *args):
        if time.monotonic() < self.paused_until:
            return None
        try:
            return getattr(self.redis, method)(*args)
        except Exception as error:  # redis-py's errors, a refused or timed-out socket
            self.paused_until = time.monotonic() + REDIS_PAUSE_SECONDS
            log.warning("counts are not kept: Redis cannot be reached (%s)", error)
            return None

    def get(self, key: str) -> str | None:
        value = self._call("get", PREFIX + key)
        return value.decode() if value is not None else None

    def set(self, key: str, value: str) -> None:
        self._call("setex", PREFIX + key, TTL_SECONDS, value)


def store():
    """The app's store: Redis with ``REDIS_URL``, else memory (made once per app)."""
    app = current_app._get_current_object()
    found = app.extensions.get(_EXTENSION)
    if found is None:
        url = app.config.get("REDIS_URL")
        found = RedisStore(url) if url else MemoryStore()
        app.extensions[_EXTENSION] = found
    return found


def token(version: str = AGGREGATES) -> str | None:
    """The change token of ``version`` (one of ``VERSIONS``), or None when this transaction
    may not keep or read counts: it has written something, or the row is missing (a
    TRUNCATE took it)."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}")
    session = db.session
    if session.new or session.dirty or session.deleted:
        return None
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(
            select(_ROWS[version].c.token, _UNWRITTEN).where(_ROWS[version].c.id == 1)
        ).first()
        return row[0] if row is not None and row[1] else None
    if session.connection().connection.dbapi_connection.in_transaction:
        return None  # SQLite begins a transaction at the first write, not at a read
    return session.scalar(select(_ROWS[version].c.token).where(_ROWS[version].c.id == 1))


def kept(name: str, params, compute, version: str = AGGREGATES):
    """``compute()``, or what it gave before under the same change token of ``version``,
    name and parameters (JSON-able; dataclasses such as a themes ``Scope`` are taken
    apart)."""
    # the token a request's lookups are made under is read once per transaction until it
    # writes (a page of every goal looks up two hundred counts); a count made afresh is
    # kept only if the token read again after it is the same
    session = db.session
    if session.new or session.dirty or session.deleted:
        return compute()  # its own changes, not yet flushed, are in no kept count
    before = read_once(("cache.token", version), lambda: token(version))
    if before is None:
        return compute()
    key = _key(name, f"{version}:{before}", params)
    cache = store()
    found = cache.get(key)
    if found is not None:
        return _decode(json.loads(found))
    value = compute()
    if token(version) == before:
        cache.set(key, json.dumps(_encode(value), separators=(",", ":")))
    return value


def _key(name: str, token_: str, params) -> str:
    described = json.dumps(_plain(params), sort_keys=True, default=str)
    digest = hashlib.sha256(f"{name}\0{described}".encode()).hexdigest()
    return f"{token_}:{digest}"


def _plain(value):
    if is_dataclass(value) and not isinstance(value, type):
        return {"__class__": type(value).__name__, **asdict(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    return value


def _encode(value):
    """Counts as JSON that gives back the same Python values: tuples and dicts with tuple
    or number keys are tagged."""
    if isinstance(value, tuple):
        return {"t": [_encode(v) for v in value]}
    if isinstance(value, dict):
        return {"d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "t" in value:
            return tuple(_decode(v) for v in value["t"])
        return {_decode(k): _decode(v) for k, v in value["d"]}
    return value
