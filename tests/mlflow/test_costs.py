"""Run costs read from a real MLflow store by Tandem's convention (``app.ingest.mlflow_costs``).

The store is written by MLflow's own client; costs logged as a metric or as
tags land in ``training_runs``; bad values exit 2 naming the run, writing nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from app.cli import cli
from app.store.db import session_scope
from app.store.models import TrainingRun
from tests.cli.test_ingest_cli import row_counts
from tests.mlflow.store import EXPERIMENTS, client_for


def _runs(client: Any) -> list[str]:
    experiment = client.get_experiment_by_name(EXPERIMENTS[0]).experiment_id
    return sorted(r.info.run_id for r in client.search_runs([experiment]))


def _stored(engine: Engine) -> dict[str, tuple[object, ...]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                TrainingRun.run_id,
                TrainingRun.cost,
                TrainingRun.currency,
                TrainingRun.compute_hours,
            )
        ).all()
    return {run_id: tuple(rest) for run_id, *rest in rows}


def test_costs_from_metrics_and_tags(mlflow_store: str, engine: Engine) -> None:
    client = client_for(mlflow_store)
    by_metric, by_tag, without = _runs(client)[:3]
    client.log_metric(by_metric, "tandem.cost", 41.5)
    client.log_metric(by_metric, "tandem.compute_hours", 3.25)
    client.set_tag(by_metric, "tandem.currency", "eur")
    client.set_tag(by_metric, "tandem.cost", "999")  # the metric wins
    client.set_tag(by_tag, "tandem.cost", "12.75")
    client.set_tag(by_tag, "tandem.currency", "USD")
    client.set_tag(by_tag, "tandem.compute_hours", "0.5")
    result = CliRunner().invoke(cli, ["import-mlflow", "--tracking-uri", mlflow_store])
    assert result.exit_code == 0, result.output
    stored = _stored(engine)
    assert stored[by_metric] == (41.5, "EUR", 3.25)
    assert stored[by_tag] == (12.75, "USD", 0.5)
    assert stored[without] == (None, None, None)
    again = CliRunner().invoke(cli, ["import-mlflow", "--tracking-uri", mlflow_store])
    assert again.exit_code == 0, again.output
    assert _stored(engine) == stored


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        ({"tandem.cost": "cheap", "tandem.currency": "EUR"}, "tandem.cost: expected a finite"),
        ({"tandem.cost": "-3", "tandem.currency": "EUR"}, "tandem.cost: expected a finite"),
        ({"tandem.cost": "3"}, "tandem.currency: expected a currency tag with tandem.cost"),
        ({"tandem.cost": "3", "tandem.currency": "E1"}, "tandem.currency: expected a three"),
        ({"tandem.compute_hours": "inf"}, "tandem.compute_hours: expected a finite"),
    ],
)
def test_bad_costs_refused_naming_the_run(
    mlflow_store: str, engine: Engine, tags: dict[str, str], problem: str
) -> None:
    client = client_for(mlflow_store)
    run_id = _runs(client)[1]
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
    before = row_counts(engine)
    result = CliRunner().invoke(cli, ["import-mlflow", "--tracking-uri", mlflow_store])
    assert result.exit_code == 2, result.output
    assert f"run {run_id}: {problem}" in result.output
    assert row_counts(engine) == before
