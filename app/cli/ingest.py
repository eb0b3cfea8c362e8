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
    "costs",
    "kpis",
    "production",
)


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("location", metavar="PATH")
@click.option("--system", default=None, help="System the rows belong to (created if new).")
@click.option(
    "--reference", is_flag=True, help="production only: the model version's reference data."
)
@click.option(
    "--engine",
    type=click.Choice(("local", "spark")),
    default="local",
    show_default=True,
    help="production only: spark measures the rows where they are (PATH: any location "
    "Spark reads: a Parquet file, folder, glob or URL) and stores their location, not a copy.",
)
@click.option(
    "--spark-master",
    default=None,
    help="--engine spark: the master to start (default local[*]); an existing session "
    "(spark-submit, Databricks) is used as it is.",
)
def ingest(
    kind: str,
    location: str,
    system: str | None,
    reference: bool,
    engine: str,
    spark_master: str | None,
) -> None:
    """Load a CSV or Parquet file of KIND (formats: docs/data-formats.md)."""
    from app.ingest import IngestError, ingest_file
    from app.store.migrate import ensure_current

    ensure_current()
    if engine == "spark":
        _ingest_spark(kind, location, system, reference, spark_master)
        return
    path = Path(location)
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


def _ingest_spark(
    kind: str, location: str, system: str | None, reference: bool, master: str | None
) -> None:
    """``--engine spark``: production rows measured on Spark where they live."""
    from app.ingest import IngestError

    if kind != "production":
        raise BadInput("--engine spark: only production data is measured on Spark")
    if not system:
        raise BadInput("--engine spark: a system name (--system) is required")
    from app.spark.ingest import ingest_lake
    from app.spark.session import SparkUnavailableError, spark_session

    try:
        spark = spark_session(master)
    except SparkUnavailableError as error:
        fail(str(error), EXIT_BAD_INPUT)
    try:
        summary = ingest_lake(location, system=system, spark=spark, reference=reference)
    except IngestError as error:
        fail(str(error), EXIT_BAD_INPUT)
    click.echo(
        f"{location}: {summary.rows_read} rows read, {summary.rows_written} measured, "
        f"{summary.windows} windows"
        + (
            f"; new systems: {', '.join(summary.systems_created)}"
            if summary.systems_created
            else ""
        )
    )
