"""``prediction_id`` unique per system on the Spark ingest: a repeated id names file, row, column.

A lake location of one day is ingested; then a day whose file repeats one of its
ids comes, in the same location (re-ingested) or in another one (the day's own
folder, by the Spark engine, then as a local file): each is refused with exit 2
naming the new file, the row (1-based, in the file's own order) and the column,
and nothing is written. The same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from tests.spark.test_ingest import FRAUD, SAMPLE, row_counts, spark_ingest


def _day(day: str, rows: int = 150) -> pd.DataFrame:
    frame = pd.read_parquet(SAMPLE / FRAUD / "windows.parquet")
    start = pd.Timestamp(day, tz="UTC")
    frame = frame[(frame["timestamp"] >= start) & (frame["timestamp"] < start + pd.Timedelta("1D"))]
    return frame[frame["model_version"] == frame["model_version"].iloc[0]].head(rows)


@pytest.mark.parametrize(
    "store", ["sqlite_engine", pytest.param("postgres_engine", marks=pytest.mark.postgres)]
)
def test_an_id_of_an_older_lake_day_is_refused_naming_file_row_and_column(
    spark: Any, store: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(store)
    lake = tmp_path / "lake"
    lake.mkdir()
    older = _day("2026-08-12")
    older.to_parquet(lake / "day-12.parquet", index=False)
    first = spark_ingest(str(lake), "--system", FRAUD)
    assert first.exit_code == 0, first.output
    before = row_counts(engine)
    repeated = str(older["prediction_id"].iloc[40])

    newer = _day("2026-08-13")
    newer.loc[newer.index[6], "prediction_id"] = repeated  # the file's 7th row
    newer.to_parquet(lake / "day-13.parquet", index=False)
    again = spark_ingest(str(lake), "--system", FRAUD)
    assert again.exit_code == 2, again.output
    assert 'day-13.parquet, row 7, column "prediction_id"' in again.output
    assert f'"{repeated}"' in again.output
    assert row_counts(engine) == before

    (lake / "day-13.parquet").unlink()
    elsewhere = tmp_path / "day=2026-08-14"
    elsewhere.mkdir()
    latest = _day("2026-08-14")
    latest.loc[latest.index[11], "prediction_id"] = repeated
    latest.to_parquet(elsewhere / "part-0.parquet", index=False)
    other = spark_ingest(str(elsewhere), "--system", FRAUD)
    assert other.exit_code == 2, other.output
    assert 'part-0.parquet, row 12, column "prediction_id"' in other.output
    assert "stored already in the window of model version" in other.output
    assert "2026-08-12" in other.output
    assert row_counts(engine) == before

    # the local engine reads the lake window's ids where they are, too
    local = CliRunner().invoke(
        cli, ["ingest", "production", str(elsewhere / "part-0.parquet"), "--system", FRAUD]
    )
    assert local.exit_code == 2, local.output
    assert 'part-0.parquet, row 12, column "prediction_id"' in local.output
    assert "stored already in the window of model version" in local.output
    assert row_counts(engine) == before

    # the lake's retention deletes the older day's file: its ids are gone, the id is free
    (lake / "day-12.parquet").unlink()
    freed = spark_ingest(str(elsewhere), "--system", FRAUD)
    assert freed.exit_code == 0, freed.output
