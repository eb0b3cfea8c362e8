"""On the seeded sample data: the documented CBPE tolerance and the bad release's drop.

The tolerance (module docstring of :mod:`app.production.estimation`, README):
on windows with at least 300 labelled rows, |estimated − realised| ≤ 0.03 for
accuracy and ≤ 0.10 for ROC AUC on at least 90 % of them. The bad release
(fraud v4) may disagree: its scores no longer mean what they meant on its
training data, which is exactly what CBPE cannot see.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine

from app.health import performance as views
from app.health.thresholds import default_thresholds

RATIO = default_thresholds()["monitor.performance_ratio"]  # warn 0.95, critical 0.9
GAP = default_thresholds()["monitor.segment_gap"]  # warn 0.05, critical 0.10

MIN_LABELLED = 300
TOLERANCE = {"accuracy": 0.03, "roc_auc": 0.10}
SHARE = 0.90


@pytest.fixture(scope="module")
def fraud(seeded_template) -> views.Performance:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{seeded_template / 'tandem.db'}")
    try:
        return views.load(engine, "fraud-scoring")
    finally:
        engine.dispose()


def _compared(data: views.Performance, metric: str) -> pd.DataFrame:
    series = views.metric_series(data, metric, RATIO)
    enough = series["labelled_rows"] >= MIN_LABELLED
    return series[enough & series["realised"].notna() & series["estimated"].notna()]


@pytest.mark.parametrize("metric", sorted(TOLERANCE))
def test_estimate_agrees_with_realised_within_the_documented_tolerance(
    fraud: views.Performance, metric: str
) -> None:
    compared = _compared(fraud, metric)
    assert len(compared) >= 60
    error = (compared["estimated"] - compared["realised"]).abs()
    assert (error <= TOLERANCE[metric]).mean() >= SHARE, error.describe()


def test_every_window_has_an_estimate_and_unlabelled_ones_no_realised_value(
    fraud: views.Performance,
) -> None:
    series = views.metric_series(fraud, "accuracy", RATIO)
    assert series["estimated"].notna().all()
    pending = series[series["labelled_rows"] == 0]
    assert len(pending) >= 5  # the label delay at the end of the sample data
    assert pending["realised"].isna().all()
    assert (pending["status"] == views.UNKNOWN).all()  # labels pending: no data


def test_bad_release_is_a_performance_drop(fraud: views.Performance) -> None:
    # Only windows with enough labels: v4 was rolled back early on the next day, whose few
    # dozen v4 rows say little (their AUC can be anything).
    series = views.metric_series(fraud, "roc_auc", RATIO)
    series = series[series["labelled_rows"] >= MIN_LABELLED]
    v4 = series[series["model_version"] == 4]
    v3 = series[series["model_version"] == 3]
    assert len(v4) >= 1
    # Worse than every day of the champion it replaced (only the ETL break is as bad).
    assert v4["realised"].max() < v3["realised"].min()
    assert (v4["status"] != views.OK).all()  # outside its own band too
    champion_floor = fraud.baselines[3]["roc_auc"] * 0.95
    assert v4["realised"].max() < champion_floor
    accuracy = views.metric_series(fraud, "accuracy", RATIO)
    accuracy = accuracy[accuracy["labelled_rows"] >= MIN_LABELLED]
    assert accuracy.loc[accuracy["model_version"] == 4, "realised"].max() < 0.9


def test_segments_are_stored_per_value(fraud: views.Performance, seeded_engine: Engine) -> None:
    assert views.segment_columns(fraud) == ["channel", "region"]
    latest = views.metric_series(fraud, "roc_auc", RATIO).dropna(subset=["realised"]).iloc[-1]
    table = views.segment_table(fraud, int(latest["window_id"]), "roc_auc", "region", GAP)
    assert set(table["segment"]) == {"US", "EU", "APAC"}
    assert (table["labelled_rows"] >= 100).all()


def test_versions_overlap_on_switch_days(fraud: views.Performance) -> None:
    overlaps = views.overlapping_versions(views.metric_series(fraud, "roc_auc", RATIO))
    pairs = {tuple(sorted(g)) for _, g in overlaps.groupby("window_start")["model_version"]}
    assert pairs == {(1, 2), (2, 3), (3, 4)}
