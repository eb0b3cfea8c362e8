"""Performance estimation without labels: confidence-based (CBPE, as in NannyML).

A binary classifier's scores are calibrated on its reference data (the
labelled data it was validated on) with isotonic regression; on a production
window, the calibrated probability ``p`` of each row is then read as the
chance that its label is 1. Expected counts follow: a row predicted positive
(score ≥ 0.5, the threshold :mod:`app.production.performance` uses) is a true
positive with probability ``p`` and a false positive with ``1 − p``, and so on.

* estimated **accuracy** = mean over rows of the calibrated probability of the
  predicted class;
* estimated **precision**, **recall**, **F1** (of the positive class) from the
  expected confusion counts: TP = Σ ``p`` over rows predicted positive,
  FP = Σ ``1 − p`` over them, FN = Σ ``p`` over rows predicted negative;
  precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2TP / (2TP + FP +
  FN), 0 when the denominator is (NannyML's CBPE, scikit-learn's
  ``zero_division=0``);
* estimated **ROC AUC** = area under the expected ROC curve: rows ordered by
  the raw score (the model's ranking), expected TPR/FPR as cumulative sums of
  ``p`` and ``1 − p``, tied scores forming one step (so ties count one half,
  as in the measured metric).

The estimate is only as good as the assumption behind it: the calibration
learned on the reference still holds in production (no concept drift). When
the score distribution moves (covariate shift) the estimate follows; when the
relation between scores and labels changes it does not.

Documented tolerance, checked on the sample data's fraud-scoring windows with
at least 300 labelled rows (``tests/health/test_performance_sample_data.py``):
|estimated − realised| ≤ 0.03 for accuracy and ≤ 0.10 for ROC AUC on at least
90 % of the windows. Measured at the time of writing over 83 windows: accuracy
within 0.03 on 95 % (median |error| 0.010); ROC AUC within 0.10 on 95 %, within
0.05 on 69 %, median error +0.03. The AUC estimate runs high because the sample
references hold in-sample (training) predictions, which separate the classes
better than production does; calibrated on production labels instead, the same
estimator is within 0.005 of the realised AUC per version. The misses are the
broken-ETL days (the score-to-label relation changed: AUC 0.73–0.80 realised,
≈ 0.91 estimated) and the bad release, fraud v4 (estimated AUC 0.99 against
0.75 realised; accuracy 0.85 against 0.83): CBPE cannot see a model whose
scores no longer mean what they meant on its reference data.

Precision, recall and F1 (of the positive class), measured on generated data
(reference of 5,000 rows and windows of 2,000 rows without shift, scores drawn
from Beta(2, 3) and labels drawn with P(1) = score; 10 references × 20
windows): largest |estimated − realised| 0.031 for accuracy, 0.062 for
precision, 0.039 for recall and F1, 0.033 for ROC AUC. Tolerance, checked by
``tests/production/test_estimation.py`` on every window of one such run:
0.05 for accuracy, recall, F1 and ROC AUC, 0.07 for precision (it divides by
the expected positives, the noisiest count).

On the sample data (the same 83 fraud-scoring windows) precision, recall and F1
estimates are far less reliable than accuracy, and no tolerance is claimed for
them there: median |error| 0.30 for precision, 0.04 for recall, 0.08 for F1
(within 0.10 on 18 %, 94 %, 64 % of windows). The positive class is rare and
the references hold in-sample scores, so the calibration is over-confident
about the few rows predicted positive, which precision divides by. The band
holds the realised value on 92 % of windows for accuracy, 69 % for ROC AUC,
47 % / 88 % / 65 % for precision / recall / F1: the band is sampling error
only; the calibration's own error is not in it.

Each estimate is stored with a band, ± 3 standard errors of the realised
metric under the calibration (:mod:`app.production.estimation_bands`).

Pure NumPy: importing scikit-learn costs seconds that every ingest would pay.
Isotonic regression matches scikit-learn's ``IsotonicRegression(out_of_bounds
="clip")``: tied scores pooled first, linear interpolation between fitted
points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.production.estimation_bands import accuracy_error, auc_error, class_errors

THRESHOLD = 0.5
ESTIMATED_METRICS = ("accuracy", "roc_auc", "precision", "recall", "f1")


@dataclass(frozen=True)
class Calibrator:
    """A monotone map from a score to P(label = 1), fitted on reference data."""

    scores: np.ndarray  # increasing, unique
    probabilities: np.ndarray  # non-decreasing, in [0, 1]

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(scores, self.scores, self.probabilities)


def is_binary_scored(labels: np.ndarray, scores: np.ndarray) -> bool:
    """Labels are 0/1 with both classes present and scores lie in [0, 1]."""
    finite = scores[np.isfinite(scores)]
    return bool(
        np.isin(labels, (0.0, 1.0)).all()
        and 0 < labels.sum() < labels.size
        and finite.size
        and finite.min() >= 0
        and finite.max() <= 1
    )


def fit_calibrator(labels: np.ndarray, scores: np.ndarray) -> Calibrator | None:
    """Isotonic calibration of ``scores`` to ``labels``; None unless :func:`is_binary_scored`."""
    y = np.asarray(labels, dtype=float)
    s = np.asarray(scores, dtype=float)
    keep = np.isfinite(y) & np.isfinite(s)
    y, s = y[keep], s[keep]
    if not y.size or not is_binary_scored(y, s):
        return None
    unique, inverse = np.unique(s, return_inverse=True)
    weights = np.bincount(inverse).astype(float)
    means = np.bincount(inverse, weights=y) / weights
    return Calibrator(unique, isotonic(means, weights))


def calibrator_from_counts(
    scores: np.ndarray, weights: np.ndarray, positives: np.ndarray
) -> Calibrator | None:
    """The calibrator of per-score counts (distinct scores in ascending order, rows, positives).

    For engines that count rather than hold the rows (Spark); None unless both outcomes
    occur and every score lies in [0, 1], as :func:`is_binary_scored` asks of rows.
    """
    if not 0 < positives.sum() < weights.sum() or scores.min() < 0 or scores.max() > 1:
        return None
    return Calibrator(scores, isotonic(positives / weights, weights))


def isotonic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-decreasing fit (pool adjacent violators)."""
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for value, weight in zip(values.tolist(), weights.tolist(), strict=True):
        size = 1
        while means and means[-1] >= value:
            previous, previous_weight = means.pop(), totals.pop()
            value = (previous * previous_weight + value * weight) / (previous_weight + weight)
            weight += previous_weight
            size += sizes.pop()
        means.append(value)
        totals.append(weight)
        sizes.append(size)
    return np.repeat(means, sizes)


