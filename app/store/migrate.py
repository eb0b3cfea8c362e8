"""Alembic, driven from code: upgrade to head and tell when a database is behind.

The migrations ship inside the package (``app/store/migrations``) so an
installed Tandem can upgrade any database it is pointed at.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.store.db import SchemaOutOfDateError, get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "tandem db upgrade"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


@cache  # the package's migrations cannot change under a running process
def head_revision() -> str:
    """The newest revision this Tandem ships (reading every migration script: ~50 ms)."""
    script = ScriptDirectory.from_config(alembic_config(get_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine | None = None) -> None:
    """Bring the database to the newest schema (creates it when empty)."""
    engine = engine or get_engine()
    command.upgrade(alembic_config(engine), "head")


def ensure_current(engine: Engine | None = None) -> None:
    """Raise a clear error naming the upgrade command unless the schema is at head."""
    engine = engine or get_engine()
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "has no Tandem schema" if current is None else f"is at revision {current}"
        raise SchemaOutOfDateError(
            f"The database {where} {state}; this Tandem needs revision {head}. "
            f"Run `{UPGRADE_COMMAND}` to migrate it."
        )
