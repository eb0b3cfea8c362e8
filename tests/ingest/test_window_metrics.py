"""Unit tests of the window measures (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from app.ingest import window_metrics as wm


def test_missing_share_counts_nan_none_and_inf() -> None:
    assert wm.missing_share(pd.Series([1.0, np.nan, np.inf, 2.0])) == 0.5
    assert wm.missing_share(pd.Series(["a", None, "b", "c"], dtype=object)) == 0.25
    assert wm.missing_share(pd.Series([], dtype=float)) == 0.0


def test_out_of_range_ignores_missing() -> None:
    assert wm.out_of_range_share(pd.Series([0.0, 5.0, 11.0, np.nan]), 0, 10) == 0.25


def test_quality_results_with_reference() -> None:
    reference = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"], "gone": [1.0, 2.0]})
    window = pd.DataFrame({"x": [5.0, 20.0, np.nan, -1.0], "c": [1.0, 2.0, 3.0, 4.0]})
    profile = wm.reference_profile(reference, ["x", "c", "gone"])
    results = {(c, k): v for c, k, v in wm.quality_results(window, ["x", "c"], profile)}
    assert results[("x", "missing_share")] == 0.25
    assert results[("x", "out_of_range_share")] == 0.5
    assert ("c", "out_of_range_share") not in results  # categorical in the reference
    assert results[("", "missing_share")] == 0.25
    assert results[("", "out_of_range_share")] == 0.5
    assert results[("", "schema_violations")] == 2.0  # gone is absent, c changed kind


def test_quality_results_without_reference() -> None:
    results = wm.quality_results(pd.DataFrame({"x": [1.0]}), ["x"])
    assert results == [
        ("x", "missing_share", 0.0),
        ("", "missing_share", 0.0),
        ("", "schema_violations", 0.0),
    ]


def test_infer_task() -> None:
    assert wm.infer_task(pd.Series([0.0, 1.0]), pd.Series([0.2, 0.9])) == wm.CLASSIFICATION
    assert wm.infer_task(pd.Series([0.0, 1.0]), pd.Series([0.2, 1.5])) == wm.REGRESSION
    assert wm.infer_task(pd.Series([3.0, 1.0]), pd.Series([0.2, 0.9])) == wm.REGRESSION


def test_binary_classification_matches_sklearn_conventions() -> None:
    labels = pd.Series([1, 0, 1, 0, 1.0])
    predictions = pd.Series([0.9, 0.6, 0.4, 0.1, 0.5])  # 0.5 is positive
    result = wm.performance_metrics(labels, predictions, wm.CLASSIFICATION)
    assert result["accuracy"] == pytest.approx(0.6)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 / 3)
    assert result["roc_auc"] == pytest.approx(4 / 6)  # 4 of 6 pairs ranked right


def test_single_class_has_no_auc() -> None:
    result = wm.performance_metrics(pd.Series([1.0, 1.0]), pd.Series([0.9, 0.2]), wm.CLASSIFICATION)
    assert "roc_auc" not in result
    assert result["accuracy"] == 0.5


def test_multiclass_uses_rounded_predictions() -> None:
    result = wm.performance_metrics(
        pd.Series([0.0, 1, 2]), pd.Series([0.1, 1.2, 1.0]), wm.CLASSIFICATION
    )
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert "roc_auc" not in result


def test_regression() -> None:
    result = wm.performance_metrics(
        pd.Series([0.0, 2.0, 4.0]), pd.Series([1.0, 2.0, 3.0]), wm.REGRESSION
    )
    assert result["mae"] == pytest.approx(2 / 3)
    assert result["rmse"] == pytest.approx(math.sqrt(2 / 3))
    assert result["mape"] == pytest.approx(0.125)  # zero label skipped
    assert result["r2"] == pytest.approx(1 - 2 / 8)


def test_no_usable_rows() -> None:
    assert wm.performance_metrics(pd.Series([np.nan]), pd.Series([1.0]), wm.REGRESSION) == {}
    assert "r2" not in wm.performance_metrics(pd.Series([1.0]), pd.Series([2.0]), wm.REGRESSION)


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
    result = wm.performance_metrics(pd.Series(y), pd.Series(p), wm.CLASSIFICATION)
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
    if set(labels) <= {0, 1}:
        y = y + 2  # keep it multiclass
    result = wm.performance_metrics(pd.Series(y), pd.Series(p), wm.CLASSIFICATION)
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
    result = wm.performance_metrics(pd.Series(y), pd.Series(p), wm.REGRESSION)
    assert result["mae"] == pytest.approx(sk.mean_absolute_error(y, p))
    assert result["rmse"] == pytest.approx(np.sqrt(sk.mean_squared_error(y, p)))
    assert result["r2"] == pytest.approx(sk.r2_score(y, p), abs=1e-9)
