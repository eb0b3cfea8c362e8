"""A version's task comes from its reference or models row, never from one window's labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.ingest import ingest_file
from tests.ingest.helpers import stored, write


def _binary_rows(n: int, seed: int, day: str, labelled: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    scores = np.clip(0.5 + (labels - 0.5) * 0.4 + rng.normal(0, 0.25, n), 0, 1)
    return pd.DataFrame(
        {
            "timestamp": pd.date_range(day, periods=n, freq="min", tz="UTC"),
            "model_version": 3,
            "prediction": scores.round(4),
            "label": labels.astype(float) if labelled else np.nan,
            "amount": rng.normal(50, 10, n).round(2),
        }
    )


def _csv(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    return write(tmp_path, name, frame.to_csv(index=False))


def _estimated(engine: Engine, window_id: int) -> dict[str, float]:
    return {
        r["metric"]: r["value"]
        for r in stored(engine, "performance_results")
        if r["window_id"] == window_id and r["estimated"]
    }


def _day_window(engine: Engine) -> int:
    windows = stored(engine, "production_windows")
    return next(w["id"] for w in windows if not w["is_reference"])


MODELS = (
    "system,model_name,version,run_id,registered_at,alias,task\n"
    "shop,churn,3,,2025-01-01T00:00:00Z,,{task}\n"
)


@pytest.mark.usefixtures("data_dir")
def test_unlabelled_day_of_a_binary_version_is_estimated(engine: Engine, tmp_path: Path) -> None:
    """The issue's reproduction: labelled reference of 2,000 rows, a 500-row day without labels."""
    reference = _csv(tmp_path, "ref.csv", _binary_rows(2000, 1, "2025-01-01", True))
    ingest_file("production", reference, system="shop", reference=True, engine=engine)
    day = _csv(tmp_path, "day.csv", _binary_rows(500, 2, "2025-03-01", False))
    ingest_file("production", day, system="shop", engine=engine)
    estimated = _estimated(engine, _day_window(engine))
    assert {"accuracy", "roc_auc"} <= set(estimated)
    assert 0.5 < estimated["accuracy"] <= 1


@pytest.mark.usefixtures("data_dir")
def test_reference_ingested_after_the_day_refreshes_it(engine: Engine, tmp_path: Path) -> None:
    day = _csv(tmp_path, "day.csv", _binary_rows(500, 2, "2025-03-01", False))
    ingest_file("production", day, system="shop", engine=engine)
    assert _estimated(engine, _day_window(engine)) == {}
    reference = _csv(tmp_path, "ref.csv", _binary_rows(2000, 1, "2025-01-01", True))
    ingest_file("production", reference, system="shop", reference=True, engine=engine)
    assert {"accuracy", "roc_auc"} <= set(_estimated(engine, _day_window(engine)))


@pytest.mark.usefixtures("data_dir")
def test_models_row_ingested_later_refreshes_the_version(engine: Engine, tmp_path: Path) -> None:
    """A labelled day whose labels look binary but whose predictions are classes 0..2."""
    rows = pd.DataFrame(
        {
            "timestamp": pd.date_range("2025-03-01", periods=4, freq="h", tz="UTC"),
            "model_version": 3,
            "prediction": [0.0, 2, 1, 0],
            "label": [0.0, 1, 1, 0],
        }
    )
    ingest_file("production", _csv(tmp_path, "day.csv", rows), system="shop", engine=engine)
    models = write(tmp_path, "models.csv", MODELS.format(task="classification"))
    ingest_file("models", models, engine=engine)
    measured = {
        r["metric"]: r["value"]
        for r in stored(engine, "performance_results")
        if r["window_id"] == _day_window(engine) and not r["estimated"]
    }
    assert measured["accuracy"] == 0.75
    assert "roc_auc" not in measured
    assert "mae" not in measured


def _multiclass_rows(n: int, seed: int, day: str, labelled: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, (n, 3))
    scores = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = (rng.random(n)[:, None] > np.cumsum(scores, axis=1)).sum(axis=1).astype(float)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range(day, periods=n, freq="min", tz="UTC"),
            "model_version": 3,
            "prediction": scores.argmax(axis=1).astype(float),
            "label": labels if labelled else np.nan,
            "amount": rng.normal(50, 10, n).round(2),
        }
    )
    for k in range(3):
        frame[f"score.{k}"] = scores[:, k].round(4)
    return frame


@pytest.mark.usefixtures("data_dir")
def test_multiclass_version_with_score_columns_is_estimated(engine: Engine, tmp_path: Path) -> None:
    """No models row: the reference's score.<class> columns make the version multiclass."""
    reference = _csv(tmp_path, "ref.csv", _multiclass_rows(2000, 1, "2025-01-01", True))
    ingest_file("production", reference, system="shop", reference=True, engine=engine)
    day = _csv(tmp_path, "day.csv", _multiclass_rows(500, 2, "2025-03-01", False))
    ingest_file("production", day, system="shop", engine=engine)
    estimated = _estimated(engine, _day_window(engine))
    assert set(estimated) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    windows = stored(engine, "production_windows")
    assert all(w["feature_columns"] == ["amount"] for w in windows)  # scores are not features
    measured_on_reference = {
        r["metric"]
        for r in stored(engine, "performance_results")
        if r["window_id"] != _day_window(engine)
    }
    assert measured_on_reference == {"accuracy", "precision", "recall", "f1", "roc_auc"}
