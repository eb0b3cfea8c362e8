"""`tandem seed`, `tandem status` and `tandem db upgrade` end to end."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli

STATUSES = {"ok", "warn", "critical", "unknown"}
DEVOPS = {"build_test", "release", "change_risk", "operate", "recover"}
MLOPS = {"data", "train", "validate", "deploy", "monitor", "retrain"}


def _status_json(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["status", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_lists_every_system_with_its_three_lanes(seeded_engine: Engine) -> None:
    report = _status_json()
    assert set(report["window"]) == {"since", "until"}
    systems = {s["system"]: s for s in report["systems"]}
    assert len(systems) >= 3
    for system in systems.values():
        assert system["status"] in STATUSES
        assert set(system["lanes"]) == {"devops", "mlops", "impact"}
        assert set(system["lanes"]["devops"]["stages"]) == DEVOPS
        assert set(system["lanes"]["mlops"]["stages"]) == MLOPS
        for lane in system["lanes"].values():
            for stage in lane["stages"].values():
                assert stage["status"] in STATUSES
                for signal in stage["signals"]:
                    assert set(signal) >= {
                        "key",
                        "value",
                        "unit",
                        "status",
                        "warn",
                        "critical",
                        "direction",
                    }


def _signal(report: dict, system: str, key: str) -> dict:
    lanes = next(s for s in report["systems"] if s["system"] == system)["lanes"]
    for lane in lanes.values():
        for stage in lane["stages"].values():
            for signal in stage["signals"]:
                if signal["key"] == key:
                    return signal
    raise KeyError(key)


def test_planted_problems_show_up_where_they_should(seeded_engine: Engine) -> None:
    report = _status_json()
    # checkout-api: a bad deploy burns the error budget and leaves a sev1 open.
    assert _signal(report, "checkout-api", "recover.open_incidents")["status"] != "ok"
    assert _signal(report, "checkout-api", "operate.error_budget_remaining")["status"] == "critical"
    # fraud-scoring: the rolled-back model release.
    assert _signal(report, "fraud-scoring", "deploy.model_change_fail_rate")["status"] == (
        "critical"
    )
    # demand-forecast: CI broke in the last weeks and the model has not been retrained.
    assert _signal(report, "demand-forecast", "ci.pass_rate")["status"] in {"warn", "critical"}
    assert _signal(report, "demand-forecast", "train.last_training_age_d")["status"] == "warn"
    # the plain service has no model.
    checkout = next(s for s in report["systems"] if s["system"] == "checkout-api")
    assert checkout["lanes"]["mlops"]["status"] == "unknown"


def test_status_for_one_system_and_an_explicit_window(seeded_engine: Engine) -> None:
    full = _status_json()
    until = full["window"]["until"]
    report = _status_json(
        "--system", "fraud-scoring", "--until", until, "--since", full["window"]["since"]
    )
    assert [s["system"] for s in report["systems"]] == ["fraud-scoring"]


def test_status_table_names_every_system(seeded_engine: Engine) -> None:
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 0
    for name in ("fraud-scoring", "demand-forecast", "checkout-api"):
        assert name in result.output


def test_unknown_system_and_bad_times_exit_2(seeded_engine: Engine) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["status", "--system", "nope"]).exit_code == 2
    assert runner.invoke(cli, ["status", "--since", "yesterday"]).exit_code == 2
    bad_order = ["status", "--since", "2026-02-01", "--until", "2026-01-01"]
    assert runner.invoke(cli, bad_order).exit_code == 2


def test_seed_twice_adds_nothing(seeded_engine: Engine) -> None:
    result = CliRunner().invoke(cli, ["seed"])
    assert result.exit_code == 0
    assert "nothing to do" in result.output
    forced = CliRunner().invoke(cli, ["seed", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "(0 rows written" in forced.output


def test_commands_refuse_an_unmigrated_database(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 2
    assert "tandem db upgrade" in result.output
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert CliRunner().invoke(cli, ["status"]).exit_code == 0
