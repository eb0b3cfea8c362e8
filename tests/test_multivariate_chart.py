"""The PCA reconstruction error chart: a log axis when one burst dwarfs the band."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.production.multivariate import PCA
from app.ui.multivariate import pca_figure


def _frame(values: list[float]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "method": [PCA] * n,
            "window_start": pd.date_range("2026-09-01", periods=n, freq="D", tz="UTC"),
            "value": values,
            "lower": [-0.5] * n,  # mean - 3 std below 0, as on the sample data
            "upper": [1.4] * n,
            "alert": [v > 1.4 for v in values],
        }
    )


def test_a_burst_puts_the_axis_on_a_log_scale_with_the_band_above_zero() -> None:
    fig = pca_figure(_frame([1.0, 1.1, 0.9, 200.0, 1.5, 1.0]))
    assert fig.layout.yaxis.type == "log"
    band_lower = np.asarray(fig.data[1].y, dtype=float)
    assert (band_lower > 0).all()  # a log axis cannot draw 0 or below
    assert band_lower.tolist() == [0.45] * 6  # half the smallest error
    assert list(fig.data[3].y) == [200.0, 1.5]  # both alerts still drawn


def test_errors_of_one_size_keep_a_linear_axis_and_the_band_as_stored() -> None:
    fig = pca_figure(_frame([1.0, 1.1, 0.9, 1.6, 1.0]))
    assert fig.layout.yaxis.type is None
    assert list(fig.data[1].y) == [-0.5] * 5
