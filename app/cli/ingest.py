"""``tandem ingest KIND PATH``: load a CSV or Parquet file (formats: docs/data-formats.md)."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.group import EXIT_BAD_INPUT, BadInput, fail

KINDS = (
    "pipelines",
    "deployments",
    "incidents",
    "health",
    "datasets",
    "runs",
    "metrics",
    "models",
    "production",
)


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--system", default=None, help="System the rows belong to (created if new).")
@click.option(
    "--reference", is_flag=True, help="production only: the model version's reference data."
)
def ingest(kind: str, path: Path, system: str | None, reference: bool) -> None:
    """Load a CSV or Parquet file of KIND (formats: docs/data-formats.md)."""
    from app.ingest import IngestError, ingest_file
    from app.store.migrate import ensure_current

    ensure_current()
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    try:
        summary = ingest_file(kind, path, system=system, reference=reference, progress=True)
    except IngestError as error:
        fail(str(error), EXIT_BAD_INPUT)
    click.echo(
        f"{path}: {summary.rows_read} rows read, {summary.rows_written} written"
        + (f", {summary.windows} windows" if kind == "production" else "")
        + (
            f"; new systems: {', '.join(summary.systems_created)}"
            if summary.systems_created
            else ""
        )
    )
