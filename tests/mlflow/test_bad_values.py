"""Values an MLflow store holds that Tandem's columns cannot: exit 2 naming where, no write.

Written with MLflow's own client; on SQLite and PostgreSQL alike (PostgreSQL used
to end in a DataError, exit 3, where SQLite stored the value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from tests.cli.test_ingest_cli import row_counts
from tests.mlflow.store import EXPERIMENTS, add_run, client_for


def _long_experiment(client: Any) -> tuple[str, str]:
    experiment = client.create_experiment("e" * 250)
    return add_run(client, experiment, 90), "experiment: expected at most 200 characters, got 250"


def _nul_tag(client: Any) -> tuple[str, str]:
    run_id = client.search_runs([client.get_experiment_by_name(EXPERIMENTS[0]).experiment_id])[
        0
    ].info.run_id
    client.set_tag(run_id, "team", "fraud\x00ops")
    return run_id, "tag 'team', tag value: text without NUL"


def _blank_system_tag(client: Any) -> tuple[str, str]:
    experiment = client.get_experiment_by_name(EXPERIMENTS[1]).experiment_id
    run_id = client.search_runs([experiment])[0].info.run_id
    client.set_tag(run_id, "tandem.system", "   ")
    return run_id, "tandem.system tag or experiment): expected a system name of 1 to 200"


@pytest.mark.parametrize(
    "plant",
    [_long_experiment, _nul_tag, _blank_system_tag],
    ids=["experiment", "NUL", "blank system tag"],
)
def test_import_refuses_what_the_columns_cannot_hold(
    mlflow_store: str, engine: Engine, plant: Callable[[Any], tuple[str, str]]
) -> None:
    where, problem = plant(client_for(mlflow_store))
    before = row_counts(engine)
    result = CliRunner().invoke(cli, ["import-mlflow", "--tracking-uri", mlflow_store])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert where in result.output
    assert problem in result.output
    assert row_counts(engine) == before
