"""DLE: the estimate tracks realised MAE/RMSE without shift, follows a covariate shift, its band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.production.dle import (
    BAND_SIGMAS,
    MIN_FIT_ROWS,
    Estimate,
    Nanny,
    dle_results,
    estimate,
    fit_nanny,
    nanny_of,
    with_dle,
)
from app.production.performance import performance_metrics

FEATURES = ["size", "shop"]


def rows(n: int, seed: int, low: float = 0.0, high: float = 10.0) -> pd.DataFrame:
    """Heteroscedastic data: the error grows with ``size`` and doubles in shop ``b``.

    The model predicts the mean exactly, so the error is the noise alone and
    its size depends on the features only (no concept drift by construction).
    """
    rng = np.random.default_rng(seed)
    size = rng.uniform(low, high, n)
    shop = rng.choice(["a", "b", "c"], n)
    scale = (0.5 + size) * np.where(shop == "b", 2.0, 1.0)
    prediction = 3.0 * size + 5.0
    return pd.DataFrame(
        {
            "prediction": prediction,
            "label": prediction + rng.normal(0.0, scale),
            "size": size,
            "shop": pd.Series(shop, dtype=object),
        }
    )


def realised(frame: pd.DataFrame) -> dict[str, float]:
    return performance_metrics(frame["label"], frame["prediction"], "regression")


@pytest.fixture(scope="module")
def nanny() -> Nanny:
    fitted = fit_nanny(rows(5000, 1), FEATURES)
    assert fitted is not None
    return fitted


def by_metric(frame: pd.DataFrame, nanny: Nanny) -> dict[str, Estimate]:
    return {e.metric: e for e in estimate(frame, nanny)}


def test_without_shift_the_estimate_tracks_realised_mae_and_rmse(nanny: Nanny) -> None:
    misses = []
    for seed in range(10, 20):
        window = rows(1000, seed)
        found = by_metric(window.assign(label=np.nan), nanny)  # labels not needed
        truth = realised(window)
        for metric in ("mae", "rmse"):
            if abs(found[metric].value - truth[metric]) > 0.08 * truth[metric]:
                misses.append((seed, metric))
    assert not misses


def test_a_covariate_shift_that_raises_the_error_raises_the_estimate(nanny: Nanny) -> None:
    calm = rows(1000, 30)
    shifted = rows(1000, 31, low=7.0, high=10.0)  # big sizes only, inside the reference's range
    calm_mae = by_metric(calm, nanny)["mae"]
    shifted_mae = by_metric(shifted, nanny)["mae"]
    assert realised(shifted)["mae"] > 1.5 * realised(calm)["mae"]
    assert shifted_mae.value == pytest.approx(realised(shifted)["mae"], rel=0.08)
    assert shifted_mae.lower > calm_mae.upper
    shifted_rmse = by_metric(shifted, nanny)["rmse"]
    assert shifted_rmse.value == pytest.approx(realised(shifted)["rmse"], rel=0.08)


def test_the_band_is_nannymls_sampling_error() -> None:
    reference = rows(3000, 2)
    nanny = fit_nanny(reference, FEATURES)
    assert nanny is not None
    error = reference["prediction"] - reference["label"]
    for n in (100, 900):
        found = by_metric(rows(n, 3), nanny)
        mae, rmse = found["mae"], found["rmse"]
        mae_error = np.std(np.abs(error)) / np.sqrt(n)
        squared = error**2
        rmse_error = np.sqrt(np.std(squared) ** 2 / (4 * n * np.mean(squared)))
        assert mae.upper - mae.value == pytest.approx(BAND_SIGMAS * mae_error)
        assert mae.value - mae.lower == pytest.approx(BAND_SIGMAS * mae_error)
        assert rmse.upper - rmse.value == pytest.approx(BAND_SIGMAS * rmse_error)


def test_unknown_categories_missing_values_and_missing_columns_still_estimate(nanny: Nanny) -> None:
    window = rows(200, 4)
    window.loc[:50, "shop"] = "z"  # never in the reference
    window.loc[50:80, "size"] = np.nan
    window.loc[0, "prediction"] = np.nan  # not scored
    assert {e.metric: e.rows for e in estimate(window, nanny)} == {"mae": 199, "rmse": 199}
    assert len(estimate(window.drop(columns="shop"), nanny)) == 2


def test_too_few_labelled_reference_rows_give_no_nanny_and_no_results() -> None:
    reference = rows(MIN_FIT_ROWS + 10, 5)
    reference.loc[:20, "label"] = np.nan
    assert fit_nanny(reference, FEATURES) is None
    assert dle_results(rows(50, 6), None).empty


def test_results_are_estimated_overall_rows_with_their_band(nanny: Nanny) -> None:
    results = dle_results(rows(500, 7), nanny)
    assert list(results["metric"]) == ["mae", "rmse"]
    assert results["estimated"].all()
    assert (results["segment"] == "").all()
    assert (results["rows"] == 500).all()
    assert (results["lower"] < results["value"]).all()
    assert (results["value"] < results["upper"]).all()


def test_a_reference_is_fitted_once_per_content() -> None:
    reference = rows(1000, 8).assign(timestamp=pd.Timestamp("2026-01-01", tz="UTC"))
    first = nanny_of(reference)
    assert first is not None
    assert nanny_of(reference.copy()) is first
    assert nanny_of(reference.assign(label=reference["label"] + 1)) is not first


def test_with_dle_adds_the_estimates_to_the_measured_results(nanny: Nanny) -> None:
    window = rows(300, 9)
    measured = pd.DataFrame(
        [("mae", "", 1.0, 300, False)], columns=["metric", "segment", "value", "rows", "estimated"]
    )
    both = with_dle(measured, window, nanny)
    assert list(zip(both["metric"], both["estimated"], strict=True)) == [
        ("mae", False),
        ("mae", True),
        ("rmse", True),
    ]
    assert both["estimated"].dtype == bool
    assert np.isnan(both.loc[0, "lower"])
    assert with_dle(measured, window, None) is measured
    assert len(with_dle(measured.iloc[:0], window, nanny)) == 2


def test_categories_match_as_text() -> None:
    """A window whose category column arrives as numbers matches the reference's text."""
    reference = rows(1000, 10)
    reference["shop"] = reference["shop"].map({"a": "1", "b": "2", "c": "3"})
    nanny = fit_nanny(reference, FEATURES)
    assert nanny is not None
    window = rows(300, 11)
    window["shop"] = window["shop"].map({"a": "1", "b": "2", "c": "3"})
    as_numbers = window.assign(shop=window["shop"].astype(int))
    assert by_metric(as_numbers, nanny)["mae"].value == by_metric(window, nanny)["mae"].value


def test_a_big_window_is_estimated_on_a_sample_with_the_band_of_all_its_rows(
    nanny: Nanny,
) -> None:
    window = rows(12_000, 12)
    found = by_metric(window, nanny)["mae"]
    assert found.rows == 12_000
    assert found.value == pytest.approx(realised(window)["mae"], rel=0.08)
    error = nanny.absolute_std / np.sqrt(12_000)
    assert found.upper - found.value == pytest.approx(BAND_SIGMAS * error)
