"""The performance rows ingest stores per window: overall, per segment, estimated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.performance.estimation import fit_calibrator
from app.performance.measures import segment_key, window_results


def _window(n: int = 400, labelled: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    scores = rng.random(n)
    labels = (rng.random(n) < scores).astype(float)
    labels[labelled:] = np.nan
    return pd.DataFrame(
        {
            "prediction": scores,
            "label": labels,
            "segment.region": np.where(np.arange(n) % 4 == 0, "APAC", "US"),
            "amount": rng.random(n),
        }
    )


def test_segment_key_drops_the_prefix() -> None:
    assert segment_key("segment.region", "US") == "region=US"


def test_overall_segments_and_estimates() -> None:
    rows = _window()
    calibrator = fit_calibrator(rows["label"].dropna().to_numpy(), rows["prediction"][:300])
    results = window_results(rows, "classification", calibrator, min_segment_rows=50)
    measured = results[~results["estimated"]]
    assert set(measured["segment"]) == {"", "region=US", "region=APAC"}
    overall = measured[measured["segment"] == ""].set_index("metric")
    assert set(overall.index) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert (overall["rows"] == 300).all()
    us = measured[measured["segment"] == "region=US"]
    assert (us["rows"] == 225).all()  # 3 of every 4 labelled rows
    estimated = results[results["estimated"]].set_index("metric")
    assert set(estimated.index) == {"accuracy", "roc_auc"}
    assert (estimated["rows"] == 400).all()  # labelled or not
    assert (estimated["segment"] == "").all()


def test_small_segments_are_not_measured() -> None:
    results = window_results(_window(), "classification", None, min_segment_rows=80)
    assert set(results["segment"]) == {"", "region=US"}  # APAC has 75 labelled rows
    assert not results["estimated"].any()


def test_unlabelled_window_gets_estimates_only() -> None:
    rows = _window(labelled=0)
    calibrator = fit_calibrator(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.1, 0.9, 0.3, 0.7]))
    results = window_results(rows, "classification", calibrator)
    assert results["estimated"].all()
    assert window_results(rows, None, None).empty


def test_regression_windows_are_measured_per_segment() -> None:
    rows = _window().assign(
        prediction=lambda f: f["prediction"] * 100, label=lambda f: f["label"] * 90
    )
    results = window_results(rows, "regression", None, min_segment_rows=50)
    us = results[results["segment"] == "region=US"].set_index("metric")["value"]
    assert set(us.index) == {"mae", "rmse", "mape", "r2"}
    assert us["mae"] > 0
    assert not results["estimated"].any()
    assert results.loc[results["segment"] == "", "rows"].iloc[0] == pytest.approx(300)
