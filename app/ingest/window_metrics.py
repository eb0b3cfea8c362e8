"""Data-quality and model-performance measures of one production window.

Pure functions over DataFrames, so that ingest (which stores them per window)
and the data-quality and performance pages (which may recompute them for a
segment or an ad-hoc range) share one definition.

Conventions:

- *missing* is NaN, None or ±inf;
- *out of range* is a finite value outside the [min, max] of the same column
  in the model version's reference data; missing values are not out of range;
- *schema violations* are reference feature columns absent from the window,
  plus columns whose kind (numerical / categorical) differs from the reference;
- classification metrics threshold the prediction at 0.5 when labels are 0/1
  (ROC AUC uses the raw prediction as the score); otherwise the predicted
  class is the rounded prediction and precision/recall/F1 are macro averages
  over the classes seen in labels or predictions.

The metrics follow scikit-learn's definitions exactly (``zero_division=0``,
ROC AUC with ties as one half, R² of a constant target as 1 or 0) and the
tests check them against scikit-learn; they are written in numpy because
importing scikit-learn costs seconds, which every ingest and page would pay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
CLASSIFICATION = "classification"
REGRESSION = "regression"


def column_kind(series: pd.Series) -> str:
    """Numerical for numbers (not booleans), categorical for everything else."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return NUMERICAL if numeric else CATEGORICAL


def missing_mask(series: pd.Series) -> np.ndarray:
    mask = series.isna().to_numpy()
    if column_kind(series) == NUMERICAL:
        mask |= np.isinf(series.to_numpy(dtype=float, na_value=np.nan))
    return mask


def missing_share(series: pd.Series) -> float:
    """Share of values that are NaN, None or infinite."""
    return float(missing_mask(series).mean()) if len(series) else 0.0


def value_range(series: pd.Series) -> tuple[float, float] | None:
    """[min, max] of the finite values, None if there are none."""
    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else None


def out_of_range_share(series: pd.Series, low: float, high: float) -> float:
    """Share of all values that are finite and outside [low, high]."""
    if not len(series):
        return 0.0
    values = series.to_numpy(dtype=float, na_value=np.nan)
    outside = np.isfinite(values) & ((values < low) | (values > high))
    return float(outside.mean())


@dataclass(frozen=True)
class ColumnProfile:
    """What quality checks need of a reference column: its kind and finite range."""

    kind: str
    bounds: tuple[float, float] | None


def reference_profile(reference: pd.DataFrame, features: Sequence[str]) -> dict[str, ColumnProfile]:
    """Profile a reference once; every window of its model version is checked against it."""
    profile = {}
    for name in features:
        kind = column_kind(reference[name])
        bounds = value_range(reference[name]) if kind == NUMERICAL else None
        profile[name] = ColumnProfile(kind, bounds)
    return profile


def quality_results(
    window: pd.DataFrame,
    features: Sequence[str],
    reference: Mapping[str, ColumnProfile] | None = None,
) -> list[tuple[str, str, float]]:
    """(column, check, value) rows; column '' is the whole window.

    Per feature: ``missing_share``, and ``out_of_range_share`` for numerical
    features the reference has as numerical too. Whole window:
    ``missing_share`` and ``out_of_range_share`` are the worst feature's
    (the latter only with a reference), ``schema_violations`` counts as the
    module docstring says (0 without a reference).
    """
    results: list[tuple[str, str, float]] = []
    missing: list[float] = []
    outside: list[float] = []
    kinds = {name: column_kind(window[name]) for name in features}
    for name in features:
        share = missing_share(window[name])
        missing.append(share)
        results.append((name, "missing_share", share))
        expected = reference.get(name) if reference is not None else None
        if expected is not None and expected.bounds is not None and kinds[name] == NUMERICAL:
            share = out_of_range_share(window[name], *expected.bounds)
            outside.append(share)
            results.append((name, "out_of_range_share", share))
    results.append(("", "missing_share", max(missing, default=0.0)))
    violations = 0
    if reference is not None:
        results.append(("", "out_of_range_share", max(outside, default=0.0)))
        violations = sum(kinds.get(name) != expected.kind for name, expected in reference.items())
    results.append(("", "schema_violations", float(violations)))
    return results


def infer_task(labels: pd.Series, predictions: pd.Series) -> str:
    """Classification if labels are 0/1 and predictions within [0, 1], else regression."""
    binary_labels = bool(labels.isin([0, 1]).all())
    unit_predictions = bool(predictions.between(0, 1).all())
    return CLASSIFICATION if binary_labels and unit_predictions else REGRESSION


def performance_metrics(labels: pd.Series, predictions: pd.Series, task: str) -> dict[str, float]:
    """Metrics over the rows that have both a label and a finite prediction.

    Classification: accuracy, precision, recall, f1, roc_auc (binary, both
    classes present). Regression: mae, rmse, mape (zero labels skipped), r2
    (at least two rows). Empty dict when no row qualifies.
    """
    y = labels.to_numpy(dtype=float, na_value=np.nan)
    p = predictions.to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(y) & np.isfinite(p)
    y, p = y[keep], p[keep]
    if not y.size:
        return {}
    if task == CLASSIFICATION:
        return _classification(y, p)
    return _regression(y, p)


def _classification(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    predicted = (p >= 0.5).astype(float) if binary else np.rint(p)
    classes = [1.0] if binary else np.union1d(y, predicted).tolist()
    precision, recall, f1 = [], [], []
    for label in classes:
        tp = float(np.sum((predicted == label) & (y == label)))
        fp = float(np.sum((predicted == label) & (y != label)))
        fn = float(np.sum((predicted != label) & (y == label)))
        precision.append(tp / (tp + fp) if tp + fp else 0.0)
        recall.append(tp / (tp + fn) if tp + fn else 0.0)
        f1.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    result = {
        "accuracy": float(np.mean(predicted == y)),
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1": float(np.mean(f1)),
    }
    positives = y == 1.0
    if binary and 0 < positives.sum() < y.size:
        result["roc_auc"] = _roc_auc(positives, p)
    return result


def _roc_auc(positives: np.ndarray, scores: np.ndarray) -> float:
    """Mann–Whitney U / (n_pos × n_neg), ties counting one half: sklearn's ROC AUC."""
    ranks = _average_ranks(scores)
    n_pos = float(positives.sum())
    n_neg = float(positives.size) - n_pos
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    ends = np.r_[starts[1:], ordered.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def _regression(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    error = p - y
    result = {
        "mae": float(np.abs(error).mean()),
        "rmse": float(np.sqrt((error**2).mean())),
    }
    nonzero = y != 0
    if nonzero.any():
        with np.errstate(over="ignore"):  # a tiny label: the ratio is inf, as in sklearn
            result["mape"] = float(np.abs(error[nonzero] / y[nonzero]).mean())
    if y.size >= 2:
        residual = float((error**2).sum())
        total = float(((y - y.mean()) ** 2).sum())
        if total:
            result["r2"] = 1 - residual / total
        else:  # sklearn's force_finite convention for a constant target
            result["r2"] = 1.0 if residual == 0 else 0.0
    return result
