"""Every signal against hand-computed values, on SQLite and PostgreSQL.

The numbers in EXPECTED_SHOP are derived in ``scenario.py``'s comments:
each line below says how.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.health import StatusReport, build_status
from app.health.catalog import SIGNALS
from tests.health import scenario

EXPECTED_SHOP: dict[str, float | None] = {
    "ci.pass_rate": 2 / 3,  # p1, p2 succeeded; p3 failed; p4 cancelled, p5 before window
    "ci.duration_p50_min": 20.0,  # median(10, 20, 30)
    "release.deployment_frequency_per_day": 3 / 30,  # d1, d2, d5 over 30 days
    "release.change_lead_time_h": 24.0,  # median(12, 24, 48)
    # d2 (Mar 15), d3 (Mar 20), d4 (Mar 21) recover at d5 (Mar 25): median(240, 120, 96) h
    "release.failed_deployment_recovery_time_h": 120.0,
    "release.change_fail_rate": 3 / 5,  # d2 (incident i1), d3 failed, d4 rolled back
    "release.deployment_rework_rate": 0.0,  # no deployment is marked unplanned
    "operate.availability": 1 - 3 / 4000,
    "operate.error_rate": 3 / 4000,
    "operate.latency_p95_ms": (100 * 1000 + 200 * 3000) / 4000,  # request-weighted
    "operate.error_budget_remaining": 1 - 2 / (0.001 * 3000),  # Mar 3..31 only
    "recover.time_to_restore_h": 10.0,  # median(2, 24, 10)
    "recover.open_incidents": 2.0,  # i3 unresolved, i4 resolved after until
    "data.missing_share": 0.03,  # worst window, column '' only, reference ignored
    "data.out_of_range_share": 0.10,
    "data.schema_violations": 1.0,
    "data.freshness_h": 36.0,  # until - w3's newest row (Mar 29 12:00)
    "train.last_training_age_d": 10.0,  # r4 finished Mar 21
    "train.run_success_rate": 0.5,  # r1, r4 of r1..r4 (r5 running)
    "train.overfit_gap": 0.1,  # (0.9 - 0.81) / 0.9 for auc
    "validate.champion_vs_baseline": 0.74 / 0.8,  # mean(0.76, 0.72) / 0.8
    "deploy.model_deployment_frequency_per_day": 2 / 30,  # m1, m3
    "deploy.model_change_lead_time_h": 36.0,  # median(24 via run r1's finish, 48)
    "deploy.model_failed_deployment_recovery_time_h": 19 * 24.0,  # m2 (Mar 7) -> m3 (Mar 26)
    "deploy.model_change_fail_rate": 1 / 3,  # m2 failed
    "deploy.model_deployment_rework_rate": 0.0,
    "monitor.drift_share": 0.25,  # w2: 1 of 4 features
    "monitor.prediction_drift": 1.0,  # w2's prediction drifted
    "monitor.performance_ratio": 0.72 / 0.8,  # w2, the latest labelled window
    "monitor.segment_gap": 0.09 / 0.72,  # region=b is 0.09 below 0.72
    "monitor.fairness_gap": 0.20,  # w2: sex's equalized odds difference > age's 0.12
    "monitor.multivariate_drift": 0.58,  # w2's domain classifier AUC, the latest window's
    "retrain.retrain_lag_d": 15.0,  # alert at w1's end (Mar 11) -> m3 (Mar 26)
    # the scenario has no KPI, value matrix, bill or run cost: unknown (tests/health/test_cost.py,
    # test_impact.py and test_value_signal.py compute these by hand)
    "impact.kpi_change": None,
    "impact.value_ratio": None,
    "cost.training_per_retrain": None,
    "cost.serving_per_1k_predictions": None,
    "cost.month_to_date_vs_budget": None,
}


def values(report: StatusReport, system: str) -> dict[str, float | None]:
    return {s.key: s.value for s in (report.system(system).signal(d.key) for d in SIGNALS)}


@pytest.fixture
def report(engine: Engine) -> StatusReport:
    scenario.seed(engine)
    return build_status(engine, since=scenario.SINCE, until=scenario.UNTIL)


def test_every_signal_matches_its_hand_computed_value(report: StatusReport) -> None:
    assert set(EXPECTED_SHOP) == {s.key for s in SIGNALS}
    got = values(report, "shop")
    assert got == {k: pytest.approx(v) for k, v in EXPECTED_SHOP.items()}


def test_a_service_without_a_model_has_devops_values_only(report: StatusReport) -> None:
    svc = report.system("svc")
    got = values(report, "svc")
    assert got["operate.availability"] == 1.0
    assert got["operate.error_rate"] == 0.0
    assert got["operate.error_budget_remaining"] == 1.0
    assert got["operate.latency_p95_ms"] is None  # no interval reported a p95
    assert got["recover.open_incidents"] == 0.0  # a running service with no incidents
    assert got["ci.pass_rate"] is None
    assert got["release.deployment_frequency_per_day"] is None  # never deployed: unknown, not 0
    assert not svc.has_model
    assert all(v is None for k, v in got.items() if k.split(".")[0] in _MLOPS_PREFIXES)


_MLOPS_PREFIXES = {"data", "train", "validate", "deploy", "monitor", "retrain"}


def test_a_system_without_data_is_unknown_everywhere(report: StatusReport) -> None:
    assert all(v is None for v in values(report, "empty").values())
    assert report.system("empty").status == "unknown"


def test_windowing_excludes_what_falls_outside(engine: Engine) -> None:
    scenario.seed(engine)
    # [Mar 10, Mar 15): none of the CI runs (Mar 2-5); of the deployments only d1.
    until = scenario.at(3, 15)
    report = build_status(engine, system="shop", since=scenario.at(3, 10), until=until)
    got = values(report, "shop")
    assert got["ci.pass_rate"] is None
    assert got["release.deployment_frequency_per_day"] == pytest.approx(1 / 5)
    assert got["release.change_lead_time_h"] == pytest.approx(12.0)
    assert got["release.failed_deployment_recovery_time_h"] is None  # no failure yet
    assert got["recover.open_incidents"] == 0.0  # i1 opens at 01:00 on the 15th
    assert got["train.last_training_age_d"] == pytest.approx(10 - 2 / 24)  # r1, Mar 5 02:00
    assert got["data.freshness_h"] == pytest.approx(97.0)  # w1's newest row, Mar 10 23:00
    assert got["monitor.drift_share"] == pytest.approx(0.5)  # w1 is the latest
    assert got["retrain.retrain_lag_d"] == pytest.approx(4.0)  # open from Mar 11 to Mar 15
