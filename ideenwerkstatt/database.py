"""Database conventions: constraint names, UTC time, SQLite hardening, the one commit."""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import fcntl
import hashlib
import os
import threading
from contextlib import contextmanager

from flask import has_request_context
from sqlalchemy import DateTime, Enum, MetaData, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, PostgreSQL does; this type makes both give the same
    aware datetimes so comparisons never mix naive and aware values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use database.utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> Enum:
    """Enums are stored as their values in a VARCHAR with a CHECK, the same on every database."""
    return Enum(
        enum_cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        length=length,
        create_constraint=True,
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )


# Whether the current unit of work will write. On SQLite a transaction that will write
# must start with BEGIN IMMEDIATE: a plain BEGIN takes the write lock only at the first
# write, and two such transactions then fail with "database is locked" instead of waiting.
# Read-only work keeps a deferred BEGIN so that readers never queue behind writers (WAL).
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def set_write_intent(value: bool) -> contextvars.Token:
    return _write_intent.set(value)


@contextmanager
def writing():
    """Mark the enclosed work as writing (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


class WriterLock:
    """One writer at a time for a SQLite file, handed over without polling.

    SQLite lets one connection write at a time; the others wait in its busy handler, which
    sleeps and retries (up to 100 ms between tries). Under a burst of votes that turns into
    waiting, not computing: with 1,000 phones, 15 connections per process slept in
    `BEGIN IMMEDIATE` while the lock was free, and pages waited for those connections
    (benchmarks/RESULTS.md). So writers queue here instead: a thread lock inside the process
    and an `flock` on `<database>-writelock` between processes, both of which wake the next
    writer the moment the lock is given back. A request that changes things takes it
    before it uses a connection and gives it back when it ends; other writers (`writing()`)
    take it at `BEGIN IMMEDIATE` and give it back when the transaction ends. SQLite's own
    locking stays as it was: this only orders the writers that ask."""

    def __init__(self, path: str):
        self.path = f"{path}-writelock"
        self.lock = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def _file(self) -> int:
        if self.fd is None or self.pid != os.getpid():  # a forked child needs its own
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self.pid = os.getpid()
        return self.fd

    def acquire(self, timeout: float) -> bool:
        if not self.lock.acquire(timeout=timeout):
            return False  # something holds it far too long: let SQLite's busy handler decide
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)  # blocks without the GIL
        except OSError:
            self.lock.release()
            return False
        return True

    def release(self) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self.lock.release()


_writer_locks: dict[str, WriterLock] = {}
_writer_locks_guard = threading.Lock()
_held = threading.local()
WRITER_LOCK_TIMEOUT = 10.0  # as SQLite's busy_timeout below


def writer_lock(engine: Engine) -> WriterLock | None:
    """The engine's writer lock: file-based SQLite only."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    with _writer_locks_guard:
        return _writer_locks.setdefault(path, WriterLock(path))


def hold_writer_lock(engine: Engine, *, for_request: bool = False) -> None:
    """Queue for the engine's writer lock unless this thread holds it already.
    `for_request`: held until the request ends (`release_writer_lock(request_ended=True)`),
    not only until its first transaction ends: a request that committed once and then waited
    for the lock again with a pooled connection in hand could empty the pool while the lock's
    holder waits for a connection (seen at 1,000 phones)."""
    lock = writer_lock(engine)
    if lock is None or getattr(_held, "lock", None) is not None:
        return
    if lock.acquire(WRITER_LOCK_TIMEOUT):
        _held.lock = lock
        _held.for_request = for_request


def release_writer_lock(*, request_ended: bool = False) -> None:
    """Give back the writer lock this thread holds, if any: when its transaction ended, or,
    for a request's lock, when the request ended."""
    lock = getattr(_held, "lock", None)
    if lock is None or (getattr(_held, "for_request", False) and not request_ended):
        return
    _held.lock = None
    _held.for_request = False
    lock.release()


@event.listens_for(Session, "after_commit")
def _release_after_commit(_session) -> None:
    release_writer_lock()


@event.listens_for(Session, "after_rollback")
def _release_after_rollback(_session) -> None:
    release_writer_lock()


def harden_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and foreign keys on every connection; BEGIN IMMEDIATE for writers,
    who queue for the writer lock first (WriterLock)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when and how a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, _record):
        release_writer_lock()  # also for work on a bare connection, outside a Session

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _write_intent.get():
            if not has_request_context():  # requests queue before they take a connection
                hold_writer_lock(engine)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def reads_first(view):
    """Mark a view that changes things as reading first: its request begins as a reader (no
    writer lock, plain BEGIN), and the view opens its write transaction itself with
    `write_transaction()` once it knows what to write. On SQLite the one-writer-at-a-time
    part is then the writing alone, not the whole request (sign-in lookup, form, answer)."""
    view.reads_first = True
    return view


@contextmanager
def write_transaction():
    """For `reads_first` views: end the read transaction (its objects expire and load again
    when used), then begin as a writer, on SQLite after queueing for the writer lock, which
    is given back when the transaction ends. Reads after the block begin as a reader again."""
    from .extensions import db  # the app's session (cycle: extensions imports this module)

    db.session.commit()  # only reads so far: ends them and gives the connection back
    token = _write_intent.set(True)
    try:
        hold_writer_lock(db.engine)
        yield
    finally:
        _write_intent.reset(token)
        release_writer_lock()


def commit() -> None:
    """Commit the request's unit of work. Views and CLI commands call this, services never:
    they only flush, so that one request is one transaction (and mail queued by it leaves
    only after this commit)."""
    from .extensions import db

    db.session.commit()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit number for a job's name (PostgreSQL advisory locks take one)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def try_job_lock(name: str) -> bool:
    """Whether this transaction may run the clock-driven job `name` now, whatever number of
    servers try at the same moment. PostgreSQL: `pg_try_advisory_xact_lock`, which never
    waits: False while another session's transaction holds it; it is released with the
    transaction (commit or rollback), also when the process dies. SQLite: True, because
    writers already queue one after another (BEGIN IMMEDIATE, see `writing`) and SQLite is
    a single server's database. Each job stays idempotent besides (keys, conditions), so a
    later run at the same due time finds nothing left to do."""
    from .extensions import db  # cycle: extensions imports this module for Base

    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(select(func.pg_try_advisory_xact_lock(advisory_key(name)))))
