"""DLE through the ingest: a regression reference, then days with and without labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.ingest import ingest_file
from tests.ingest.helpers import stored


def regression_rows(n: int, seed: int, start: str, days: int, low: float = 0.0) -> pd.DataFrame:
    """A forecaster whose error grows with ``size`` (no concept drift), over ``days`` days."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(low, 10.0, n)
    prediction = 3.0 * size + 5.0
    seconds = np.sort(rng.integers(0, days * 86400, n))
    return pd.DataFrame(
        {
            "timestamp": pd.Timestamp(start, tz="UTC") + pd.to_timedelta(seconds, unit="s"),
            "prediction_id": [f"r{seed}-{i}" for i in range(n)],
            "model_version": 1,
            "prediction": prediction,
            "label": prediction + rng.normal(0.0, 0.5 + size),
            "size": size,
            "shop": rng.choice(["a", "b"], n),
        }
    )


def estimates(engine: Engine) -> dict[int, dict[str, dict[str, float]]]:
    """Window id -> metric -> value, lower, upper of the stored estimated results."""
    found: dict[int, dict[str, dict[str, float]]] = {}
    for row in stored(engine, "performance_results"):
        if row["estimated"]:
            found.setdefault(row["window_id"], {})[row["metric"]] = {
                k: row[k] for k in ("value", "lower", "upper")
            }
    return found


def test_unlabelled_days_get_estimated_mae_and_rmse_with_their_band(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    reference = regression_rows(2000, 1, "2025-01-01", 10)
    reference_path = tmp_path / "reference.parquet"
    reference.to_parquet(reference_path, index=False)
    calm = regression_rows(600, 2, "2025-03-01", 1)
    shifted = regression_rows(600, 3, "2025-03-02", 1, low=7.0)  # big sizes: bigger errors
    production = pd.concat([calm, shifted], ignore_index=True)
    production.loc[production["timestamp"] >= "2025-03-02", "label"] = np.nan  # labels pending
    production_path = tmp_path / "production.parquet"
    production.to_parquet(production_path, index=False)

    ingest_file("production", reference_path, system="forecast", reference=True, engine=engine)
    ingest_file("production", production_path, system="forecast", engine=engine)

    windows = {
        (w["is_reference"], str(w["window_start"])[:10]): w["id"]
        for w in stored(engine, "production_windows")
    }
    found = estimates(engine)
    assert windows[(True, "2025-01-01")] not in found  # a reference is not estimated
    day1, day2 = found[windows[(False, "2025-03-01")]], found[windows[(False, "2025-03-02")]]
    assert set(day1) == set(day2) == {"mae", "rmse"}
    for metric in ("mae", "rmse"):
        assert day1[metric]["lower"] < day1[metric]["value"] < day1[metric]["upper"]
    realised_calm = float(np.abs(calm["prediction"] - calm["label"]).mean())
    realised_shift = float(np.abs(shifted["prediction"] - shifted["label"]).mean())
    assert day1["mae"]["value"] == pytest.approx(realised_calm, rel=0.1)
    assert day2["mae"]["value"] == pytest.approx(realised_shift, rel=0.1)  # labels not needed
    assert day2["mae"]["lower"] > day1["mae"]["upper"]
