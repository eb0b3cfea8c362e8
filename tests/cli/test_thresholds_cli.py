"""`tandem thresholds list|set` and the `tandem check` CI gate, end to end."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.health.catalog import SIGNALS
from app.health.threshold_edits import change_history
from tests.pages.conftest import run_app

SYSTEM = "fraud-scoring"


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _tile_critical(app, stage_label: str) -> bool:
    html = "\n".join(str(h.proto) for h in app.get("html"))
    return f"{stage_label}: Critical" in html


def _healthy_fraud_scoring() -> None:
    """Loosen the sample data's planted criticals of fraud-scoring (its rolled-back model, the
    fairness gap its v3 retrain reopened, the business value v4 lost, the retraining spree that
    blew the monthly budget)."""
    for signal, warn, critical in (
        ("deploy.model_change_fail_rate", "0.5", "0.6"),
        ("monitor.fairness_gap", "0.5", "0.6"),
        ("impact.value_ratio", "0.03", "0.02"),
        ("cost.month_to_date_vs_budget", "5", "6"),
    ):
        result = _invoke(
            "thresholds", "set", signal, "--warn", warn, "--critical", critical, "--system", SYSTEM
        )
        assert result.exit_code == 0, result.output
    assert _invoke("check", "--system", SYSTEM).exit_code == 0


def test_breaching_threshold_fails_check_and_turns_tile_critical(seeded_engine: Engine) -> None:
    """The acceptance: tighten → exit 1 and a critical tile; loosen → both back; two audit rows."""
    _healthy_fraud_scoring()
    query = {"system": SYSTEM}
    assert not _tile_critical(run_app(query), "Build &amp; test")

    tighten = _invoke(
        "thresholds", "set", "ci.pass_rate", "--warn", "0.999", "--critical", "0.99",
        "--system", SYSTEM, "--reason", "gate test",
    )  # fmt: skip
    assert tighten.exit_code == 0, tighten.output
    failed = _invoke("check", "--system", SYSTEM)
    assert failed.exit_code == 1, failed.output
    assert "ci.pass_rate" in failed.output
    assert "FAIL" in failed.output
    app = run_app(query)
    assert not app.exception
    assert _tile_critical(app, "Build &amp; test")

    loosen = _invoke(
        "thresholds", "set", "ci.pass_rate", "--warn", "0.5", "--critical", "0.4",
        "--system", SYSTEM,
    )  # fmt: skip
    assert loosen.exit_code == 0, loosen.output
    assert _invoke("check", "--system", SYSTEM).exit_code == 0
    assert not _tile_critical(run_app(query), "Build &amp; test")

    audit = change_history(seeded_engine, scope=SYSTEM, signal="ci.pass_rate")
    assert [(c.new_warn, c.new_critical) for c in audit] == [(0.5, 0.4), (0.999, 0.99)]
    assert audit[1].reason == "gate test"
    assert audit[1].old_warn is None  # it was inherited before


def test_check_fails_on_the_planted_problems_and_strict_fails_on_warn(
    seeded_engine: Engine,
) -> None:
    assert _invoke("check").exit_code == 1
    _healthy_fraud_scoring()
    # fraud-scoring still has warn signals: --strict refuses them
    strict = _invoke("check", "--system", SYSTEM, "--strict")
    assert strict.exit_code == 1
    assert "warn" in strict.output


def test_check_bad_input_exits_2(seeded_engine: Engine) -> None:
    assert _invoke("check", "--system", "nope").exit_code == 2


def test_check_on_an_empty_database_exits_2(sqlite_engine: Engine) -> None:
    result = _invoke("check")
    assert result.exit_code == 2
    assert "no systems" in result.output


def test_list_json_has_every_signal_and_overrides(seeded_engine: Engine) -> None:
    _healthy_fraud_scoring()
    rows = json.loads(_invoke("thresholds", "list", "--format", "json").stdout)
    global_rows = [r for r in rows if r["scope"] == ""]
    assert len(global_rows) == len(SIGNALS)
    assert {r["source"] for r in global_rows} == {"default"}
    override = [r for r in rows if r["scope"] == SYSTEM]
    assert sorted((r["signal"], r["warn"]) for r in override) == [
        ("cost.month_to_date_vs_budget", 5.0),
        ("deploy.model_change_fail_rate", 0.5),
        ("impact.value_ratio", 0.03),
        ("monitor.fairness_gap", 0.5),
    ]
    # a row's version is the id of the change that wrote it
    last_change = {c.signal: c.id for c in reversed(change_history(seeded_engine, scope=SYSTEM))}
    assert {r["signal"]: r["version"] for r in override} == last_change
    mine = json.loads(_invoke("thresholds", "list", "--system", SYSTEM, "--format", "json").stdout)
    by_signal = {r["signal"]: r for r in mine}
    assert by_signal["deploy.model_change_fail_rate"]["source"] == "system"
    assert by_signal["ci.pass_rate"]["source"] == "default"
    table = _invoke("thresholds", "list")
    assert table.exit_code == 0
    assert "ci.pass_rate" in table.output


def test_set_writes_an_audit_row_named_after_the_user(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "carol")
    result = _invoke("thresholds", "set", "ci.pass_rate", "--critical", "0.6")
    assert result.exit_code == 0, result.output
    assert "0.75 → 0.6" in result.output
    (change,) = change_history(sqlite_engine)
    assert (change.changed_by, change.new_warn, change.new_critical) == ("carol", 0.9, 0.6)


@pytest.mark.parametrize(
    "args",
    [
        ["ci.pass_rate", "--warn", "0.5", "--critical", "0.9"],  # wrong side
        ["data.missing_share", "--warn", "0.5", "--critical", "1.5"],  # a share above 1
        ["no.such_signal", "--warn", "1"],
        ["ci.pass_rate"],  # neither bound
        ["ci.pass_rate", "--warn", "0.9", "--system", "ghost"],
        ["ci.pass_rate", "--warn", "abc"],
    ],
)
def test_set_rejects_bad_input_with_exit_2(sqlite_engine: Engine, args: list[str]) -> None:
    result = _invoke("thresholds", "set", *args)
    assert result.exit_code == 2, result.output
    assert change_history(sqlite_engine) == []
