"""``tandem drift``: Evidently-compatible column and dataset drift between two files.

``--engine local`` (the default) reads both files into pandas; ``--engine
spark`` measures them where they are, on Spark (``app.spark``, imported only
then), and prints the same report. Exit codes follow DESIGN.md: 0 success
(drift or not), 2 bad input or usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli.group import BadInput, text_table
from app.cli.options import positive_threshold
from app.cli.output import json_text

if TYPE_CHECKING:
    import pandas as pd

    from app.drift import DriftReport

HTML_SAMPLE_ROWS = 50_000
# Kept literal so `tandem --help` does not import NumPy/SciPy; a test pins it to app.drift.METHODS.
METHOD_NAMES = (
    "abs_text_content_drift",
    "chisquare",
    "hellinger",
    "jensenshannon",
    "kl_div",
    "ks",
    "perc_text_content_drift",
    "psi",
    "wasserstein",
    "z",
)


def read_table(path: Path, option: str) -> pd.DataFrame:
    """A CSV or Parquet file (by extension: ``.parquet``/``.pq`` is Parquet) as a DataFrame."""
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            # One block per column: no copy into a consolidated 2-D block.
            frame = pq.read_table(path).to_pandas(split_blocks=True, self_destruct=True)
        else:
            frame = pd.read_csv(path)
    except FileNotFoundError:
        raise BadInput(f"{option} {path}: file not found") from None
    except Exception as error:  # pandas/pyarrow raise many types for unreadable files
        raise BadInput(f"{option} {path}: cannot read as CSV or Parquet ({error})") from None
    if frame.empty:
        raise BadInput(f"{option} {path}: no rows")
    return frame


def _column_kinds(column_types: Path | None, categorical: str | None) -> dict[str, str] | None:
    if column_types is not None and categorical is not None:
        raise BadInput("use either --column-types or --categorical, not both")
    if categorical is not None:
        return {name.strip(): "categorical" for name in categorical.split(",") if name.strip()}
    if column_types is None:
        return None
    try:
        kinds = json.loads(column_types.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadInput(f"--column-types {column_types}: not a JSON file ({error})") from None
    if not isinstance(kinds, dict) or not all(
        isinstance(k, str) and v in ("numerical", "categorical") for k, v in kinds.items()
    ):
        raise BadInput(
            f"--column-types {column_types}: expected a JSON object mapping column names "
            'to "numerical" or "categorical"'
        )
    return kinds


def _table(report: DriftReport) -> str:
    header = ("column", "kind", "method", "score", "threshold", "drifted")
    rows = [
        (
            c.column,
            c.kind,
            c.method,
            f"{c.score:.6g}",
            f"{c.threshold:g}",
            "yes" if c.drifted else "no",
        )
        for c in report.columns
    ]
    lines = [text_table(header, rows)]
    verdict = "detected" if report.dataset_drift else "not detected"
    lines.append("")
    lines.append(
        f"Dataset drift {verdict}: {report.drifted_columns} of {report.total_columns} columns "
        f"drifted (share {report.drift_share:.3g}, threshold {report.drift_share_threshold:g})"
    )
    return "\n".join(lines)


@click.command("drift")
@click.option(
    "--reference",
    "reference_path",
    required=True,
    help="Reference data, CSV or Parquet (with --engine spark: any path, glob or URL Spark reads).",
)
@click.option(
    "--current",
    "current_path",
    required=True,
    help="Current data, CSV or Parquet (with --engine spark: any path, glob or URL Spark reads).",
)
@click.option(
    "--column-types",
    type=click.Path(path_type=Path, dir_okay=False),
    help='JSON file: {"column": "numerical" | "categorical"}.',
)
@click.option("--categorical", help="Comma-separated columns to treat as categorical.")
@click.option(
    "--method",
    type=click.Choice(METHOD_NAMES),
    help="Stat test for every column (default: Evidently's choice per column).",
)
@click.option(
    "--threshold",
    type=float,
    callback=positive_threshold,
    help="Threshold for every column (default: the method's).",
)
@click.option(
    "--drift-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Dataset drift when at least this share of columns drift.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help=(
        "Also write Evidently's HTML report here "
        f"(each side sampled to {HTML_SAMPLE_ROWS:,} rows when larger)."
    ),
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Measure in this process (local) or on Spark, where the data is (spark).",
)
@click.option(
    "--spark-master",
    help="Spark master URL for --engine spark (default local[*]; under spark-submit, its own).",
)
def drift(
    reference_path: str,
    current_path: str,
    column_types: Path | None,
    categorical: str | None,
    method: str | None,
    threshold: float | None,
    drift_share: float,
    fmt: str,
    html_path: Path | None,
    engine: str,
    spark_master: str | None,
) -> None:
    """Column and dataset drift of CURRENT against REFERENCE, as Evidently's DataDriftPreset."""
    kinds = _column_kinds(column_types, categorical)
    if engine == "spark":
        if html_path is not None:
            raise BadInput("--html needs --engine local (Evidently's report runs on pandas)")
        report = _spark_report(
            reference_path, current_path, kinds, method, threshold, drift_share, spark_master
        )
        _print(report, fmt)
        return
    from app.drift import compute_drift

    reference = read_table(Path(reference_path), "--reference")
    current = read_table(Path(current_path), "--current")
    common = [c for c in current.columns if c in reference.columns]
    if not common:
        raise BadInput(f"{reference_path} and {current_path} have no column in common")
    for name in [c for c in reference.columns if c not in common]:
        click.echo(f"note: column {name!r} is only in {reference_path}; not tested", err=True)
    for name in [c for c in current.columns if c not in common]:
        click.echo(f"note: column {name!r} is only in {current_path}; not tested", err=True)
    unknown = sorted(set(kinds or {}) - set(common))
    if unknown:
        raise BadInput(f"column types name columns not in both files: {', '.join(unknown)}")
    try:
        report = compute_drift(
            reference,
            current,
            columns=common,
            column_kinds=kinds,
            method=method,
            threshold=threshold,
            drift_share=drift_share,
        )
    except ValueError as error:
        raise BadInput(str(error)) from None
    _print(report, fmt)
    if html_path is not None:
        from app.drift.html_report import evidently_html

        html = evidently_html(
            reference,
            current,
            kinds,
            sample_rows=HTML_SAMPLE_ROWS,
            method=method,
            threshold=threshold,
            drift_share=drift_share,
        )
        try:
            html_path.write_text(html, encoding="utf-8")
        except OSError as error:
            raise BadInput(f"--html {html_path}: cannot write ({error})") from None
        click.echo(f"Evidently report written to {html_path}", err=True)


