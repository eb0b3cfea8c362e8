"""Pure rules: the catalogue, evaluation, aggregation and the small formulas."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.health.catalog import LANES, SIGNALS, SIGNALS_BY_KEY, STAGES, format_value, signals_for
from app.health.champion import lower_is_better, relative_to_baseline
from app.health.dora import DeploymentRow
from app.health.mlops import overfit_gap
from app.health.monitoring import WindowDrift, judged_windows, retrain_lag_days, segment_gap
from app.health.status import Status, evaluate, worst
from app.health.thresholds import ThresholdSpec, default_thresholds

DESIGN_KEYS = {
    "ci.pass_rate", "ci.duration_p50_min", "release.deployment_frequency_per_day",
    "release.change_lead_time_h", "release.failed_deployment_recovery_time_h",
    "release.change_fail_rate", "release.deployment_rework_rate", "operate.availability",
    "operate.error_rate", "operate.latency_p95_ms", "operate.error_budget_remaining",
    "recover.time_to_restore_h", "recover.open_incidents", "data.missing_share",
    "data.out_of_range_share", "data.schema_violations", "data.freshness_h",
    "train.last_training_age_d", "train.run_success_rate", "train.overfit_gap",
    "validate.champion_vs_baseline", "deploy.model_deployment_frequency_per_day",
    "deploy.model_change_lead_time_h", "deploy.model_failed_deployment_recovery_time_h",
    "deploy.model_change_fail_rate", "deploy.model_deployment_rework_rate", "monitor.drift_share",
    "monitor.prediction_drift", "monitor.performance_ratio", "monitor.segment_gap",
    "monitor.multivariate_drift", "monitor.fairness_gap", "retrain.retrain_lag_d",
    "cost.training_per_retrain", "cost.serving_per_1k_predictions", "cost.month_to_date_vs_budget",
    "impact.kpi_change", "impact.value_ratio",
}  # fmt: skip


def spec(direction: str, warn: float, critical: float) -> ThresholdSpec:
    return ThresholdSpec("x", direction, warn, critical, "ratio", None, 0)


def test_catalogue_holds_every_design_signal_once_in_a_known_stage() -> None:
    assert [s.key for s in SIGNALS] == list(SIGNALS_BY_KEY)
    assert set(SIGNALS_BY_KEY) == DESIGN_KEYS
    assert list(LANES) == ["devops", "mlops", "impact"]
    for signal in SIGNALS:
        assert signal.stage in STAGES[signal.lane]
        assert signal.unit in {"ratio", "min", "h", "d", "ms", "per_day", "count", "amount"}
        assert signal.label
        assert signal.description
        bad, worse = (signal.warn, signal.critical)
        assert (bad >= worse) if signal.direction == "higher_is_better" else (bad <= worse)
    for lane, stages in STAGES.items():
        for stage in stages:
            assert signals_for(lane, stage), f"{lane}.{stage} has no signal"
    assert SIGNALS_BY_KEY["release.change_fail_rate"].stage == "change_risk"
    assert SIGNALS_BY_KEY["release.deployment_rework_rate"].stage == "change_risk"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.95, Status.OK), (0.9, Status.OK), (0.89, Status.WARN), (0.75, Status.WARN),
     (0.7, Status.CRITICAL), (None, Status.UNKNOWN), (math.nan, Status.UNKNOWN)],
)  # fmt: skip
def test_higher_is_better_breaches_strictly_below(value: float | None, expected: Status) -> None:
    assert evaluate(value, spec("higher_is_better", 0.9, 0.75)) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, Status.OK), (1, Status.WARN), (2, Status.WARN), (3, Status.CRITICAL),
     (None, Status.UNKNOWN)],
)  # fmt: skip
def test_lower_is_better_breaches_strictly_above(value: float | None, expected: Status) -> None:
    assert evaluate(value, spec("lower_is_better", 0, 2)) is expected


def test_critical_is_checked_before_warn_even_when_bounds_coincide() -> None:
    assert evaluate(5, spec("lower_is_better", 1, 1)) is Status.CRITICAL


def test_worst_ignores_unknown_unless_everything_is_unknown() -> None:
    u, o, w, c = Status.UNKNOWN, Status.OK, Status.WARN, Status.CRITICAL
    assert worst([u, o]) is o
    assert worst([o, w, u]) is w
    assert worst([w, c, o]) is c
    assert worst([u, u]) is u
    assert worst([]) is u
    assert sorted([o, c, u, w], key=lambda s: s.rank) == [o, u, w, c]


def test_format_value_speaks_units() -> None:
    assert format_value("ci.pass_rate", 0.9723) == "97.2 %"
    assert format_value("release.change_lead_time_h", 3.42) == "3.4 h"
    assert format_value("operate.latency_p95_ms", 12.3) == "12 ms"
    assert format_value("release.deployment_frequency_per_day", 0.8) == "0.80 /day"
    assert format_value("release.deployment_frequency_per_day", 2.5) == "2.5 /day"
    assert format_value("ci.duration_p50_min", 12.25) == "12.2 min"
    assert format_value("train.last_training_age_d", 2) == "2.0 d"
    assert format_value("recover.open_incidents", 3) == "3"
    assert format_value("recover.open_incidents", None) == "—"
    assert format_value("ci.pass_rate", math.nan) == "—"


def test_default_thresholds_mirror_the_catalogue() -> None:
    defaults = default_thresholds()
    assert defaults["ci.pass_rate"] == ThresholdSpec(
        "ci.pass_rate", "higher_is_better", 0.9, 0.75, "ratio", None, 0
    )
    assert set(defaults) == DESIGN_KEYS


def test_overfit_gap_is_positive_for_overfitting_in_both_directions() -> None:
    assert overfit_gap({"train_auc": 0.9, "test_auc": 0.81}, "auc") == pytest.approx(0.1)
    assert overfit_gap({"train_rmse": 10.0, "test_rmse": 12.0}, "rmse") == pytest.approx(0.2)
    # Without the validation metric's pair, the first train_X/test_X pair by name.
    assert overfit_gap(
        {"train_mae": 2.0, "test_mae": 3.0, "train_r2": 0.8, "test_r2": 0.4}, "auc"
    ) == pytest.approx(0.5)
    assert overfit_gap({"train_auc": 0.9}, "auc") is None
    assert overfit_gap({"train_auc": 0.0, "test_auc": 0.5}, "auc") is None


def test_baseline_ratio_below_one_is_always_worse() -> None:
    assert lower_is_better("rmse")
    assert lower_is_better("log_loss")
    assert not lower_is_better("auc")
    assert relative_to_baseline(0.72, 0.8, "auc") == pytest.approx(0.9)
    assert relative_to_baseline(12.0, 10.0, "rmse") == pytest.approx(10 / 12)
    assert relative_to_baseline(0.5, 0.0, "auc") is None


def test_segment_gap_is_relative_to_overall() -> None:
    assert segment_gap({"": 0.72, "a": 0.8, "b": 0.63}) == pytest.approx(0.125)
    assert segment_gap({"": 0.72}) is None
    assert segment_gap({"a": 0.5}) is None


def test_retrain_lag_counts_up_to_until_while_the_alert_is_open() -> None:
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    until = t0 + timedelta(days=30)
    quiet = WindowDrift(t0, t0 + timedelta(days=1), 4, 1, False)
    alert = WindowDrift(t0 + timedelta(days=4), t0 + timedelta(days=5), 4, 2, False)
    failed = DeploymentRow(1, "m1", "failed", t0 + timedelta(days=6), None, 2)
    fixed = DeploymentRow(1, "m2", "success", t0 + timedelta(days=8), None, 2)
    assert retrain_lag_days([quiet, alert], [failed], 0.3, until) == pytest.approx(25)
    assert retrain_lag_days([quiet, alert], [failed, fixed], 0.3, until) == pytest.approx(3)
    assert retrain_lag_days([quiet], [], 0.3, until) == 0.0


def test_retrain_lag_ignores_partial_windows_and_versions_not_serving() -> None:
    """A partial day and a replaced version's leftover rows look drifted; neither is judged."""
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    until = t0 + timedelta(days=30)

    def day(n: int, rows: int, drifted: int, version: int) -> WindowDrift:
        start = t0 + timedelta(days=n)
        return WindowDrift(start, start + timedelta(days=1), 8, drifted, False, rows, version)

    v2_live = DeploymentRow(1, "m2", "success", t0 + timedelta(days=3, hours=9), None, 2)
    v3_live = DeploymentRow(1, "m3", "success", t0 + timedelta(days=12), None, 3)
    windows = [
        day(0, 60, 5, 1),  # the data's first, partial day: the hour mix alone drifts
        day(1, 1000, 0, 1),
        day(2, 980, 1, 1),
        day(4, 150, 4, 1),  # v1's rows after v2 took over
        day(4, 850, 0, 2),
        day(5, 1010, 0, 2),
        day(9, 990, 3, 2),  # the real alert: 3 of 8 drifted in a full day
        day(10, 1000, 4, 2),
    ]
    judged = judged_windows(windows, [v2_live, v3_live])
    assert [(w.window_start.day, w.model_version) for w in judged] == [
        (2, 1),
        (3, 1),
        (5, 2),
        (6, 2),
        (10, 2),
        (11, 2),
    ]
    # The alert is raised at the end of day 9 and v3 goes live on day 12: 2 days.
    assert retrain_lag_days(windows, [v2_live, v3_live], 0.3, until) == pytest.approx(2)
    # Unknown sizes and versions are always judged (the day-0 window then alerts).
    unknown = [
        WindowDrift(w.window_start, w.window_end, 8, w.drifted_features, False) for w in windows
    ]
    assert retrain_lag_days(unknown, [v2_live, v3_live], 0.3, until) == pytest.approx(2 + 9 / 24)


def test_public_api_is_exported() -> None:
    import app.health

    assert sorted(app.health.__all__) == sorted(set(app.health.__all__))
    for name in app.health.__all__:
        assert hasattr(app.health, name), name
