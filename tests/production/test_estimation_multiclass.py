"""Multiclass CBPE: one-vs-rest calibration, macro averages, the documented tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.production.estimation_bands import band
from app.production.estimation_multiclass import (
    estimate_multiclass,
    fit_multiclass,
    multiclass_errors,
)
from app.production.performance import performance_metrics, window_results
from app.production.tasks import MULTICLASS, Task

TASK = Task(MULTICLASS, (0.0, 1.0, 2.0))
SCORES = ["score.0", "score.1", "score.2"]


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A softmax model calibrated by construction: each label is drawn from its row's scores."""
    logits = rng.normal(0, 1.5, (n, 3)) + np.array([0.3, 0.0, -0.3])
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    draw = rng.random(n)[:, None]
    labels = (draw > np.cumsum(probabilities, axis=1)).sum(axis=1).astype(float)
    frame = pd.DataFrame(probabilities.round(4), columns=SCORES)
    return frame.assign(prediction=probabilities.argmax(axis=1).astype(float), label=labels)


def _realised(frame: pd.DataFrame) -> dict[str, float]:
    return performance_metrics(frame["label"], frame["prediction"], TASK, frame[SCORES])


TOLERANCE = {"accuracy": 0.04, "precision": 0.04, "recall": 0.04, "f1": 0.04, "roc_auc": 0.025}


def test_documented_tolerance_on_windows_without_shift() -> None:
    """The module docstring's tolerance: every one of 20 windows of 2,000 rows, no shift."""
    rng = np.random.default_rng(20261201)
    estimator = fit_multiclass(_frame(rng, 5000), TASK.classes)
    assert estimator is not None
    for _ in range(20):
        window = _frame(rng, 2000)
        realised = _realised(window)
        estimated = estimate_multiclass(window.assign(label=np.nan), estimator)
        for metric, tolerance in TOLERANCE.items():
            assert estimated[metric] == pytest.approx(realised[metric], abs=tolerance), metric


def test_estimate_follows_a_shift_in_the_classes_predicted() -> None:
    """Covariate shift: a window of confident rows is estimated (and is) more accurate."""
    rng = np.random.default_rng(5)
    estimator = fit_multiclass(_frame(rng, 5000), TASK.classes)
    assert estimator is not None
    window = _frame(rng, 6000)
    confident = window[window[SCORES].max(axis=1) > 0.7]
    estimated = estimate_multiclass(confident, estimator)
    assert estimated["accuracy"] > estimate_multiclass(window, estimator)["accuracy"] + 0.1
    assert estimated["accuracy"] == pytest.approx(_realised(confident)["accuracy"], abs=0.04)


def test_no_estimator_without_every_class_scored_and_seen() -> None:
    rng = np.random.default_rng(1)
    frame = _frame(rng, 500)
    assert fit_multiclass(frame.drop(columns="score.2"), TASK.classes) is None
    assert fit_multiclass(frame.assign(label=0.0), TASK.classes) is None
    assert fit_multiclass(frame, (0.0,)) is None


def test_window_results_store_multiclass_estimates_beside_the_measured() -> None:
    rng = np.random.default_rng(2)
    estimator = fit_multiclass(_frame(rng, 3000), TASK.classes)
    window = _frame(rng, 400)
    window.loc[200:, "label"] = np.nan
    window.loc[5, "score.1"] = np.nan  # a row without every score is left out of the estimate
    results = window_results(window, TASK, estimator)
    estimated = results[results["estimated"]].set_index("metric")
    assert set(estimated.index) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert (estimated["lower"] < estimated["value"]).all()
    assert (estimated["value"] < estimated["upper"]).all()
    measured = results[~results["estimated"]].set_index("metric")
    assert set(measured.index) == {"accuracy", "precision", "recall", "f1"}  # a NaN score: no AUC
    assert (measured["rows"] == 200).all()
    assert measured["lower"].isna().all()


def test_bands_hold_the_realised_metric_on_windows_without_shift() -> None:
    """± 3 standard errors: the realised value inside the band on >= 90 % of windows."""
    rng = np.random.default_rng(12)
    estimator = fit_multiclass(_frame(rng, 5000), TASK.classes)
    assert estimator is not None
    inside = dict.fromkeys(TOLERANCE, 0)
    for _ in range(30):
        window = _frame(rng, 500)
        realised = _realised(window)
        estimated = estimate_multiclass(window, estimator)
        errors = multiclass_errors(window, estimator)
        for metric in TOLERANCE:
            lower, upper = band(estimated[metric], errors[metric])
            assert 0 < upper - lower < 0.3, metric
            inside[metric] += lower <= realised[metric] <= upper
    assert all(count >= 27 for count in inside.values()), inside
