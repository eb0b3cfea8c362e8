"""Re-deciding stored scores with one threshold per method family (no statistic recomputed)."""

from __future__ import annotations

import pandas as pd
import pytest

from app.drift import apply_family_thresholds


def test_apply_family_thresholds_redecides_without_recomputing() -> None:
    rows = pd.DataFrame(
        {
            "method": ["ks", "chisquare", "wasserstein", "jensenshannon"],
            "score": [0.05, 0.05, 0.1, 0.05],
            "threshold": [0.05, 0.05, 0.1, 0.1],
            "drifted": [True, False, True, False],
        }
    )
    same = apply_family_thresholds(rows, {})
    assert same["drifted"].tolist() == [True, False, True, False]  # ks: p <= t; chisquare: p < t
    assert same["relative"].tolist() == pytest.approx([1.0, 1.0, 1.0, 0.5])
    moved = apply_family_thresholds(rows, {"p_value": 0.01, "distance": 0.04})
    assert moved["drifted"].tolist() == [False, False, True, True]
    assert moved["threshold"].tolist() == [0.01, 0.01, 0.04, 0.04]
    assert rows["threshold"].tolist() == [0.05, 0.05, 0.1, 0.1]  # input untouched
