"""`tandem runs list` over the seeded sample data."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.config import PROJECT_ROOT


def _runs(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["runs", "list", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_lists_every_sample_run_with_its_params_and_metrics(seeded_engine: Engine) -> None:
    runs = _runs()
    source = pd.read_csv(PROJECT_ROOT / "sample_data" / "runs.csv", dtype=str)
    assert {r["run_id"] for r in runs} == set(source["run_id"])
    by_id = {r["run_id"]: r for r in runs}
    for row in source.to_dict("records"):
        run = by_id[row["run_id"]]
        assert run["experiment"] == row["experiment"]
        assert run["status"] == row["status"]
        assert run["train_dataset"] == row["train_dataset"]
        assert set(run) >= {"run_id", "experiment", "status", "started_at", "params", "metrics"}
        assert run["tags"] == {}  # the sample runs file has no tag. columns
        params = {k[6:]: v for k, v in row.items() if k.startswith("param.") and pd.notna(v)}
        metrics = {
            k[7:]: float(v) for k, v in row.items() if k.startswith("metric.") and pd.notna(v)
        }
        assert {k: float(v) for k, v in run["params"].items() if _number(v)} == {
            k: float(v) for k, v in params.items() if _number(v)
        }
        assert run["metrics"] == metrics
    starts = [r["started_at"] for r in runs]
    assert starts == sorted(starts, reverse=True)


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def test_filters_by_system_and_experiment(seeded_engine: Engine) -> None:
    fraud = _runs("--system", "fraud-scoring")
    assert fraud
    assert {r["system"] for r in fraud} == {"fraud-scoring"}
    experiment = fraud[0]["experiment"]
    assert {r["experiment"] for r in _runs("--experiment", experiment)} == {experiment}
    assert _runs("--system", "no-such-system") == []


def test_table_format(seeded_engine: Engine) -> None:
    result = CliRunner().invoke(cli, ["runs", "list", "--system", "fraud-scoring"])
    assert result.exit_code == 0, result.output
    assert "run_id" in result.stdout.splitlines()[0]
    assert "fraud" in result.stdout


def test_empty_database(sqlite_engine: Engine) -> None:
    assert _runs() == []
    result = CliRunner().invoke(cli, ["runs", "list"])
    assert result.exit_code == 0
    assert "No runs" in result.stdout