def _print(report: DriftReport, fmt: str) -> None:
    for skipped in report.skipped:
        click.echo(f"note: column {skipped.column!r} not tested ({skipped.reason})", err=True)
    if fmt == "json":
        click.echo(json_text(report.to_dict()))  # a NaN score (no data) is null
    else:
        click.echo(_table(report))


def _spark_report(
    reference_path: str,
    current_path: str,
    kinds: dict[str, str] | None,
    method: str | None,
    threshold: float | None,
    drift_share: float,
    spark_master: str | None,
) -> DriftReport:
    """The same report as the local engine's, computed on Spark (``app.spark.drift``)."""
    from app.spark.drift import spark_drift
    from app.spark.session import SparkUnavailableError, spark_session
    from app.spark.tables import TableError
    from app.spark.tables import read_table as read_spark

    try:
        spark = spark_session(spark_master)
    except SparkUnavailableError as error:
        raise BadInput(str(error)) from None
    try:
        reference = read_spark(spark, reference_path, "--reference")
        current = read_spark(spark, current_path, "--current")
    except TableError as error:
        raise BadInput(str(error)) from None
    common = [c for c in current.columns if c in reference.columns]
    if not common:
        raise BadInput(f"{reference_path} and {current_path} have no column in common")
    for name in [c for c in reference.columns if c not in common]:
        click.echo(f"note: column {name!r} is only in {reference_path}; not tested", err=True)
    for name in [c for c in current.columns if c not in common]:
        click.echo(f"note: column {name!r} is only in {current_path}; not tested", err=True)
    unknown = sorted(set(kinds or {}) - set(common))
    if unknown:
        raise BadInput(f"column types name columns not in both files: {', '.join(unknown)}")
    try:
        return spark_drift(
            reference,
            current,
            columns=common,
            column_kinds=kinds,
            method=method,
            threshold=threshold,
            drift_share=drift_share,
        )
    except ValueError as error:
        raise BadInput(f"--reference {reference_path}, --current {current_path}: {error}") from None
