"""Multivariate drift and feature importance stored at ingest, replaced on re-ingest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from app.ingest import ingest_file
from tests.ingest.helpers import stored


def day(start: str, n: int, correlation: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = correlation * x1 + np.sqrt(1 - correlation**2) * rng.normal(size=n)
    stamps = pd.date_range(start, periods=n, freq=pd.Timedelta(days=1) / n, tz="UTC")
    return pd.DataFrame(
        {
            "timestamp": stamps,
            "model_version": 1,
            "prediction": 1 / (1 + np.exp(-3 * x1)),  # the model uses x1 only
            "label": np.nan,
            "x1": x1,
            "x2": x2,
            "x3": rng.normal(size=n),
        }
    )


def ingest(engine: Engine, tmp_path: Path, rows: pd.DataFrame, name: str, ref: bool) -> None:
    path = tmp_path / f"{name}.parquet"
    rows.to_parquet(path)
    ingest_file("production", path, system="s", reference=ref, engine=engine)


def test_detectors_and_importance_are_stored_at_ingest(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, day("2025-01-01", 2000, 0.9, 1), "ref", ref=True)
    current = pd.concat([day("2025-02-01", 400, 0.9, 2), day("2025-02-02", 400, -0.9, 3)])
    ingest(engine, tmp_path, current, "cur", ref=False)
    windows = {
        w["id"]: w["window_start"].day
        for w in stored(engine, "production_windows")
        if not w["is_reference"]
    }
    results = {
        (windows[r["window_id"]], r["method"]): r
        for r in stored(engine, "multivariate_drift_results")
    }
    assert set(results) == {
        (d, m) for d in (1, 2) for m in ("pca_reconstruction", "domain_classifier")
    }
    quiet, joint = results[(1, "pca_reconstruction")], results[(2, "pca_reconstruction")]
    assert quiet["lower"] <= quiet["value"] <= quiet["upper"]
    assert joint["value"] > joint["upper"] == quiet["upper"]
    assert (
        results[(1, "domain_classifier")]["value"]
        < 0.65
        < results[(2, "domain_classifier")]["value"]
    )
    assert results[(2, "domain_classifier")]["rows"] == 400
    importance = {i["column"]: i["importance"] for i in stored(engine, "feature_importances")}
    assert set(importance) == {"x1", "x2", "x3"}
    assert importance["x1"] > 0.5 > max(importance["x2"], importance["x3"])
    # Re-ingesting replaces, never duplicates.
    ingest(engine, tmp_path, current, "cur", ref=False)
    ingest(engine, tmp_path, day("2025-01-01", 2000, 0.9, 1), "ref", ref=True)
    assert len(stored(engine, "multivariate_drift_results")) == 4
    assert len(stored(engine, "feature_importances")) == 3
