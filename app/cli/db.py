"""``tandem db upgrade``: create or migrate the configured database."""

from __future__ import annotations

import click


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the configured database to the newest schema."""
    from app.store.db import get_engine
    from app.store.migrate import current_revision, upgrade

    engine = get_engine()
    upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    click.echo(f"{where} is at revision {current_revision(engine)}")
