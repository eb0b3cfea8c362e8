"""Fairness and business value follow the models file, whenever it arrives.

A ``models`` row can come after its version's windows: its task, its
``sensitive`` list and its value matrix then recompute the stored figures
(before this, fairness kept what it was given at the windows' ingest).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.ingest import ingest_file
from app.production.business_value import ValueMatrix, window_value
from app.production.estimation import fit_calibrator
from tests.ingest.helpers import stored, write

MODELS_HEADER = "system,model_name,version,run_id,registered_at,alias,task"


def _frame(seed: int, days: int, labelled: bool = True, ids: str = "p") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300 * days
    groups = rng.choice(["de", "fr"], n)
    scores = np.clip(rng.random(n) + np.where(groups == "de", 0.15, 0.0), 0, 1).round(4)
    labels = (rng.random(n) < scores).astype(float)
    return pd.DataFrame(
        {
            "timestamp": pd.date_range("2025-03-01", periods=n, freq=f"{86400 // 300}s", tz="UTC"),
            "model_version": 2,
            "prediction": scores,
            "label": labels if labelled else np.nan,
            "prediction_id": [f"{ids}{i}" for i in range(n)],
            "sensitive.age_band": rng.choice(["young", "old"], n),
            "country": groups,
        }
    )


def _csv(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    text = frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return write(tmp_path, name, text.to_csv(index=False))


def _models(tmp_path: Path, extra_header: str = "", extra: str = "", task: str = "") -> Path:
    row = f"shop,m,2,r1,2025-02-28T00:00:00Z,champion,{task}{extra}"
    return write(tmp_path, "models.csv", f"{MODELS_HEADER}{extra_header}\n{row}\n")


def _metrics(engine: Engine) -> set[tuple[str, str]]:
    return {(r["attribute"], r["metric"]) for r in stored(engine, "fairness_results")}


def test_a_models_row_after_the_windows_rescores_their_fairness(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    ingest_file("production", _csv(tmp_path, "p.csv", _frame(1, 2)), system="shop", engine=engine)
    assert ("age_band", "equalized_odds_difference") in _metrics(engine)  # 0/1 labels: binary
    # The row says regression: the same windows are compared by their MAE now.
    ingest_file("models", _models(tmp_path, task="regression"), engine=engine)
    metrics = _metrics(engine)
    assert ("age_band", "mae_gap") in metrics
    assert ("age_band", "equalized_odds_difference") not in metrics


def test_the_models_rows_sensitive_list_adds_its_columns(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    ingest_file("production", _csv(tmp_path, "p.csv", _frame(2, 2)), system="shop", engine=engine)
    assert {a for a, _ in _metrics(engine)} == {"age_band"}
    models = _models(tmp_path, ",sensitive", ',"country, missing"', task="classification")
    ingest_file("models", models, engine=engine)
    results = pd.DataFrame(stored(engine, "fairness_results"))
    assert set(results["attribute"]) == {"age_band", "country"}  # "missing" is no column
    rates = results[(results["attribute"] == "country") & (results["metric"] == "selection_rate")]
    assert set(rates["group_value"]) == {"de", "fr"}
    # The list stays in force for windows ingested later.
    later = _frame(3, 1, ids="q").assign(timestamp=lambda f: f["timestamp"] + pd.Timedelta(days=5))
    ingest_file("production", _csv(tmp_path, "q.csv", later), system="shop", engine=engine)
    windows = {w["id"] for w in stored(engine, "production_windows")}
    results = pd.DataFrame(stored(engine, "fairness_results"))
    assert set(results.loc[results["attribute"] == "country", "window_id"]) == windows


def test_a_value_matrix_arriving_last_values_every_window(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    reference = _frame(4, 1, ids="r")
    ingest_file(
        "production",
        _csv(tmp_path, "r.csv", reference),
        system="shop",
        reference=True,
        engine=engine,
    )
    labelled, pending = _frame(5, 1), _frame(6, 1, labelled=False, ids="u")
    pending["timestamp"] += pd.Timedelta(days=1)
    both = pd.concat([labelled, pending], ignore_index=True)
    ingest_file("production", _csv(tmp_path, "p.csv", both), system="shop", engine=engine)
    assert stored(engine, "business_values") == []  # no matrix yet
    header = ",value_tp,value_fp,value_fn,value_tn,value_unit"
    ingest_file("models", _models(tmp_path, header, ",120,-20,-15,0,EUR"), engine=engine)
    values = {v["window_id"]: v for v in stored(engine, "business_values")}
    windows = {w["id"]: w for w in stored(engine, "production_windows")}
    assert set(values) == set(windows)
    calibrator = fit_calibrator(reference["label"].to_numpy(), reference["prediction"].to_numpy())
    matrix = ValueMatrix(120, -20, -15, 0, "EUR")
    for window_id, window in windows.items():
        value = values[window_id]
        if window["is_reference"]:
            expected = window_value(reference, matrix, None)
            assert value["estimated"] is None
        else:
            day = both[both["timestamp"].dt.floor("D") == pd.Timestamp(window["window_start"])]
            expected = window_value(day.reset_index(drop=True), matrix, calibrator)
            assert value["estimated"] == pytest.approx(expected.estimated, rel=1e-12)
            assert value["lower"] < value["estimated"] < value["upper"]
        if expected.realised is None:
            assert value["realised"] is None  # the pending day: an estimate only
        else:
            assert value["realised"] == pytest.approx(expected.realised, rel=1e-12)
    # A re-ingest of the same models file changes nothing; removing the matrix removes values.
    ingest_file("models", _models(tmp_path, header, ",120,-20,-15,0,EUR"), engine=engine)
    assert {v["window_id"]: v for v in stored(engine, "business_values")}.keys() == values.keys()
    ingest_file("models", _models(tmp_path, header, ",,,,,"), engine=engine)
    assert stored(engine, "business_values") == []


def test_a_reference_arriving_last_estimates_the_pending_days(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    pending = _frame(7, 1, labelled=False, ids="u")
    ingest_file("production", _csv(tmp_path, "p.csv", pending), system="shop", engine=engine)
    header = ",value_tp,value_fp,value_fn,value_tn,value_unit"
    ingest_file("models", _models(tmp_path, header, ",120,-20,-15,0,EUR"), engine=engine)
    assert stored(engine, "business_values") == []  # no labels, no calibration: nothing to say
    reference = _frame(8, 1, ids="r")
    path = _csv(tmp_path, "r.csv", reference)
    ingest_file("production", path, system="shop", reference=True, engine=engine)
    calibrator = fit_calibrator(reference["label"].to_numpy(), reference["prediction"].to_numpy())
    expected = window_value(pending, ValueMatrix(120, -20, -15, 0), calibrator)
    windows = {w["id"]: w for w in stored(engine, "production_windows")}
    day = next(i for i, w in windows.items() if not w["is_reference"])
    values = {v["window_id"]: v for v in stored(engine, "business_values")}
    assert values[day]["realised"] is None
    assert values[day]["estimated"] == pytest.approx(expected.estimated, rel=1e-12)
