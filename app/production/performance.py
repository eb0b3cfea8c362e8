"""Model performance of one production window: overall, per segment, estimated.

One pass over a window's rows gives ``PerformanceResult`` rows
(metric, segment, value, rows, estimated), written by this module only:

* measured, overall (segment ``''``) — over the labelled rows;
* measured, per segment value — segment key ``<name>=<value>`` for a
  ``segment.<name>`` column (what ``monitor.segment_gap`` compares with the
  overall), only for segment values with at least ``MIN_SEGMENT_ROWS``
  labelled rows: a handful of rows gives a gap that is noise, not a finding;
* estimated, overall — CBPE accuracy, ROC AUC, precision, recall and F1
  (:mod:`app.production.estimation`, :mod:`app.production.estimation_multiclass`)
  over *all* rows, labelled or not, when the model version has an estimator
  (a classifier with labelled reference data), each with its band in
  ``lower``/``upper`` (:mod:`app.production.estimation_bands`; measured rows
  have none).

How a window is scored is its version's :class:`~app.production.tasks.Task`
(:mod:`app.production.tasks`), never what its own labels look like. Metric
conventions: a binary classifier's prediction is a score, thresholded at 0.5
(ROC AUC uses the raw score); a multiclass classifier's prediction is the
rounded predicted class, precision/recall/F1 are macro averages over the
classes seen in labels or predictions, and ROC AUC (only with ``score.<class>``
columns, every class of the version present and absent in the labels) is the
macro one-vs-rest average. Regression: MAE, RMSE, MAPE (scikit-learn's: each
|error| divided by max(|label|, machine epsilon), zero labels included), R².
They follow scikit-learn's definitions exactly (``zero_division=0``, ROC AUC
with ties as one half, R² of a constant target as 1 or 0) and the tests check
them against scikit-learn; they are written in numpy because importing
scikit-learn costs seconds, which every ingest and page would pay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.production.estimation import Calibrator, estimate, fit_calibrator, standard_errors
from app.production.estimation_bands import band
from app.production.estimation_multiclass import (
    MulticlassCalibrator,
    estimate_multiclass,
    fit_multiclass,
    multiclass_errors,
)
from app.production.tasks import (
    BINARY,
    BINARY_TASK,
    CLASSIFICATION,
    MULTICLASS,
    REGRESSION,
    Task,
    infer_task,
    score_columns,
)
from app.production.windows import SEGMENT_PREFIX
from app.store.models import PerformanceResult
from app.store.rows import table_of, upsert_frame

__all__ = [
    "CLASSIFICATION",
    "REGRESSION",
    "Estimator",
    "estimator_of",
    "infer_task",
    "performance_metrics",
    "replace_performance",
    "segment_key",
    "window_results",
]

MIN_SEGMENT_ROWS = 100
RESULT_COLUMNS = ["metric", "segment", "value", "rows", "estimated", "lower", "upper"]
NO_BAND = (float("nan"), float("nan"))
PERFORMANCE_KEY = ("window_id", "metric", "segment", "estimated")
Estimator = Calibrator | MulticlassCalibrator


def as_task(task: Task | str, labels: np.ndarray, predictions: np.ndarray) -> Task:
    """``task`` as a :class:`Task`; the word ``classification`` alone is binary only when
    the labels are 0/1 *and* the predictions scores in [0, 1] (a prediction of 2 is a class)."""
    if isinstance(task, Task):
        return task
    if task == CLASSIFICATION:
        binary = infer_task(pd.Series(labels), pd.Series(predictions)) == BINARY
        return BINARY_TASK if binary else Task(MULTICLASS)
    return Task(task)


def performance_metrics(
    labels: pd.Series,
    predictions: pd.Series,
    task: Task | str,
    scores: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Metrics over the rows that have both a label and a finite prediction.

    Binary: accuracy, precision, recall, f1, roc_auc (both classes present).
    Multiclass: accuracy and macro precision, recall, f1; roc_auc with
    ``scores`` (``score.<class>`` columns, aligned with ``labels``).
    Regression: mae, rmse, mape, r2 (at least two rows). Empty dict when no
    row qualifies.
    """
    y = labels.to_numpy(dtype=float, na_value=np.nan)
    p = predictions.to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(y) & np.isfinite(p)
    y, p = y[keep], p[keep]
    if not y.size:
        return {}
    kind = as_task(task, y, p)
    if kind.kind == REGRESSION:
        return _regression(y, p)
    if kind.kind == BINARY:
        return _classification(y, (p >= 0.5).astype(float), [1.0]) | _binary_auc(y, p)
    result = _classification(y, np.rint(p), np.union1d(y, np.rint(p)).tolist())
    if scores is not None and len(scores):
        result |= _multiclass_auc(y, scores[keep], kind.classes)
    return result


def _classification(y: np.ndarray, predicted: np.ndarray, classes: list[float]) -> dict[str, float]:
    """Accuracy, and precision/recall/F1 averaged over ``classes`` (macro; one class: binary)."""
    precision, recall, f1 = [], [], []
    for label in classes:
        tp = float(np.sum((predicted == label) & (y == label)))
        fp = float(np.sum((predicted == label) & (y != label)))
        fn = float(np.sum((predicted != label) & (y == label)))
        precision.append(tp / (tp + fp) if tp + fp else 0.0)
        recall.append(tp / (tp + fn) if tp + fn else 0.0)
        f1.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return {
        "accuracy": float(np.mean(predicted == y)),
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1": float(np.mean(f1)),
    }


