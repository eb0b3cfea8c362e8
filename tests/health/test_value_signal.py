"""impact.value_ratio: the worst version's value per prediction over its reference's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.health.report import build_status
from app.health.value import MIN_ROWS
from app.health.what_if import signal_series
from app.health.window import Window
from app.ingest import ingest_file
from tests.ingest.helpers import write

MATRIX = {"tp": 100.0, "fp": -150.0, "fn": -10.0, "tn": 0.0}
SINCE, UNTIL = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 5, tzinfo=UTC)


def _rows(version: int, start: str, n: int, flagged: float, seed: int, ids: str) -> pd.DataFrame:
    """A version's rows: scores that mean what they say, but a ``flagged`` share of the rows
    scored 0.9 whatever their label."""
    rng = np.random.default_rng(seed)
    scores = rng.beta(2, 2, n).round(4)
    labels = (rng.random(n) < scores).astype(float)
    scores = np.where(rng.random(n) < flagged, 0.9, scores)
    return pd.DataFrame(
        {
            "timestamp": pd.date_range(start, periods=n, freq="20s", tz="UTC"),
            "model_version": version,
            "prediction": scores,
            "label": labels,
            "prediction_id": [f"{ids}{i}" for i in range(n)],
        }
    )


def _csv(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    text = frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return write(tmp_path, name, text.to_csv(index=False))


def _per_row(frame: pd.DataFrame) -> float:
    predicted, y = frame["prediction"] >= 0.5, frame["label"] == 1
    counts = {
        "tp": (predicted & y).sum(),
        "fp": (predicted & ~y).sum(),
        "fn": (~predicted & y).sum(),
        "tn": (~predicted & ~y).sum(),
    }
    return float(sum(MATRIX[k] * c for k, c in counts.items())) / len(frame)


def test_a_release_that_flags_everyone_lowers_the_value_ratio(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    references = {v: _rows(v, "2025-02-01", 20000, 0.0, v, f"r{v}-") for v in (1, 2, 3)}
    for version, frame in references.items():
        path = _csv(tmp_path, f"ref{version}.csv", frame)
        ingest_file("production", path, system="shop", reference=True, engine=engine)
    good = _rows(1, "2025-03-01", 4000, 0.0, 11, "a")
    bad = _rows(2, "2025-03-02", 700, 0.35, 12, "b")
    short = _rows(3, "2025-03-03", MIN_ROWS - 100, 1.0, 13, "c")  # too few rows to judge
    both = pd.concat([good, bad], ignore_index=True)
    ingest_file("production", _csv(tmp_path, "p.csv", both), system="shop", engine=engine)
    header = (
        "system,model_name,version,run_id,registered_at,alias,value_tp,value_fp,value_fn,value_tn"
    )
    matrix = ",".join(str(MATRIX[k]) for k in ("tp", "fp", "fn", "tn"))
    rows = [f"shop,m,{v},r{v},2025-01-01T00:00:00Z,,{matrix}" for v in (1, 2, 3)]
    ingest_file(
        "models", write(tmp_path, "m.csv", "\n".join([header, *rows]) + "\n"), engine=engine
    )

    status = build_status(engine, "shop", SINCE, UNTIL).systems[0].signal("impact.value_ratio")
    ratios = {
        1: _per_row(good) / _per_row(references[1]),
        2: _per_row(bad) / _per_row(references[2]),
    }
    assert ratios[1] > 0.8  # the sound version keeps its promise
    assert status.value == pytest.approx(ratios[2], rel=1e-9)
    assert status.status.value == "critical"

    # A version with a few hundred rows is not judged; the replay has a bucket per window.
    ingest_file("production", _csv(tmp_path, "s.csv", short), system="shop", engine=engine)
    again = build_status(engine, "shop", SINCE, UNTIL).systems[0].signal("impact.value_ratio")
    assert again.value == pytest.approx(ratios[2], rel=1e-9)
    series = signal_series(engine, "shop", "impact.value_ratio", Window(SINCE, UNTIL))
    assert series is not None
    assert list(series.frame["value"]) == pytest.approx(
        [
            _per_row(good) / _per_row(references[1]),
            ratios[2],
            _per_row(short) / _per_row(references[3]),
        ],
        rel=1e-9,
    )
    assert _per_row(short) / _per_row(references[3]) < ratios[2]  # worse, but not judged


def test_no_matrix_no_value(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    frame = _rows(1, "2025-03-01", 1000, 0.0, 3, "x")
    ingest_file("production", _csv(tmp_path, "p.csv", frame), system="shop", engine=engine)
    status = build_status(engine, "shop", SINCE, UNTIL).systems[0].signal("impact.value_ratio")
    assert status.value is None
    assert status.status.value == "unknown"