def estimate(scores: np.ndarray, calibrator: Calibrator) -> dict[str, float]:
    """Estimated accuracy, ROC AUC, precision, recall and F1 of a window's ``scores``.

    No labels needed.

    Non-finite scores are ignored; empty dict when none is left. ROC AUC is
    left out when the window is expected to hold (almost) one class only.
    """
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if not s.size:
        return {}
    p = calibrator(s)
    predicted = s >= THRESHOLD
    result = {"accuracy": float(np.where(predicted, p, 1 - p).mean())}
    result |= expected_precision_recall_f1(predicted, p)
    auc = expected_roc_auc(s, p)
    if auc is not None:
        result["roc_auc"] = auc
    return result


def standard_errors(scores: np.ndarray, calibrator: Calibrator) -> dict[str, float]:
    """SE of each realised metric :func:`estimate` estimates (see ``estimation_bands``)."""
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if not s.size:
        return {}
    p = calibrator(s)
    predicted = s >= THRESHOLD
    errors = {"accuracy": accuracy_error(np.where(predicted, p, 1 - p))}
    errors |= class_errors(predicted, p)
    auc = expected_roc_auc(s, p)
    if auc is not None:
        errors["roc_auc"] = auc_error(auc, float(p.sum()), float((1 - p).sum()))
    return errors


def expected_precision_recall_f1(predicted: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of the expected confusion counts (module docstring)."""
    tp = float(p[predicted].sum())
    fp = float((1 - p[predicted]).sum())
    fn = float(p[~predicted].sum())
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
    }


def expected_roc_auc(scores: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Area under the ROC curve of expected positives ``probabilities``, ranked by ``scores``."""
    order = np.argsort(-scores, kind="mergesort")
    ranked, p = scores[order], probabilities[order]
    positives, negatives = float(p.sum()), float((1 - p).sum())
    if positives < 1e-9 or negatives < 1e-9:
        return None
    # One ROC point per distinct score: the cumulative counts at the end of each tie group.
    ends = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
    tpr = np.r_[0.0, np.cumsum(p)[ends] / positives]
    fpr = np.r_[0.0, np.cumsum(1 - p)[ends] / negatives]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