def _binary_auc(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    positives = y == 1.0
    return {"roc_auc": _roc_auc(positives, p)} if 0 < positives.sum() < y.size else {}


def _multiclass_auc(
    y: np.ndarray, scores: pd.DataFrame, classes: tuple[float, ...]
) -> dict[str, float]:
    """Macro one-vs-rest ROC AUC (sklearn's ``multi_class="ovr"``) over the version's classes.

    Left out unless every class has a score column and is both present and
    absent among the labels (sklearn refuses the rest).
    """
    columns = score_columns(scores)
    wanted = classes or tuple(columns)
    if not wanted or any(c not in columns for c in wanted):
        return {}
    areas = []
    for label in wanted:
        positives = y == label
        if not 0 < positives.sum() < y.size:
            return {}
        values = scores[columns[label]].to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(values).all():
            return {}
        areas.append(_roc_auc(positives, values))
    return {"roc_auc": float(np.mean(areas))}


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
        # sklearn's mean_absolute_percentage_error: labels clamped at machine epsilon
        "mape": float((np.abs(error) / np.maximum(np.abs(y), np.finfo(float).eps)).mean()),
    }
    if y.size >= 2:
        residual = float((error**2).sum())
        total = float(((y - y.mean()) ** 2).sum())
        if total:
            result["r2"] = 1 - residual / total
        else:  # sklearn's force_finite convention for a constant target
            result["r2"] = 1.0 if residual == 0 else 0.0
    return result


def segment_key(column: str, value: object) -> str:
    """``segment.region`` and ``US`` → ``region=US``."""
    return f"{column.removeprefix(SEGMENT_PREFIX)}={value}"


def window_results(
    rows: pd.DataFrame,
    task: Task | str | None,
    estimator: Estimator | None = None,
    min_segment_rows: int = MIN_SEGMENT_ROWS,
) -> pd.DataFrame:
    """The window's ``RESULT_COLUMNS`` rows (see the module docstring); ``task`` None: not known."""
    results: list[tuple[str, str, float, int, bool, float, float]] = []
    labelled = rows[rows["label"].notna()]
    if len(labelled) and task is not None:
        y = labelled["label"].to_numpy(dtype=float)
        p = labelled["prediction"].to_numpy(dtype=float, na_value=np.nan)
        task = as_task(task, y, p)
        scores = labelled[list(score_columns(labelled).values())]
        overall = performance_metrics(labelled["label"], labelled["prediction"], task, scores)
        results += [(m, "", v, len(labelled), False, *NO_BAND) for m, v in overall.items()]
        # NumPy masks per segment value: a pandas groupby per window costs more than the metrics.
        for column in (c for c in rows.columns if c.startswith(SEGMENT_PREFIX)):
            codes, values = pd.factorize(labelled[column], sort=True)
            counts = np.bincount(codes[codes >= 0], minlength=len(values))
            for code in np.flatnonzero(counts >= min_segment_rows):
                mask = codes == code
                measured = performance_metrics(
                    pd.Series(y[mask]), pd.Series(p[mask]), task, scores[mask]
                )
                key = segment_key(column, values[int(code)])
                results += [
                    (m, key, v, int(counts[code]), False, *NO_BAND) for m, v in measured.items()
                ]
    if estimator is not None:
        estimated, errors = estimate_window(rows, estimator)
        results += [
            (m, "", v, len(rows), True, *band(v, errors.get(m, 0.0))) for m, v in estimated.items()
        ]
    return pd.DataFrame(results, columns=RESULT_COLUMNS)


def estimate_window(
    rows: pd.DataFrame, estimator: Estimator
) -> tuple[dict[str, float], dict[str, float]]:
    """CBPE estimates of a window's metrics (labelled rows or not) and their standard errors."""
    if isinstance(estimator, MulticlassCalibrator):
        return estimate_multiclass(rows, estimator), multiclass_errors(rows, estimator)
    scores = rows["prediction"].to_numpy(dtype=float, na_value=np.nan)
    return estimate(scores, estimator), standard_errors(scores, estimator)


def estimator_of(reference: pd.DataFrame, task: Task | None) -> Estimator | None:
    """CBPE's calibration of a classifier version on its labelled reference rows."""
    if task is None or not task.is_classifier:
        return None
    if task.kind == MULTICLASS:
        return fit_multiclass(reference, task.classes)
    return fit_calibrator(
        reference["label"].to_numpy(dtype=float, na_value=np.nan),
        reference["prediction"].to_numpy(dtype=float, na_value=np.nan),
    )


def replace_performance(session: Session, window_id: int, results: pd.DataFrame) -> None:
    """Store a written window's ``RESULT_COLUMNS`` rows in place of every result it had."""
    table = table_of(PerformanceResult)
    session.execute(delete(table).where(table.c.window_id == window_id))
    upsert_frame(session, table, results.assign(window_id=window_id), PERFORMANCE_KEY)
