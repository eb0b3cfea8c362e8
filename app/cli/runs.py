"""``tandem runs list``: training runs with their params, tags and final metrics."""

from __future__ import annotations

import click

from app.cli.options import checked_system
from app.cli.output import json_text


@click.group()
def runs() -> None:
    """Training runs (ingested or imported from MLflow)."""


@runs.command("list")
@click.option("--system", default=None, callback=checked_system, help="Only this system's runs.")
@click.option("--experiment", default=None, help="Only this experiment's runs.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def list_command(system: str | None, experiment: str | None, fmt: str) -> None:
    """Each run with its status, start, params, tags, final metrics and training dataset."""
    from app.runs import list_runs, runs_table
    from app.store.migrate import ensure_current

    ensure_current()
    found = list_runs(system=system, experiment=experiment)
    if fmt == "json":
        click.echo(json_text([run.to_dict() for run in found]))
    elif found:
        click.echo(runs_table(found))
    else:
        click.echo("No runs.")
