"""`tandem slo list|set`, end to end on the seeded database (exit codes 0 and 2)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.health.slo_edits import slo_history
from app.health.slo_store import slos_for

SYSTEM = "checkout-api"


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _budget(system: str = SYSTEM) -> float | None:
    result = _invoke("status", "--system", system, "--format", "json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["systems"]
    signals = entry["lanes"]["devops"]["stages"]["operate"]["signals"]
    return next(s["value"] for s in signals if s["key"] == "operate.error_budget_remaining")


def test_list_shows_every_system_with_the_built_in_default(seeded_engine: Engine) -> None:
    result = _invoke("slo", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["system"] for r in rows} >= {SYSTEM, "fraud-scoring"}
    row = next(r for r in rows if r["system"] == SYSTEM)
    assert (row["name"], row["sli"], row["target"], row["period_days"], row["min_events"]) == (
        "availability", "availability", 0.999, 28, 100,
    )  # fmt: skip
    assert row["source"] == "default"
    # 28 days: 0.02 * 672 / 1, 0.05 * 672 / 6, 0.10 * 672 / 72
    assert list(row["burn_rate_factors"].values()) == pytest.approx([13.44, 5.6, 0.933333])
    table = _invoke("slo", "list", "--system", SYSTEM)
    assert table.exit_code == 0
    assert "13.4 / 5.6 / 0.933" in table.output


def test_set_saves_audits_and_moves_the_error_budget(seeded_engine: Engine) -> None:
    before = _budget()
    result = _invoke("slo", "set", "availability", "--system", SYSTEM, "--target", "0.99",
                     "--period", "7", "--reason", "weekly SLO")  # fmt: skip
    assert result.exit_code == 0, result.output
    # the built-in default, saved for the first time
    assert (
        "99.9 % of requests without error over 28 days → 99 % of requests without error "
        "over 7 days" in result.output
    )
    (saved,) = slos_for(seeded_engine, SYSTEM)
    assert (saved.target, saved.period_days, saved.version) == (0.99, 7, 1)
    (change,) = slo_history(seeded_engine)
    assert change.reason == "weekly SLO"
    assert _budget() != before
    # a second set changes only what it names
    again = _invoke("slo", "set", "availability", "--system", SYSTEM, "--min-events", "500")
    assert again.exit_code == 0, again.output
    (saved,) = slos_for(seeded_engine, SYSTEM)
    assert (saved.target, saved.period_days, saved.min_events, saved.version) == (0.99, 7, 500, 2)


def test_thresholds_set_leaves_the_error_budget_alone(seeded_engine: Engine) -> None:
    before = _budget()
    moved = _invoke("thresholds", "set", "operate.availability", "--warn", "0.9",
                    "--critical", "0.8", "--system", SYSTEM)  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert _budget() == before


def test_set_a_latency_slo(seeded_engine: Engine) -> None:
    result = _invoke("slo", "set", "fast", "--system", SYSTEM, "--sli", "latency",
                     "--latency-bound-ms", "250", "--target", "0.95")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(new) → 95 % of requests within 250 ms over 28 days" in result.output
    listed = json.loads(_invoke("slo", "list", "--system", SYSTEM, "--format", "json").output)
    assert [(r["name"], r["latency_bound_ms"]) for r in listed] == [("fast", 250.0)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "14"], "the period must be 7, 28, 30 days"),
        (["--target", "1"], "strictly between 0 and 1"),
        (["--sli", "latency"], "a latency SLO needs a bound"),
        (["--latency-bound-ms", "100"], "only a latency SLO has a latency bound"),
    ],
)
def test_set_refuses_bad_input_with_exit_2(
    seeded_engine: Engine, args: list[str], message: str
) -> None:
    result = _invoke("slo", "set", "availability", "--system", SYSTEM, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert slo_history(seeded_engine) == []


def test_unknown_or_blank_system_is_exit_2(seeded_engine: Engine) -> None:
    unknown = _invoke("slo", "set", "availability", "--system", "nope", "--target", "0.99")
    assert unknown.exit_code == 2
    assert "no system named 'nope'" in unknown.output
    assert _invoke("slo", "list", "--system", "nope").exit_code == 2
    assert _invoke("slo", "set", "availability", "--system", " ").exit_code == 2
    assert _invoke("slo", "set", "availability").exit_code == 2  # --system is required
