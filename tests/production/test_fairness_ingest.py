"""Fairness at ingest: ``sensitive.*`` columns give stored figures equal to Fairlearn's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, equalized_odds_difference, selection_rate
from sqlalchemy import Engine

from app.ingest import IngestError, ingest_file
from tests.ingest.helpers import stored, write


def _file(tmp_path: Path, seed: int = 3, days: int = 2) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 300 * days
    groups = rng.choice(["f", "m", "x"], n, p=[0.45, 0.5, 0.05]).astype(object)
    scores = np.clip(rng.random(n) + np.where(groups == "m", 0.2, 0.0), 0, 1).round(4)
    labels = (rng.random(n) < scores).astype(float)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2025-03-01", periods=n, freq=f"{86400 // 300}s", tz="UTC"),
            "model_version": 2,
            "prediction": scores,
            "label": labels,
            "prediction_id": [f"p{i}" for i in range(n)],
            "sensitive.gender": groups,
            "amount": rng.random(n).round(3),
        }
    )
    text = frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return write(tmp_path, "production.csv", text.to_csv(index=False)), frame


def test_ingest_stores_fairlearns_figures(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    path, frame = _file(tmp_path)
    ingest_file("production", path, system="fraud", engine=engine)
    windows = {w["id"]: w for w in stored(engine, "production_windows")}
    assert all(w["feature_columns"] == ["amount"] for w in windows.values())  # not a feature
    results = pd.DataFrame(stored(engine, "fairness_results"))
    assert set(results["window_id"]) == set(windows)
    for window_id, window in windows.items():
        day = frame[frame["timestamp"].dt.floor("D") == pd.Timestamp(window["window_start"])]
        kept = day[day["sensitive.gender"].isin(["f", "m"])]  # "x" has under 30 rows a day
        y, y_pred = kept["label"], (kept["prediction"] >= 0.5).astype(float)
        mine = results[results["window_id"] == window_id].set_index(["group_value", "metric"])
        rates = MetricFrame(
            metrics=selection_rate,
            y_true=y,
            y_pred=y_pred,
            sensitive_features=kept["sensitive.gender"],
        ).by_group
        for group, rate in rates.items():
            assert mine.loc[(group, "selection_rate"), "value"] == pytest.approx(rate, abs=1e-9)
        expected = equalized_odds_difference(y, y_pred, sensitive_features=kept["sensitive.gender"])
        assert mine.loc[("", "equalized_odds_difference"), "value"] == pytest.approx(
            expected, abs=1e-9
        )
        assert mine.loc[("", "groups_left_out"), "value"] == 1
        assert (mine["rows"] > 0).all()


def test_reingest_adds_nothing(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    path, _ = _file(tmp_path, days=1)
    ingest_file("production", path, system="fraud", engine=engine)
    before = stored(engine, "fairness_results")
    ingest_file("production", path, system="fraud", engine=engine)
    assert stored(engine, "fairness_results") == before


def test_a_group_too_long_is_refused_with_its_row(
    sqlite_engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    rows = ["2025-03-01T08:00:00Z,7,0.9,1,short", "2025-03-01T09:00:00Z,7,0.2,0," + "g" * 251]
    path = write(
        tmp_path,
        "p.csv",
        "\n".join(["timestamp,model_version,prediction,label,sensitive.region", *rows]) + "\n",
    )
    with pytest.raises(IngestError) as error:
        ingest_file("production", path, system="fraud", engine=sqlite_engine)
    message = str(error.value)
    assert "sensitive.region" in message
    assert "row 2" in message
    assert "at most 250 characters" in message
    assert stored(sqlite_engine, "fairness_results") == []
