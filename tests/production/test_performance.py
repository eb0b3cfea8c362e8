"""A window's performance: the metrics (against scikit-learn), and the rows stored per window."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from app.production import performance as pm
from app.production.estimation import fit_calibrator
from app.production.performance import segment_key, window_results
from app.production.tasks import BINARY, MULTICLASS, Task


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
    assert set(estimated.index) == {"accuracy", "roc_auc", "precision", "recall", "f1"}
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


def test_infer_task() -> None:
    assert pm.infer_task(pd.Series([0.0, 1.0]), pd.Series([0.2, 0.9])) == BINARY
    assert pm.infer_task(pd.Series([0.0, 1.0]), pd.Series([0.2, 1.5])) == pm.REGRESSION
    assert pm.infer_task(pd.Series([3.0, 1.0]), pd.Series([0.2, 0.9])) == pm.REGRESSION


def test_multiclass_window_with_only_0_and_1_labels_is_not_binary() -> None:
    """Issue 14: labels [0, 1, 1, 0] against predicted classes [0, 2, 1, 0]."""
    y, p = pd.Series([0.0, 1, 1, 0]), pd.Series([0.0, 2, 1, 0])
    result = pm.performance_metrics(y, p, pm.CLASSIFICATION)
    assert result["accuracy"] == pytest.approx(sk.accuracy_score(y, p)) == 0.75
    assert "roc_auc" not in result
    assert result["f1"] == pytest.approx(sk.f1_score(y, p, average="macro", zero_division=0))
    # The version's task decides even when predictions look like scores too.
    version = Task(MULTICLASS, (0.0, 1.0, 2.0))
    result = pm.performance_metrics(pd.Series([0.0, 1, 1]), pd.Series([0.0, 1, 0]), version)
    assert result["recall"] == pytest.approx(0.75)  # sklearn macro over classes 0 and 1
    assert "roc_auc" not in result


def test_multiclass_roc_auc_from_score_columns_equals_sklearn_ovr() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 200).astype(float)
    raw = rng.random((200, 3)) + np.eye(3)[y.astype(int)] * 0.6
    probabilities = raw / raw.sum(axis=1, keepdims=True)
    scores = pd.DataFrame(probabilities, columns=["score.0", "score.1", "score.2"])
    predicted = pd.Series(probabilities.argmax(axis=1).astype(float))
    task = Task(MULTICLASS, (0.0, 1.0, 2.0))
    result = pm.performance_metrics(pd.Series(y), predicted, task, scores)
    expected = sk.roc_auc_score(y, probabilities, multi_class="ovr", average="macro")
    assert result["roc_auc"] == pytest.approx(expected)
    assert result["accuracy"] == pytest.approx(sk.accuracy_score(y, predicted))


def test_mape_clamps_labels_at_machine_epsilon_as_sklearn() -> None:
    """Issue 14: labels [1e-20, 1], predictions [1, 1]: sklearn gives 2.25e15, not 5e19."""
    y, p = np.array([1e-20, 1.0]), np.array([1.0, 1.0])
    result = pm.performance_metrics(pd.Series(y), pd.Series(p), pm.REGRESSION)
    assert result["mape"] == pytest.approx(sk.mean_absolute_percentage_error(y, p))
    assert result["mape"] == pytest.approx(2.25e15, rel=1e-3)
    zero = np.array([0.0, 2.0])
    result = pm.performance_metrics(pd.Series(zero), pd.Series(p), pm.REGRESSION)
    assert result["mape"] == pytest.approx(sk.mean_absolute_percentage_error(zero, p))


def test_binary_classification_matches_sklearn_conventions() -> None:
    labels = pd.Series([1, 0, 1, 0, 1.0])
    predictions = pd.Series([0.9, 0.6, 0.4, 0.1, 0.5])  # 0.5 is positive
    result = pm.performance_metrics(labels, predictions, pm.CLASSIFICATION)
    assert result["accuracy"] == pytest.approx(0.6)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 / 3)
    assert result["roc_auc"] == pytest.approx(4 / 6)  # 4 of 6 pairs ranked right


def test_single_class_has_no_auc() -> None:
    result = pm.performance_metrics(pd.Series([1.0, 1.0]), pd.Series([0.9, 0.2]), pm.CLASSIFICATION)
    assert "roc_auc" not in result
    assert result["accuracy"] == 0.5


def test_multiclass_uses_rounded_predictions() -> None:
    result = pm.performance_metrics(
        pd.Series([0.0, 1, 2]), pd.Series([0.1, 1.2, 1.0]), pm.CLASSIFICATION
    )
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert "roc_auc" not in result


def test_regression() -> None:
    result = pm.performance_metrics(
        pd.Series([0.0, 2.0, 4.0]), pd.Series([1.0, 2.0, 3.0]), pm.REGRESSION
    )
    assert result["mae"] == pytest.approx(2 / 3)
    assert result["rmse"] == pytest.approx(math.sqrt(2 / 3))
    # sklearn's MAPE: the zero label is clamped at machine epsilon, not skipped
    assert result["mape"] == pytest.approx(sk.mean_absolute_percentage_error([0, 2, 4], [1, 2, 3]))
    assert result["r2"] == pytest.approx(1 - 2 / 8)


def test_no_usable_rows() -> None:
    assert pm.performance_metrics(pd.Series([np.nan]), pd.Series([1.0]), pm.REGRESSION) == {}
    assert "r2" not in pm.performance_metrics(pd.Series([1.0]), pd.Series([2.0]), pm.REGRESSION)


_labels = st.lists(st.sampled_from([0.0, 1.0]), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), labels=_labels)
def test_binary_metrics_equal_sklearn(data: st.DataObject, labels: list[float]) -> None:
    scores = data.draw(
        st.lists(
            st.sampled_from([0.0, 0.1, 0.5, 0.7, 1.0]), min_size=len(labels), max_size=len(labels)
        )
    )
    y, p = np.array(labels), np.array(scores)
    result = pm.performance_metrics(pd.Series(y), pd.Series(p), pm.CLASSIFICATION)
    predicted = (p >= 0.5).astype(float)
    assert result["accuracy"] == pytest.approx(sk.accuracy_score(y, predicted))
    assert result["precision"] == pytest.approx(sk.precision_score(y, predicted, zero_division=0))
    assert result["recall"] == pytest.approx(sk.recall_score(y, predicted, zero_division=0))
    assert result["f1"] == pytest.approx(sk.f1_score(y, predicted, zero_division=0))
    if len(set(labels)) == 2:
        assert result["roc_auc"] == pytest.approx(sk.roc_auc_score(y, p))
    else:
        assert "roc_auc" not in result


@settings(max_examples=60, deadline=None)
@given(data=st.data(), labels=st.lists(st.integers(0, 3), min_size=1, max_size=30))
def test_multiclass_metrics_equal_sklearn(data: st.DataObject, labels: list[int]) -> None:
    predicted = data.draw(st.lists(st.integers(0, 4), min_size=len(labels), max_size=len(labels)))
    y, p = np.array(labels, dtype=float), np.array(predicted, dtype=float)
    task = Task(MULTICLASS, tuple(float(c) for c in range(5)))
    result = pm.performance_metrics(pd.Series(y), pd.Series(p), task)
    for name, metric in (
        ("precision", sk.precision_score),
        ("recall", sk.recall_score),
        ("f1", sk.f1_score),
    ):
        assert result[name] == pytest.approx(metric(y, p, average="macro", zero_division=0))


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    labels=st.lists(st.floats(-100, 100, allow_subnormal=False), min_size=2, max_size=30),
)
def test_regression_metrics_equal_sklearn(data: st.DataObject, labels: list[float]) -> None:
    predictions = data.draw(
        st.lists(
            st.floats(-100, 100, allow_subnormal=False), min_size=len(labels), max_size=len(labels)
        )
    )
    y, p = np.array(labels), np.array(predictions)
    result = pm.performance_metrics(pd.Series(y), pd.Series(p), pm.REGRESSION)
    assert result["mae"] == pytest.approx(sk.mean_absolute_error(y, p))
    assert result["rmse"] == pytest.approx(np.sqrt(sk.mean_squared_error(y, p)))
    assert result["r2"] == pytest.approx(sk.r2_score(y, p), abs=1e-9)
    assert result["mape"] == pytest.approx(sk.mean_absolute_percentage_error(y, p))
