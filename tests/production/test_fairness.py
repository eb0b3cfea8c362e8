"""A window's fairness figures: each equals Fairlearn's on data generated here, to 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import mean_absolute_error

from app.production.fairness import LEFT_OUT, fairness_results, model_kind

TOLERANCE = 1e-9
# Group sizes: "tiny" falls under the minimum (30) and is left out and counted.
SIZES = {"a": 400, "b": 250, "c": 90, "tiny": 12}


def _rows(seed: int, regression: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = np.repeat(list(SIZES), list(SIZES.values()))
    rng.shuffle(groups)
    n = groups.size
    bias = np.select([groups == "b", groups == "c"], [0.15, -0.2], 0.0)
    if regression:
        labels = rng.normal(100, 20, n)
        predictions = labels + rng.normal(0, 5 + 10 * (groups == "c"), n)
    else:
        predictions = np.clip(rng.random(n) + bias, 0, 1)
        labels = (rng.random(n) < predictions).astype(float)
    labels[rng.random(n) < 0.1] = np.nan  # not labelled yet
    other = np.where(rng.random(n) < 0.5, "x", "y").astype(object)
    other[rng.random(n) < 0.05] = None  # no group: left out of this attribute
    return pd.DataFrame(
        {
            "prediction": predictions,
            "label": labels,
            "sensitive.group": groups.astype(object),
            "sensitive.other": other,
        }
    )


def _figures(results: pd.DataFrame, attribute: str) -> pd.DataFrame:
    return results[results["attribute"] == attribute].set_index(["group_value", "metric"])


def _kept(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = rows[rows["label"].notna() & rows[column].notna()]
    counts = rows[column].value_counts()
    return rows[rows[column].isin(counts[counts >= 30].index)]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("column", ["sensitive.group", "sensitive.other"])
def test_classifier_figures_equal_fairlearns(seed: int, column: str) -> None:
    rows = _rows(seed)
    figures = _figures(fairness_results(rows), column.removeprefix("sensitive."))
    kept = _kept(rows, column)
    y, y_pred, groups = kept["label"], (kept["prediction"] >= 0.5).astype(float), kept[column]
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
        },
        y_true=y,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    for group, expected in frame.by_group.iterrows():
        for metric, value in expected.items():
            stored = figures.loc[(str(group), str(metric))]
            assert stored["value"] == pytest.approx(value, abs=TOLERANCE)
            assert stored["rows"] == int((groups == group).sum())
    oracle = {
        "demographic_parity_difference": demographic_parity_difference(
            y, y_pred, sensitive_features=groups
        ),
        "demographic_parity_ratio": demographic_parity_ratio(y, y_pred, sensitive_features=groups),
        "equalized_odds_difference": equalized_odds_difference(
            y, y_pred, sensitive_features=groups
        ),
    }
    for metric, value in oracle.items():
        assert figures.loc[("", metric), "value"] == pytest.approx(value, abs=TOLERANCE)
        assert figures.loc[("", metric), "rows"] == len(kept)
    per_group = {g for g, m in figures.index if g and m == "selection_rate"}
    assert per_group == {str(g) for g in frame.by_group.index}


def test_small_groups_are_left_out_and_counted() -> None:
    rows = _rows(4)
    figures = _figures(fairness_results(rows), "group")
    assert "tiny" not in {g for g, _ in figures.index}
    left_out = figures.loc[("", LEFT_OUT)]
    assert left_out["value"] == 1
    labelled_tiny = rows["label"].notna() & (rows["sensitive.group"] == "tiny")
    assert left_out["rows"] == int(labelled_tiny.sum())


@pytest.mark.parametrize("seed", [5, 6])
def test_regressor_figures_equal_fairlearns(seed: int) -> None:
    rows = _rows(seed, regression=True)
    figures = _figures(fairness_results(rows), "group")
    kept = _kept(rows, "sensitive.group")
    frame = MetricFrame(
        metrics=mean_absolute_error,
        y_true=kept["label"],
        y_pred=kept["prediction"],
        sensitive_features=kept["sensitive.group"],
    )
    for group, value in frame.by_group.items():
        assert figures.loc[(str(group), "mae"), "value"] == pytest.approx(value, abs=TOLERANCE)
    gap = frame.difference()
    assert figures.loc[("", "mae_gap"), "value"] == pytest.approx(gap, abs=TOLERANCE)
    relative = figures.loc[("", "relative_mae_gap"), "value"]
    assert relative == pytest.approx(gap / frame.overall, abs=TOLERANCE)
    assert relative > 0.3  # group c's errors are twice as wide: a gap the test must see


def test_one_group_has_no_difference() -> None:
    rows = _rows(7)
    rows["sensitive.group"] = "a"
    figures = _figures(fairness_results(rows), "group")
    assert set(figures.index) == {
        ("", LEFT_OUT),
        ("a", "selection_rate"),
        ("a", "true_positive_rate"),
        ("a", "false_positive_rate"),
    }


def test_no_sensitive_column_no_labels_or_multiclass_gives_nothing() -> None:
    rows = _rows(8)
    assert fairness_results(rows.drop(columns=["sensitive.group", "sensitive.other"])).empty
    assert fairness_results(rows.assign(label=np.nan)).empty
    multiclass = rows.assign(label=rows["label"].fillna(2), prediction=1.0)
    assert fairness_results(multiclass, declared_task="classification").empty


def test_model_kind() -> None:
    labels, scores = np.array([0.0, 1.0]), np.array([0.2, 0.9])
    assert model_kind(labels, scores, None) == "classifier"
    assert model_kind(labels, scores, "regression") == "regressor"
    assert model_kind(np.array([3.0, 7.5]), np.array([2.0, 8.0]), None) == "regressor"
    assert model_kind(np.array([0.0, 2.0]), np.array([0.0, 2.0]), "classification") is None
