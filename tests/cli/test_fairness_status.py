"""The planted fairness regression of the sample data, as `tandem status` and `check` see it."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.health.window import default_window
from app.production.read_fairness import system_fairness_gaps
from app.store.db import session_scope


def _fairness_signal(report: dict, system: str) -> dict:
    found = next(s for s in report["systems"] if s["system"] == system)
    monitor = found["lanes"]["mlops"]["stages"]["monitor"]["signals"]
    return next(s for s in monitor if s["key"] == "monitor.fairness_gap")


def test_status_shows_the_reopened_fairness_gap(seeded_engine: Engine) -> None:
    result = CliRunner().invoke(cli, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    signal = _fairness_signal(report, "fraud-scoring")
    assert signal["status"] == "critical"
    assert signal["value"] > signal["critical"] == 0.25
    # The value is v3's newest labelled window's gap, as stored.
    gaps = system_fairness_gaps(seeded_engine, "fraud-scoring")
    with session_scope(seeded_engine) as session:
        window = default_window(session, ["fraud-scoring"])
    assert window is not None
    in_range = gaps[(gaps["window_start"] >= window.since) & (gaps["labelled_rows"] > 0)]
    latest = in_range[in_range["model_version"] == 3].iloc[-1]
    assert signal["value"] == latest["gap"]
    # The story: v2 had closed the gap v1 had; v3's retrain reopened it.
    mean = gaps[gaps["labelled_rows"] > 0].groupby("model_version")["gap"].mean()
    assert mean[2] < 0.15 < mean[3]
    assert mean[1] > mean[2]
    # demand-forecast declares no sensitive column: no value, unknown.
    assert _fairness_signal(report, "demand-forecast")["value"] is None


def test_check_gates_on_the_fairness_gap(seeded_engine: Engine) -> None:
    runner = CliRunner()
    loosen = ["--warn", "0.5", "--critical", "0.6", "--system", "fraud-scoring"]
    result = runner.invoke(cli, ["thresholds", "set", "deploy.model_change_fail_rate", *loosen])
    assert result.exit_code == 0, result.output
    failed = runner.invoke(cli, ["check", "--system", "fraud-scoring"])
    assert failed.exit_code == 1
    assert "monitor.fairness_gap" in failed.output
    result = runner.invoke(cli, ["thresholds", "set", "monitor.fairness_gap", *loosen])
    assert result.exit_code == 0, result.output
    # Other planted regressions (the bad release's value ratio, the blown budget) still gate;
    # the fairness gap no longer does.
    again = runner.invoke(cli, ["check", "--system", "fraud-scoring"])
    assert "monitor.fairness_gap" not in again.output
    assert "impact.value_ratio" in again.output
