"""Bands of CBPE estimates: the realised metric's sampling error under the calibration.

Given a window's calibrated probabilities, each row's label is an independent
Bernoulli draw, so the realised metric is a random variable whose mean is the
estimate. A band is the estimate ± ``BAND_ERRORS`` standard errors of it
(NannyML draws ±3 sampling errors too; it derives them from the reference's
spread, these come from the window's own probabilities, so a window of
confident rows gets a narrower band):

* accuracy: the mean of Bernoulli(``q``), ``q`` the probability that the row's
  prediction is right: SE = √Σ q(1 − q) / n (exact);
* precision, recall, F1 of one class, from TP = A (rows predicted the class),
  FN = B (the other rows), with Var A = Σ p(1 − p) over the predicted rows,
  Var B over the others and P the rows predicted the class: precision = A/P,
  SE = √Var A / P; recall = A/(A + B) and F1 = 2A/(P + A + B) by the delta
  method; a macro average's SE is √(Σ SE²) / classes (classes independent);
* ROC AUC: Hanley & McNeil (1982) with the expected positives and negatives;
  a macro average as above.

Bands are clipped to [0, 1], the metrics' range.
"""

from __future__ import annotations

import math

import numpy as np

BAND_ERRORS = 3.0


def accuracy_error(correct: np.ndarray) -> float:
    """SE of the share of right predictions, each right with probability ``correct``."""
    return math.sqrt(float((correct * (1 - correct)).sum())) / correct.size


def class_errors(chosen: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """SEs of one class's precision, recall and F1: ``chosen`` rows predicted it, ``p`` P(it)."""
    a, b = float(p[chosen].sum()), float(p[~chosen].sum())
    var_a = float((p[chosen] * (1 - p[chosen])).sum())
    var_b = float((p[~chosen] * (1 - p[~chosen])).sum())
    predicted = float(chosen.sum())
    errors = {"precision": math.sqrt(var_a) / predicted if predicted else 0.0}
    positives = a + b
    errors["recall"] = math.sqrt(b * b * var_a + a * a * var_b) / positives**2 if positives else 0.0
    total = predicted + a + b
    errors["f1"] = (
        2 * math.sqrt((predicted + b) ** 2 * var_a + a * a * var_b) / total**2 if total else 0.0
    )
    return errors


def auc_error(auc: float, positives: float, negatives: float) -> float:
    """Hanley & McNeil's SE of a ROC AUC over ``positives`` and ``negatives`` rows."""
    if positives < 1 or negatives < 1:
        return 0.0
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)
    ) / (positives * negatives)
    return math.sqrt(max(variance, 0.0))


def macro_error(errors: list[float]) -> float:
    """SE of the mean of independent estimates with SEs ``errors``."""
    return math.sqrt(sum(e * e for e in errors)) / len(errors) if errors else 0.0


def band(value: float, error: float) -> tuple[float, float]:
    """[value − 3 SE, value + 3 SE], clipped to [0, 1]."""
    return max(0.0, value - BAND_ERRORS * error), min(1.0, value + BAND_ERRORS * error)
