"""``tandem seed`` and ``tandem sample-data``: the bundled sample data, loaded or regenerated."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.group import EXIT_BAD_INPUT, EXIT_INTERNAL, fail, internal_message, parse_time


@click.command()
@click.option("--force", is_flag=True, help="Load the sample data even into a non-empty database.")
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    default=None,
    help="Sample data directory (default: the bundled sample_data/).",
)
@click.option(
    "--now",
    "now_text",
    default=None,
    help="The seed's clock, ISO 8601 (default: now); the data ends at 00:00 UTC of its day.",
)
def seed(force: bool, source: Path | None, now_text: str | None) -> None:
    """Load the sample data, ending at the start of today, UTC (idempotent, resumable)."""
    from app.ingest import IngestError
    from app.seed import SeedInterrupted, seed_database

    now = parse_time(now_text, "--now")
    try:
        result = seed_database(source=source, force=force, progress=True, now=now)
    except SeedInterrupted as error:
        if isinstance(error.cause, IngestError | FileNotFoundError):
            fail(str(error), EXIT_BAD_INPUT)
        fail(f"{internal_message(error.cause)} -- {error.advice}", EXIT_INTERNAL)
    click.echo(result.describe())


@click.command("sample-data")
@click.option("--out", type=click.Path(path_type=Path), default=Path("sample_data"))
def sample_data(out: Path) -> None:
    """Regenerate the committed sample data (deterministic)."""
    from app.sample_data import generate

    generate(out)
    click.echo(f"sample data written to {out}")
