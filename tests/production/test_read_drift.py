"""What the Drift page draws, as plain data: the drift share per window."""

from __future__ import annotations

import pandas as pd
import pytest

from app.production.read_drift import drift_share_by_window


def _rows(window_id: int, day: str, version: int, drifted: dict[str, bool]) -> list[dict]:
    return [
        {"window_id": window_id, "window_start": pd.Timestamp(day, tz="UTC"),
         "model_version": version, "column": column, "drifted": flag}
        for column, flag in drifted.items()
    ]  # fmt: skip


def test_drift_share_counts_features_not_the_prediction() -> None:
    matrix = pd.DataFrame(
        _rows(2, "2025-03-02", 1, {"a": True, "b": False, "c": False, "prediction": True})
        + _rows(1, "2025-03-01", 1, {"a": True, "b": True, "c": False, "d": True})
    )
    shares = drift_share_by_window(matrix)
    assert shares["window_id"].tolist() == [1, 2]  # oldest first
    assert shares["share"].tolist() == pytest.approx([0.75, 1 / 3])
    assert shares["prediction_drifted"].isna().tolist() == [True, False]  # no prediction column
    assert shares["prediction_drifted"].iloc[1] == 1.0


def test_drift_share_of_nothing_is_empty() -> None:
    empty = pd.DataFrame(
        columns=["window_id", "window_start", "model_version", "column", "drifted"]
    )
    assert drift_share_by_window(empty).empty
