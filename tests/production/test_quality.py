"""Unit tests of a window's quality checks (pure functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.production import quality
from app.production.reference import profile_reference


def test_missing_share_counts_nan_none_and_inf() -> None:
    assert quality.missing_share(pd.Series([1.0, np.nan, np.inf, 2.0])) == 0.5
    assert quality.missing_share(pd.Series(["a", None, "b", "c"], dtype=object)) == 0.25
    assert quality.missing_share(pd.Series([], dtype=float)) == 0.0


def test_out_of_range_ignores_missing() -> None:
    assert quality.out_of_range_share(pd.Series([0.0, 5.0, 11.0, np.nan]), 0, 10) == 0.25


def test_quality_results_with_reference() -> None:
    reference = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"], "gone": [1.0, 2.0]})
    window = pd.DataFrame({"x": [5.0, 20.0, np.nan, -1.0], "c": [1.0, 2.0, 3.0, 4.0]})
    profile = profile_reference(reference, ["x", "c", "gone"])
    results = {(c, k): v for c, k, v in quality.window_checks(window, ["x", "c"], profile)}
    assert results[("x", "missing_share")] == 0.25
    assert results[("x", "out_of_range_share")] == 0.5
    assert ("c", "out_of_range_share") not in results  # categorical in the reference
    assert results[("", "missing_share")] == 0.25
    assert results[("", "out_of_range_share")] == 0.5
    assert results[("", "schema_violations")] == 2.0  # gone is absent, c changed kind


def test_quality_results_without_reference() -> None:
    results = quality.window_checks(pd.DataFrame({"x": [1.0]}), ["x"])
    assert results == [
        ("x", "missing_share", 0.0),
        ("", "missing_share", 0.0),
        ("", "schema_violations", 0.0),
    ]
