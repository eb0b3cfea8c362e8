"""``tandem import-mlflow``: runs, histories, datasets and registered models from MLflow.

Needs the optional extra ``[mlflow]`` (``pip install 'tandem-dashboard[mlflow]'``).
"""

from __future__ import annotations

import importlib.util

import click

from app.cli.group import BadInput
from app.cli.options import checked_system


@click.command("import-mlflow")
@click.option(
    "--tracking-uri",
    required=True,
    help="MLflow tracking URI: sqlite:///mlflow.db, ./mlruns, file:///..., postgresql://...",
)
@click.option("--experiment", default=None, help="Only this experiment (and its models).")
@click.option(
    "--system",
    default=None,
    callback=checked_system,
    help="System the runs belong to (default: the run's tandem.system tag, else its experiment).",
)
def import_mlflow(tracking_uri: str, experiment: str | None, system: str | None) -> None:
    """Import experiments, runs, metric histories, datasets and registered models.

    Re-importing adds nothing; new runs, points and aliases are picked up.
    """
    if importlib.util.find_spec("mlflow") is None:
        raise BadInput("MLflow is not installed: pip install 'tandem-dashboard[mlflow]'")
    from app.ingest.mlflow_import import import_mlflow as run_import
    from app.store.migrate import ensure_current

    ensure_current()
    summary = run_import(tracking_uri, experiment=experiment, system=system, progress=True)
    click.echo(summary.describe())
