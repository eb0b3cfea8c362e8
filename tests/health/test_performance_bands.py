"""The series' estimate band and the estimate's own status (DLE's regression estimates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.health import performance as views
from app.health.thresholds import default_thresholds

RATIO = default_thresholds()["monitor.performance_ratio"]  # warn 0.95, critical 0.9


def _data(with_bands: bool = True) -> views.Performance:
    windows = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "model_version": [1, 1, 1],
            "window_start": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"], utc=True),
            "rows": [100, 100, 100],
            "labelled_rows": [100, 0, 0],
            "path": ["a", "b", "c"],
        }
    )
    results = pd.DataFrame(
        [
            (1, "mae", "", 10.0, 100, False, None, None),
            (1, "mae", "", 10.5, 100, True, 9.0, 12.0),
            (2, "mae", "", 10.2, 100, True, 8.7, 11.7),  # inside warn (10 / 0.95 = 10.53)
            (3, "mae", "", 14.0, 100, True, 12.5, 15.5),  # past critical (10 / 0.9 = 11.1)
        ],
        columns=views.RESULT_COLUMNS + views.BAND_COLUMNS,
    )
    if not with_bands:
        results = results[views.RESULT_COLUMNS]
    return views.Performance(windows, results, {1: {"mae": 10.0}}, "regression", 1, "mae")


def test_the_estimate_band_and_status_come_with_the_series() -> None:
    series = views.metric_series(_data(), "mae", RATIO)
    assert series["estimated_lower"].tolist() == [9.0, 8.7, 12.5]
    assert series["estimated_upper"].tolist() == [12.0, 11.7, 15.5]
    # labels pending on 2 and 3: no realised status, but the estimate is judged
    assert series["status"].tolist() == [views.OK, views.UNKNOWN, views.UNKNOWN]
    assert series["estimated_status"].tolist() == [views.OK, views.OK, views.CRITICAL]


def test_results_without_bands_give_no_band() -> None:
    series = views.metric_series(_data(with_bands=False), "mae", RATIO)
    assert np.isnan(series["estimated_lower"]).all()
    assert series["estimated"].tolist() == [10.5, 10.2, 14.0]
