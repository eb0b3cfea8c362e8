"""Drift stored at ingest: which reference, upsert, recompute, and the stored matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.drift import compute_drift
from app.ingest import ingest_file
from app.production.stored import drift_matrix
from tests.ingest.helpers import stored


def frame(version: int, start: str, days: int, shift: float = 0.0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(version * 100 + days + int(shift * 10))
    stamps = pd.date_range(start, periods=n * days, freq=pd.Timedelta(days=1) / n, tz="UTC")
    size = len(stamps)
    return pd.DataFrame(
        {
            "timestamp": stamps,
            "model_version": version,
            "prediction": rng.uniform(0, 1, size),
            "label": np.nan,
            "amount": rng.normal(100 + shift * 50, 10, size),
            "country": rng.choice(["FR", "US", "DE"] if not shift else ["FR", "XX"], size),
        }
    )


def ingest(engine: Engine, tmp_path: Path, rows: pd.DataFrame, name: str, ref: bool) -> None:
    path = tmp_path / f"{name}.parquet"
    rows.to_parquet(path)
    ingest_file("production", path, system="s", reference=ref, engine=engine)


def test_drift_stored_on_ingest_equals_the_engine(engine: Engine, tmp_path: Path) -> None:
    reference = frame(1, "2025-01-01", 4)
    current = frame(1, "2025-02-01", 2, shift=1.0)
    ingest(engine, tmp_path, reference, "ref", ref=True)
    ingest(engine, tmp_path, current, "cur", ref=False)
    matrix = drift_matrix(engine, "s")
    assert sorted(matrix["column"].unique()) == ["amount", "country", "prediction"]
    assert matrix["window_start"].nunique() == 2
    day = current[current["timestamp"] < pd.Timestamp("2025-02-02", tz="UTC")]
    expected = compute_drift(
        reference.drop(columns=["timestamp", "model_version", "label"]),
        day.drop(columns=["timestamp", "model_version", "label"]),
    )
    first = matrix[matrix["window_start"] == matrix["window_start"].min()].set_index("column")
    for col in expected.columns:
        assert first.loc[col.column, "method"] == col.method
        assert first.loc[col.column, "score"] == pytest.approx(col.score, rel=1e-9)
        assert bool(first.loc[col.column, "drifted"]) == col.drifted
    assert first.loc["amount", "drifted"]
    # Re-ingesting the same file changes nothing; one reference per window.
    before = stored(engine, "drift_results")
    ingest(engine, tmp_path, current, "cur", ref=False)
    assert len(stored(engine, "drift_results")) == len(before) == 6
    quality = {(q["column"], q["check"]): q["value"] for q in stored(engine, "quality_results")}
    assert quality[("country", "new_category_share")] > 0.3  # "XX" is new
    assert quality[("country", "new_categories")] == 1.0
    assert quality[("", "added_columns")] == 0.0


def test_fallback_and_reference_ingested_after_windows(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, frame(1, "2025-01-01", 3), "ref1", ref=True)
    ingest(engine, tmp_path, frame(2, "2025-02-01", 1), "cur2", ref=False)
    refs = {
        w["model_version"]: w["id"]
        for w in stored(engine, "production_windows")
        if w["is_reference"]
    }
    # v2 has no reference of its own: tested against v1's.
    assert set(drift_matrix(engine, "s")["reference_window_id"]) == {refs[1]}
    ingest(engine, tmp_path, frame(2, "2025-01-10", 3), "ref2", ref=True)
    refs = {
        w["model_version"]: w["id"]
        for w in stored(engine, "production_windows")
        if w["is_reference"]
    }
    matrix = drift_matrix(engine, "s")
    assert set(matrix["reference_window_id"]) == {refs[2]}  # recomputed, old rows gone
    assert len(stored(engine, "drift_results")) == 3
    assert drift_matrix(engine, "s", model_version=1).empty
    assert len(drift_matrix(engine, "s", reference_window_id=refs[2])) == 3
    assert drift_matrix(engine, "nope").empty
