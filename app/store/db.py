"""Engine, sessions and the schema check.

One engine per database URL per process; one session per unit of work that
commits, or rolls back and re-raises. ``session_scope`` is the only way the
rest of Tandem writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.config import load_settings

logger = logging.getLogger(__name__)

# The process's engines by URL: a cache, so that every unit of work shares a pool.
_ENGINES: dict[str, Engine] = {}
# How long to wait for a PostgreSQL server to accept a connection (``connect_timeout`` in
# the URL overrides it).
CONNECT_TIMEOUT_S = 10

# How long a writer waits for the lock of a system another writer holds. An
# ingest holds it from its first read to its commit, so this is the longest
# another ingest may take before the waiting one gives up (exit 3).
WRITE_LOCK_WAIT_MS = 10 * 60 * 1000
# The first key of PostgreSQL's two-key advisory locks: "Tandem, a system's writes".
_SYSTEM_LOCK_CLASS = 0x7A4D


class SchemaOutOfDateError(RuntimeError):
    """The database's schema is behind (or ahead of) this version of Tandem."""


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (default: the configured database)."""
    url = url or load_settings().database_url
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = _create_engine(url)
    return engine


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "psycopg" and "connect_timeout" not in parsed.query:
        # libpq waits for a server that accepts and never answers for ever; give up instead,
        # so that a command exits 3 and a page says the database is unavailable.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@lru_cache(maxsize=16)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits at the end of the block, or rolls back and re-raises."""
    session = _session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def lock_systems(session: Session, system_ids: Iterable[int]) -> None:
    """Hold the write lock of each system until the session's transaction ends.

    A unit of work that reads what it is about to rewrite (a production
    window, the samples a rollup sums) takes this before that read, so two
    writers of one system run one after the other and neither works from a
    stale copy. On PostgreSQL: a transaction-scoped advisory lock per system,
    taken in id order (no deadlock between writers of several systems);
    writers of different systems run side by side. On SQLite, whose writers
    are serialised by the database's one write lock anyway: that lock, taken
    now (``BEGIN IMMEDIATE``) instead of at the first write, when the reads
    that went before it may be stale. Pages never call this; their reads
    stay plain reads. Waits up to ``WRITE_LOCK_WAIT_MS`` for another writer.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        begin_immediate(session)
        return
    connection.execute(text(f"SET LOCAL lock_timeout = {WRITE_LOCK_WAIT_MS}"))
    for system_id in sorted(set(system_ids)):
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:class, :id)"),
            {"class": _SYSTEM_LOCK_CLASS, "id": int(system_id)},
        )


def begin_immediate(session: Session) -> None:
    """On SQLite, start the session's transaction holding the database's write lock.

    pysqlite runs SELECTs outside any transaction and begins one (deferred)
    only at the first INSERT/UPDATE/DELETE, so what a writer read before its
    first write may be stale by then. ``BEGIN IMMEDIATE`` takes the write
    lock first; readers (WAL) are not blocked. A transaction already begun
    has written, so it holds the lock already. A no-op on other databases.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.dbapi_connection
    if raw.in_transaction:
        return
    usual = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {WRITE_LOCK_WAIT_MS}")
    try:
        raw.execute("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(usual)}")


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, forks)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _session_factory.cache_clear()
