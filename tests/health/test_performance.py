"""The page's data: series with band and label delay, segment gaps, confusion, overlaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.health import performance as views
from app.health.status import Status, evaluate
from app.health.thresholds import default_thresholds

RATIO = default_thresholds()["monitor.performance_ratio"]  # warn 0.95, critical 0.9
GAP = default_thresholds()["monitor.segment_gap"]  # warn 0.05, critical 0.10


def _data(metric: str = "roc_auc", baseline: float = 0.9) -> views.Performance:
    days = pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-02", "2026-01-03"], utc=True)
    windows = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "model_version": [1, 1, 2, 2],
            "window_start": days,
            "rows": [100, 100, 50, 80],
            "labelled_rows": [100, 100, 50, 0],
            "path": ["a", "b", "c", "d"],
        }
    )
    results = pd.DataFrame(
        [
            (1, metric, "", 0.88, 100, False),
            (1, metric, "region=US", 0.90, 60, False),
            (1, metric, "region=EU", 0.80, 40, False),
            (1, metric, "", 0.87, 100, True),
            (2, metric, "", 0.80, 100, False),  # 0.80 / 0.9 = 0.89: critical
            (3, metric, "", 0.85, 50, False),  # 0.85 / 0.9 = 0.944: warn
            (4, metric, "", 0.0, 80, False),  # a stray zero in an unlabelled window
            (4, metric, "", 0.86, 80, True),
        ],
        columns=views.RESULT_COLUMNS,
    )
    baselines = {1: {metric: baseline}, 2: {metric: baseline}}
    return views.Performance(windows, results, baselines, "classification", 2, metric)


def test_series_marks_pending_windows_and_the_band() -> None:
    series = views.metric_series(_data(), "roc_auc", RATIO)
    assert series["status"].tolist() == [views.OK, views.CRITICAL, views.WARN, views.UNKNOWN]
    assert np.isnan(series.loc[3, "realised"])  # labels pending, never zero
    assert series.loc[3, "estimated"] == 0.86
    assert series["labelled_share"].tolist() == [1.0, 1.0, 1.0, 0.0]
    assert series.loc[0, "warn_bound"] == pytest.approx(0.855)
    assert series.loc[0, "critical_bound"] == pytest.approx(0.81)
    assert series.loc[1, "ratio"] == pytest.approx(0.8 / 0.9)


def test_series_keeps_the_last_days() -> None:
    series = views.metric_series(_data(), "roc_auc", RATIO, days=2)
    assert series["window_id"].tolist() == [2, 3, 4]


def test_lower_is_better_band_sits_above_the_baseline() -> None:
    series = views.metric_series(_data("mae", 10.0), "mae", RATIO)
    assert series.loc[0, "warn_bound"] == pytest.approx(10 / 0.95)
    assert series.loc[0, "status"] == views.OK  # 0.88 is far below an MAE of 10


def test_segment_table_gaps_are_relative_and_flagged() -> None:
    data = _data()
    assert views.segment_columns(data) == ["region"]
    table = views.segment_table(data, 1, "roc_auc", "region", GAP)
    assert table["segment"].tolist() == ["EU", "US"]  # largest gap first
    assert table["gap"].tolist() == pytest.approx([(0.80 - 0.88) / 0.88, (0.90 - 0.88) / 0.88])
    assert table["flagged"].tolist() == [True, False]
    assert table["status"].tolist() == [views.WARN, views.OK]
    assert views.segment_table(data, 2, "roc_auc", "region", GAP).empty


def test_confusion_matrix_and_residuals() -> None:
    rows = pd.DataFrame(
        {"prediction": [0.1, 0.7, 0.9, 0.4, 0.6], "label": [0.0, 0.0, 1.0, 1.0, np.nan]}
    )
    table = views.confusion_matrix(rows)
    assert table.to_numpy().tolist() == [[1, 1], [1, 1]]
    assert views.residuals(rows)["residual"].tolist() == pytest.approx([-0.1, -0.7, 0.1, 0.6])


def test_overlapping_versions_are_the_shared_days() -> None:
    series = views.metric_series(_data(), "roc_auc", RATIO)
    overlaps = views.overlapping_versions(series)
    assert overlaps["window_id"].tolist() == [2, 3]
    assert overlaps["model_version"].tolist() == [1, 2]


def test_a_window_without_a_baseline_is_unknown_never_ok() -> None:
    data = _data()
    data.baselines.pop(2)  # version 2 has no validation value and no test metric
    series = views.metric_series(data, "roc_auc", RATIO)
    assert series.loc[2, "realised"] == 0.85  # measured, but nothing to hold it against
    assert series.loc[2, "status"] == views.UNKNOWN
    assert views.window_status(0.85, float("nan"), "roc_auc", RATIO) == Status.UNKNOWN


def test_window_status_is_the_health_evaluation() -> None:
    """Same rule as every signal: a ratio equal to a bound is not a breach."""
    for realised, expected in ((0.9 * 0.95, Status.OK), (0.9 * 0.93, Status.WARN),
                               (0.9 * 0.9, Status.WARN), (0.9 * 0.8, Status.CRITICAL)):  # fmt: skip
        ratio = realised / 0.9
        assert views.window_status(realised, 0.9, "roc_auc", RATIO) == evaluate(ratio, RATIO)
        assert views.window_status(realised, 0.9, "roc_auc", RATIO) == expected


def test_segment_gaps_beyond_critical_are_critical_and_flagged() -> None:
    data = _data()
    results = data.results.copy()
    results.loc[results["segment"] == "region=EU", "value"] = 0.70  # gap -20 %: critical
    results.loc[results["segment"] == "region=US", "value"] = 0.88 * 1.07  # +7 %: warn
    data = views.Performance(data.windows, results, data.baselines, "classification", 2, "roc_auc")
    table = views.segment_table(data, 1, "roc_auc", "region", GAP)
    assert table["status"].tolist() == [views.CRITICAL, views.WARN]
    assert table["flagged"].tolist() == [True, True]
