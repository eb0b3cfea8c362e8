"""``tandem gc``: remove window files no window points at (left by an interrupted ingest)."""

from __future__ import annotations

import click


@click.command()
@click.option("--dry-run", is_flag=True, help="List the files, remove nothing.")
def gc(dry_run: bool) -> None:
    """Remove window files no window points at (left by an interrupted ingest)."""
    from app.config import load_settings
    from app.production.files import collect_garbage
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    orphans = collect_garbage(get_engine(), load_settings().data_dir, dry_run=dry_run)
    for orphan in orphans:
        click.echo(orphan.path)
    size = sum(o.size for o in orphans) / 1e6
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(orphans)} file(s), {size:.1f} MB", err=True)
