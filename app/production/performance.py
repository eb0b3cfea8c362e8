"""Model performance of one production window: overall, per segment, estimated.

One pass over a window's rows gives ``PerformanceResult`` rows
(metric, segment, value, rows, estimated), written by this module only:

* measured, overall (segment ``''``) — over the labelled rows;
* measured, per segment value — segment key ``<name>=<value>`` for a
  ``segment.<name>`` column (what ``monitor.segment_gap`` compares with the
  overall), only for segment values with at least ``MIN_SEGMENT_ROWS``
  labelled rows: a handful of rows gives a gap that is noise, not a finding;
* estimated, overall — CBPE accuracy and ROC AUC
  (:mod:`app.production.estimation`) over *all* rows, labelled or not, when
  the model version has a calibrator (a binary classifier with labelled
  reference data).

Metric conventions: classification metrics threshold the prediction at 0.5
when labels are 0/1 (ROC AUC uses the raw prediction as the score);
otherwise the predicted class is the rounded prediction and
precision/recall/F1 are macro averages over the classes seen in labels or
predictions. They follow scikit-learn's definitions exactly
(``zero_division=0``, ROC AUC with ties as one half, R² of a constant target
as 1 or 0) and the tests check them against scikit-learn; they are written in
numpy because importing scikit-learn costs seconds, which every ingest and
page would pay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.production.estimation import Calibrator, estimate, fit_calibrator
from app.production.windows import SEGMENT_PREFIX
from app.store.models import PerformanceResult
from app.store.rows import table_of, upsert_frame

CLASSIFICATION = "classification"
REGRESSION = "regression"
MIN_SEGMENT_ROWS = 100
RESULT_COLUMNS = ["metric", "segment", "value", "rows", "estimated"]
PERFORMANCE_KEY = ("window_id", "metric", "segment", "estimated")


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


def segment_key(column: str, value: object) -> str:
    """``segment.region`` and ``US`` → ``region=US``."""
    return f"{column.removeprefix(SEGMENT_PREFIX)}={value}"


def window_results(
    rows: pd.DataFrame,
    task: str | None,
    calibrator: Calibrator | None = None,
    min_segment_rows: int = MIN_SEGMENT_ROWS,
) -> pd.DataFrame:
    """The window's ``RESULT_COLUMNS`` rows (see the module docstring); ``task`` None: no labels."""
    results: list[tuple[str, str, float, int, bool]] = []
    labelled = rows[rows["label"].notna()]
    if len(labelled) and task is not None:
        overall = performance_metrics(labelled["label"], labelled["prediction"], task)
        results += [(m, "", v, len(labelled), False) for m, v in overall.items()]
        # NumPy masks per segment value: a pandas groupby per window costs more than the metrics.
        y = labelled["label"].to_numpy(dtype=float)
        p = labelled["prediction"].to_numpy(dtype=float, na_value=np.nan)
        for column in (c for c in rows.columns if c.startswith(SEGMENT_PREFIX)):
            codes, values = pd.factorize(labelled[column], sort=True)
            counts = np.bincount(codes[codes >= 0], minlength=len(values))
            for code in np.flatnonzero(counts >= min_segment_rows):
                mask = codes == code
                measured = performance_metrics(pd.Series(y[mask]), pd.Series(p[mask]), task)
                key = segment_key(column, values[int(code)])
                results += [(m, key, v, int(counts[code]), False) for m, v in measured.items()]
    if calibrator is not None:
        scores = rows["prediction"].to_numpy(dtype=float, na_value=np.nan)
        estimated = estimate(scores, calibrator)
        results += [(m, "", v, len(rows), True) for m, v in estimated.items()]
    return pd.DataFrame(results, columns=RESULT_COLUMNS)


def calibrator_of(reference: pd.DataFrame) -> Calibrator | None:
    """CBPE's calibration of a version's scores on its labelled reference rows."""
    return fit_calibrator(
        reference["label"].to_numpy(dtype=float, na_value=np.nan),
        reference["prediction"].to_numpy(dtype=float, na_value=np.nan),
    )


def replace_performance(session: Session, window_id: int, results: pd.DataFrame) -> None:
    """Store a written window's ``RESULT_COLUMNS`` rows in place of every result it had."""
    table = table_of(PerformanceResult)
    session.execute(delete(table).where(table.c.window_id == window_id))
    upsert_frame(session, table, results.assign(window_id=window_id), PERFORMANCE_KEY)
