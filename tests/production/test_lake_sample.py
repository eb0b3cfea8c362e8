"""Evidently's report on a lake window reads a bounded, uniform sample of its rows.

The report is the one view that needs rows; a lake window's rows stay in the
lake (``app.production.lake_files``), so the page samples them from the lake's
files, a batch at a time. Checked against reading the whole window.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from app.production.lake_files import LakeWindowFiles, read_lake_window, sample_lake_window
from app.production.read_drift import report_rows
from app.store.db import session_scope
from app.store.models import ProductionWindow
from tests.production.test_lake_windows import SAMPLE, Stores, stores  # noqa: F401

DAY = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def lake_day(tmp_path: Path) -> LakeWindowFiles:
    """One UTC day of version 2, spread over three shuffled files with other days and versions."""
    rows = pd.read_parquet(SAMPLE / "windows.parquet").sample(frac=1.0, random_state=7)
    paths = []
    for i, part in enumerate((rows.iloc[0::3], rows.iloc[1::3], rows.iloc[2::3])):
        path = tmp_path / f"part-{i}.parquet"
        part.to_parquet(path, index=False, row_group_size=5_000)  # several batches a file
        paths.append(f"file://{path}")
    return LakeWindowFiles(model_version=2, is_reference=False, start=DAY, files=tuple(paths))


def test_a_sample_larger_than_the_window_is_the_window(lake_day: LakeWindowFiles) -> None:
    whole = read_lake_window(lake_day)
    assert len(whole) > 300  # the day has rows of version 2
    sample, total = sample_lake_window(lake_day, rows=10**9)
    assert total == len(whole)
    pd.testing.assert_frame_equal(sample, whole)


def test_a_small_sample_is_the_window_s_rows_drawn_without_replacement(
    lake_day: LakeWindowFiles,
) -> None:
    whole = read_lake_window(lake_day)
    sample, total = sample_lake_window(lake_day, rows=100)
    assert (len(sample), total) == (100, len(whole))
    assert list(sample.columns) == list(whole.columns)
    assert sample["prediction_id"].is_unique
    assert set(sample["prediction_id"]) <= set(whole["prediction_id"])
    assert (sample["model_version"] == 2).all()
    assert sample["timestamp"].between(DAY, DAY + pd.Timedelta(days=1), inclusive="left").all()
    again, _ = sample_lake_window(lake_day, rows=100)
    pd.testing.assert_frame_equal(sample, again)  # seeded: the same report twice
    other, _ = sample_lake_window(lake_day, rows=100, seed=1)
    assert set(other["prediction_id"]) != set(sample["prediction_id"])


def test_the_sample_is_uniform_over_the_window(lake_day: LakeWindowFiles) -> None:
    """Not the first rows of the first file: every file and both halves of the day appear."""
    whole = read_lake_window(lake_day)
    sample, _ = sample_lake_window(lake_day, rows=len(whole) // 4)
    noon = DAY + pd.Timedelta(hours=12)
    share_before_noon = (sample["timestamp"] < noon).mean()
    assert abs(share_before_noon - (whole["timestamp"] < noon).mean()) < 0.1


def test_report_rows_say_where_they_come_from(stores: Stores) -> None:  # noqa: F811
    """The lake store's reference is a lake window; the local store's is a file."""
    reference_rows = len(pd.read_parquet(SAMPLE / "reference_v1.parquet"))
    notes = {}
    for name in ("local", "lake"):
        engine = stores.engines[name]
        stores.monkeypatch.setenv("TANDEM_DATA_DIR", str(stores.root / name / "data"))
        with session_scope(engine) as session:
            window_id, path = session.execute(
                select(ProductionWindow.id, ProductionWindow.path).where(
                    ProductionWindow.is_reference.is_(True)
                )
            ).one()
        frame, notes[name] = report_rows(engine, window_id, path, cap=250)
        assert len(frame) == (250 if name == "lake" else reference_rows)
    assert notes["local"] == f"{reference_rows:,} rows from Tandem's data dir"
    assert notes["lake"] == f"250 of its {reference_rows:,} rows, sampled from the lake's files"
