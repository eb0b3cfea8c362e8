"""A writer holds its systems' write lock from ``ensure_systems`` to its commit; readers never wait.

Checked without timing: while one session holds the lock, another's attempt
to take it *without waiting* fails (PostgreSQL ``pg_try_advisory_xact_lock``,
SQLite ``BEGIN IMMEDIATE`` with no busy timeout), a plain read succeeds, and
on PostgreSQL another system's lock is free.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Engine, create_engine, select, text

from app.store.db import _SYSTEM_LOCK_CLASS, session_scope
from app.store.models import System
from app.store.rows import ensure_systems


def try_lock(engine: Engine, system_id: int) -> bool:
    """Whether another connection could take ``system_id``'s write lock right now."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn, conn.begin():
            query = text("SELECT pg_try_advisory_xact_lock(:c, :id)")
            return bool(conn.execute(query, {"c": _SYSTEM_LOCK_CLASS, "id": system_id}).scalar())
    raw = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        raw.close()


def test_ensure_systems_holds_the_lock_until_commit(engine: Engine) -> None:
    with session_scope(engine) as session:
        ids, _ = ensure_systems(session, ["a", "b"])
    other = create_engine(engine.url)  # another pool: another process's connections
    try:
        with session_scope(engine) as session:
            ensure_systems(session, ["a"])  # an existing system: no write yet, but locked
            assert not try_lock(other, ids["a"])
            with other.connect() as conn:  # pages' reads do not wait
                assert sorted(conn.execute(select(System.name)).scalars()) == ["a", "b"]
            if engine.dialect.name == "postgresql":
                assert try_lock(other, ids["b"])  # writers of other systems run side by side
        assert try_lock(other, ids["a"])
    finally:
        other.dispose()


def test_the_lock_ends_with_a_rollback(engine: Engine) -> None:
    with session_scope(engine) as session:
        ids, _ = ensure_systems(session, ["a"])

    def fail_after_locking() -> None:
        with session_scope(engine) as session:
            ensure_systems(session, ["a"])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_after_locking()
    assert try_lock(engine, ids["a"])
