"""``tandem alert-rules``: promtool accepts the file, and its burn-rate alerts fire as computed.

The burn-rate tests run the generated rules through ``promtool test rules``
(Prometheus' own rule evaluator) over synthetic request counters.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.alerts.objectives import burn_windows
from app.alerts.rules import PrometheusSource, alert_rules, render_rules
from app.cli import cli
from app.health.slo_store import SloSpec
from tests.support.tools import require

SYSTEM = "checkout"


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    require(
        found is not None, "promtool is not installed (scripts/install-test-deps.sh installs it)"
    )
    assert found is not None
    return found


def test_promtool_accepts_the_rules_of_the_sample_data(
    promtool: str, seeded_engine: Engine, tmp_path: Path
) -> None:
    """Every signal's two alerts, plus the SLO rules of one system fed from Prometheus."""
    result = CliRunner().invoke(cli, ["alert-rules", "--prometheus", "fraud-scoring"])
    assert result.exit_code == 0, result.output
    rules = tmp_path / "rules.yml"
    rules.write_text(result.output)
    checked = subprocess.run(
        [promtool, "check", "rules", str(rules)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
    assert "TandemOperateAvailabilityCritical" in result.output
    assert 'sloth_service: "fraud-scoring"' in result.output


def test_unknown_prometheus_system_is_refused(sqlite_engine: Engine) -> None:
    result = CliRunner().invoke(cli, ["alert-rules", "--prometheus", "nope"])
    assert result.exit_code == 2
    assert "no system named 'nope'" in result.output


def test_burn_factors_keep_the_workbook_budget_shares_on_any_period() -> None:
    # factor = share * period_hours / long_hours
    # 30 d: 0.02 * 720 / 1 = 14.4, 0.05 * 720 / 6 = 6, 0.10 * 720 / 72 = 1 (the workbook's)
    assert [round(w.factor, 6) for w in burn_windows(30)] == [14.4, 6.0, 1.0]
    # 7 d: 0.02 * 168 / 1 = 3.36, 0.05 * 168 / 6 = 1.4, 0.10 * 168 / 72 = 0.233...
    assert [round(w.factor, 6) for w in burn_windows(7)] == [3.36, 1.4, 0.233333]
    assert [(w.long, w.short) for w in burn_windows(7)] == [
        ("1h", "5m"),
        ("6h", "30m"),
        ("3d", "6h"),
    ]


def _alert(rules: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == name)


def _promtool_test(
    promtool: str, tmp_path: Path, objective: SloSpec, ok: str, errors: str, expected: dict
) -> subprocess.CompletedProcess[str]:
    """Counters growing by ``ok``/``errors`` per minute for 2 h; alerts checked at 65 min."""
    rules = alert_rules([objective], [PrometheusSource(SYSTEM)])
    (tmp_path / "rules.yml").write_text(render_rules(rules))
    cases = []
    for name, fires in expected.items():
        alert = _alert(rules, name)
        window = name.removeprefix("TandemSlo").removeprefix("FastBurn").removeprefix("SlowBurn")
        exp = [
            {
                "exp_labels": alert["labels"] | {"sloth_window": window},
                "exp_annotations": alert["annotations"],
            }
        ]
        cases.append({"eval_time": "65m", "alertname": name, "exp_alerts": exp if fires else []})
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{code="200"}', "values": f"0+{ok}x120"},
                    {"series": 'http_requests_total{code="500"}', "values": f"0+{errors}x120"},
                ],
                "alert_rule_test": cases,
            }
        ],
    }
    (tmp_path / "test.yml").write_text(json.dumps(test))  # JSON is YAML
    return subprocess.run(
        [promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True
    )


# A 7-day 99 % SLO: budget 1 %, fastest alert at 3.36x, i.e. an error ratio above
# 3.36 * 0.01 = 3.36 % over both 1 h and 5 min: 1 h at 3.36x spends 3.36 / 168 = 2 % of
# the 7-day budget. (The 30-day factor 14.4 would wait for 14.4 %, 8.6 % of the budget.)
SEVEN_DAYS = SloSpec(SYSTEM, "availability", "availability", 0.99, 7, min_events=100)


def test_seven_day_slo_pages_above_2_percent_of_its_budget_in_an_hour(
    promtool: str, tmp_path: Path
) -> None:
    # 960 good + 40 failed requests a minute: 4 % errors = 4x burn > 3.36x: both fast burns fire
    result = _promtool_test(
        promtool, tmp_path, SEVEN_DAYS, "960", "40",
        {"TandemSloFastBurn1h": True, "TandemSloFastBurn6h": True},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_seven_day_slo_does_not_page_below_2_percent_of_its_budget_in_an_hour(
    promtool: str, tmp_path: Path
) -> None:
    # 970 + 30 a minute: 3 % errors = 3x burn: 1 h spends 3 / 168 = 1.8 % of the budget, no
    # 1 h page; the 6 h alert (1.4x, 5 % in 6 h) fires on the same ratio.
    result = _promtool_test(
        promtool, tmp_path, SEVEN_DAYS, "970", "30",
        {"TandemSloFastBurn1h": False, "TandemSloFastBurn6h": True},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_low_traffic_gate_holds_back_a_burn_of_a_few_requests(
    promtool: str, tmp_path: Path
) -> None:
    # 0.5 good + 0.5 failed a minute: 50 % errors, but ~60 requests an hour < 100: no page.
    held = _promtool_test(
        promtool, tmp_path, SEVEN_DAYS, "0.5", "0.5", {"TandemSloFastBurn1h": False}
    )
    assert held.returncode == 0, held.stdout + held.stderr
    # The same traffic with a gate of 10 requests pages.
    gated_at_10 = SloSpec(SYSTEM, "availability", "availability", 0.99, 7, min_events=10)
    paged = _promtool_test(
        promtool, tmp_path, gated_at_10, "0.5", "0.5", {"TandemSloFastBurn1h": True}
    )
    assert paged.returncode == 0, paged.stdout + paged.stderr
