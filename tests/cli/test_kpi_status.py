"""The sample data's planted KPI drops, as `tandem status` and `tandem check` see them.

The seed ends the data at 2026-12-01 00:00 UTC (story day 90), so story day
``d`` is 2026-09-02 + ``d`` days: checkout's bad release lands on day 86
(27 Nov), fraud-model v4 served on days 75-76 (16-17 Nov).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli

KEY = "impact.kpi_change"


def _status(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["status", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _kpi(report: dict, system: str) -> dict:
    found = next(s for s in report["systems"] if s["system"] == system)
    signals = found["lanes"]["impact"]["stages"]["impact"]["signals"]
    return next(s for s in signals if s["key"] == KEY)


def test_status_shows_each_planted_drop(seeded_engine: Engine) -> None:
    report = _status()  # the 30 days to the end of the data: every system's event is in them
    for system in ("checkout-api", "fraud-scoring", "demand-forecast"):
        signal = _kpi(report, system)
        assert signal["status"] == "warn", (system, signal)
        assert signal["critical"] < signal["value"] < signal["warn"] == -0.05
    # checkout-api has no model, and its Impact lane is evaluated all the same
    checkout = next(s for s in report["systems"] if s["system"] == "checkout-api")
    assert checkout["has_model"] is False
    assert checkout["lanes"]["impact"]["status"] in ("warn", "critical")


@pytest.mark.parametrize(
    ("system", "since", "until"),
    [
        ("checkout-api", "2026-11-24", "2026-12-01"),  # the week of the bad release
        ("fraud-scoring", "2026-11-15", "2026-11-18"),  # the days v4 served
        ("demand-forecast", "2026-11-29", "2026-12-01"),  # the promotion day
    ],
)
def test_a_window_around_the_event_reads_critical(
    seeded_engine: Engine, system: str, since: str, until: str
) -> None:
    signal = _kpi(_status("--system", system, "--since", since, "--until", until), system)
    assert signal["status"] == "critical", signal
    # and a quiet month earlier is ok
    quiet = _kpi(_status("--system", system, "--since", "2026-09-22", "--until", "2026-10-22"),
                 system)  # fmt: skip
    assert quiet["status"] == "ok", quiet


def test_check_gates_on_the_kpi_change(seeded_engine: Engine) -> None:
    runner = CliRunner()
    system = ["--system", "demand-forecast"]
    tight = ["--warn", "-0.01", "--critical", "-0.02", *system]
    assert runner.invoke(cli, ["thresholds", "set", KEY, *tight]).exit_code == 0
    failed = runner.invoke(cli, ["check", *system])
    assert failed.exit_code == 1
    gate = [line for line in failed.output.splitlines() if KEY in line]
    assert gate, failed.output
    assert gate[0].split()[-1] == "FAIL"
    loose = ["--warn", "-0.9", "--critical", "-1", *system]
    assert runner.invoke(cli, ["thresholds", "set", KEY, *loose]).exit_code == 0
    passed = runner.invoke(cli, ["check", *system])
    assert KEY not in passed.output
