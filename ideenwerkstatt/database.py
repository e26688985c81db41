"""Database conventions: constraint names, UTC time, SQLite hardening, the one commit."""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import hashlib
from contextlib import contextmanager

from sqlalchemy import DateTime, Enum, MetaData, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
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


def harden_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and foreign keys on every connection; BEGIN IMMEDIATE for writers."""
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

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


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
