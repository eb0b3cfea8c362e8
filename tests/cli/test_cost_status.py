"""The sample data's retraining spree, as `tandem status` and `tandem check` see it.

The seed ends the data at 2026-12-01 00:00 UTC (story day 90), 30 days after the
generator's end: fraud-scoring's GPU retrains of story days 62, 73 and 85 land on
2 Nov, 13 Nov and 25 Nov, all in the last 30 days.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli

BUDGET = "cost.month_to_date_vs_budget"


def _status(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["status", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _costs(report: dict, system: str) -> dict[str, dict]:
    found = next(s for s in report["systems"] if s["system"] == system)
    return {s["key"]: s for s in found["lanes"]["impact"]["stages"]["cost"]["signals"]}


def test_the_spree_breaks_fraud_scorings_budget(seeded_engine: Engine) -> None:
    report = _status()
    fraud = _costs(report, "fraud-scoring")
    assert fraud[BUDGET]["status"] == "critical", fraud[BUDGET]
    assert fraud[BUDGET]["value"] > 2  # about 226 % of EUR 250
    assert fraud["cost.training_per_retrain"]["status"] == "ok"
    assert fraud["cost.training_per_retrain"]["note"] == "v3: 6 runs (1 failed or killed), EUR"
    assert 0.5 < fraud["cost.serving_per_1k_predictions"]["value"] < 1
    for system in ("demand-forecast", "checkout-api"):
        assert _costs(report, system)[BUDGET]["status"] == "ok", system
    # checkout-api serves no model: no predictions, no retrain
    checkout = _costs(report, "checkout-api")
    assert checkout["cost.serving_per_1k_predictions"]["status"] == "unknown"
    # a month before the spree, fraud-scoring was well within its budget
    quiet = _costs(_status("--since", "2026-09-25", "--until", "2026-10-25"), "fraud-scoring")
    assert quiet[BUDGET]["status"] == "ok", quiet[BUDGET]
    assert quiet[BUDGET]["value"] < 0.5


def test_check_gates_on_the_budget(seeded_engine: Engine) -> None:
    runner = CliRunner()
    failed = runner.invoke(cli, ["check", "--system", "fraud-scoring"])
    assert failed.exit_code == 1
    gate = [line for line in failed.output.splitlines() if BUDGET in line]
    assert gate, failed.output
    assert gate[0].split()[-1] == "FAIL"
    raised = ["budget", "set", "--system", "fraud-scoring", "--amount", "1000", "--reason", "spree"]
    assert runner.invoke(cli, raised).exit_code == 0
    passed = runner.invoke(cli, ["check", "--system", "fraud-scoring"])
    assert BUDGET not in passed.output
