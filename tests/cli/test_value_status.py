"""The sample data's bad release (fraud v4) as impact.value_ratio shows it in status and check."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import Engine, select

from app.cli import cli
from app.health.value import version_ratios
from app.health.window import default_window
from app.production.read_value import reference_values, window_values
from app.store.db import session_scope
from app.store.models import System


def _value_signal(report: dict, system: str) -> dict:
    found = next(s for s in report["systems"] if s["system"] == system)
    impact = found["lanes"]["impact"]["stages"]["impact"]["signals"]
    return next(s for s in impact if s["key"] == "impact.value_ratio")


def test_status_shows_the_value_the_bad_release_lost(seeded_engine: Engine) -> None:
    result = CliRunner().invoke(cli, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    signal = _value_signal(report, "fraud-scoring")
    assert signal["status"] == "critical"
    assert signal["value"] < signal["critical"] == 0.5
    with session_scope(seeded_engine) as session:
        window = default_window(session, ["fraud-scoring"])
        assert window is not None
        system_id = session.scalar(select(System.id).where(System.name == "fraud-scoring"))
        valued = window_values(session, [system_id], window.since, window.until)
        ratios = version_ratios(valued[system_id], reference_values(session, [system_id]))
    # The worst version is v4, the release rolled back after a day; v2 and v3 keep theirs.
    assert min(ratios, key=lambda v: ratios[v]) == 4
    assert signal["value"] == ratios[4]
    assert all(ratio > 0.8 for version, ratio in ratios.items() if version != 4)
    # Systems without a value matrix: unknown.
    assert _value_signal(report, "demand-forecast")["value"] is None


def test_check_gates_on_the_value_ratio(seeded_engine: Engine) -> None:
    runner = CliRunner()
    failed = runner.invoke(cli, ["check", "--system", "fraud-scoring"])
    assert failed.exit_code == 1
    assert "impact.value_ratio" in failed.output
    loosen = ["--warn", "0.04", "--critical", "0.02", "--system", "fraud-scoring"]
    result = runner.invoke(cli, ["thresholds", "set", "impact.value_ratio", *loosen])
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, ["check", "--system", "fraud-scoring"])
    assert "impact.value_ratio" not in again.output
