"""Business value: the realised matrix product, and CBPE's estimate as NannyML computes it.

NannyML cannot be installed beside our pins (0.13.x needs python-dateutil<3,
we run 4.0; older releases pin python-dotenv<0.22), so it is no test
dependency. Its formula is reproduced below from NannyML 0.13.1's
``estimate_business_value``
(``nannyml/performance_estimation/confidence_based/metrics.py`` lines
2263–2309), and the golden numbers were produced by NannyML 0.13.1 itself in a
throwaway environment, on exactly this generated data: ``CBPE(metrics=
["business_value"], business_value_matrix=[[1, -20], [-15, 120]],
chunk_number=1)`` fitted on the reference (its own isotonic calibration)
estimated 14111.86543007789 and realised 15378.0 on the analysis rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.production.business_value import (
    ValueMatrix,
    estimated_value,
    realised_value,
    window_value,
)
from app.production.estimation import fit_calibrator

MATRIX = ValueMatrix(tp=120, fp=-20, fn=-15, tn=1, unit="EUR")
NANNYML_ESTIMATE = 14111.86543007789  # NannyML 0.13.1 CBPE on _data(), see the module docstring
NANNYML_REALISED = 15378.0


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(16)
    ref_scores = rng.beta(2, 5, 4000).round(4)
    ref_labels = (rng.random(4000) < ref_scores).astype(float)
    scores = rng.beta(2, 4, 1500).round(4)
    labels = (rng.random(1500) < scores).astype(float)
    return ref_scores, ref_labels, scores, labels


def _nannyml_estimate(y_pred: np.ndarray, y_pred_proba: np.ndarray, matrix: np.ndarray) -> float:
    """NannyML 0.13.1 ``estimate_business_value`` with ``normalize_business_value=None``."""
    est_tn_ratio = np.mean(np.where(y_pred == 0, 1 - y_pred_proba, 0))
    est_tp_ratio = np.mean(np.where(y_pred == 1, y_pred_proba, 0))
    est_fp_ratio = np.mean(np.where(y_pred == 1, 1 - y_pred_proba, 0))
    est_fn_ratio = np.mean(np.where(y_pred == 0, y_pred_proba, 0))
    cm = np.array([[est_tn_ratio, est_fp_ratio], [est_fn_ratio, est_tp_ratio]]) * len(y_pred)
    tp_value, tn_value = matrix[1, 1], matrix[0, 0]
    fp_value, fn_value = matrix[0, 1], matrix[1, 0]
    return float((np.array([[tn_value, fp_value], [fn_value, tp_value]]) * cm).sum())


def test_realised_value_is_the_matrix_product_of_the_confusion_counts() -> None:
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 1, np.nan, 0])
    scores = np.array([0.9, 0.7, 0.2, 0.6, 0.1, 0.3, 0.5, 0.4, 0.99, np.nan])
    # TP: 0.9, 0.7; FN: 0.2, 0.4; FP: 0.6, 0.5 (0.5 is positive); TN: 0.1, 0.3; two rows out.
    value, rows = realised_value(labels, scores, MATRIX)
    assert rows == 8
    assert value == 2 * 120 + 2 * -20 + 2 * -15 + 2 * 1


def test_estimated_value_is_nannymls_cbpe_business_value() -> None:
    ref_scores, ref_labels, scores, labels = _data()
    calibrator = fit_calibrator(ref_labels, ref_scores)
    assert calibrator is not None
    estimate, error, rows = estimated_value(scores, calibrator, MATRIX)
    p = calibrator(scores)
    formula = _nannyml_estimate((scores >= 0.5).astype(int), p, MATRIX.as_nannyml())
    assert estimate == pytest.approx(formula, abs=1e-6)
    assert estimate == pytest.approx(NANNYML_ESTIMATE, abs=1e-6)
    assert realised_value(labels, scores, MATRIX) == (NANNYML_REALISED, 1500)
    assert rows == 1500
    assert error > 0
    # The realised value lies in the ± 3 SE band, as a sampling band should here.
    assert abs(NANNYML_REALISED - estimate) < 3 * error


def test_window_value_without_labels_or_calibration() -> None:
    import pandas as pd

    rows = pd.DataFrame({"label": [np.nan, np.nan], "prediction": [0.9, 0.1]})
    value = window_value(rows, MATRIX, None)
    assert value.realised is None
    assert value.estimated is None
    assert value.realised_rows == 0
    assert value.estimated_rows == 0
