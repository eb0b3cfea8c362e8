"""Schema: migrations run up from empty on both databases; a stale schema says the fix."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from app.store.db import SchemaOutOfDateError
from app.store.migrate import current_revision, ensure_current, head_revision, upgrade
from app.store.models import Base


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    ensure_current(engine)


def test_an_empty_database_is_refused_with_the_upgrade_command(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutOfDateError, match="tandem db upgrade"):
        ensure_current(engine)


def test_a_database_behind_head_is_refused(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutOfDateError, match="revision 0000.*tandem db upgrade"):
        ensure_current(sqlite_engine)


def test_sqlite_runs_in_wal_mode(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_migrations_leave_nothing_for_autogenerate(engine: Engine) -> None:
    """The migrated schema is the models' (e.g. ``0003`` made ``run_tags`` as ``RunTag``)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    columns = {c["name"] for c in inspect(engine).get_columns("run_tags")}
    assert columns == {"id", "run_pk", "key", "value"}
