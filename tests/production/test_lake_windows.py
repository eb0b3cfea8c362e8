"""A local ingest into a system whose windows the Spark engine stored (lake windows).

A lake window's ``path`` is its location's URL and ``source_files`` lists its
files (``app.spark.ingest``); the local engine reads its rows where they live
(:mod:`app.production.lake_files`). Here the lake reference is stored as the
Spark engine stores it (a row pointing at the sample data's reference file by
its ``file://`` URL), without starting Spark; ``tests/spark/test_ingest.py``
covers the same after a real Spark ingest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, update

from app.cli import cli
from app.ingest import ingest_file
from app.store.db import get_engine, session_scope
from app.store.models import DriftResult, PerformanceResult, ProductionWindow, QualityResult
from tests.spark.stored_results import differences, stored_results

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "production" / "fraud-scoring"
SYSTEM = "fraud-scoring"


def _as_lake_reference(engine: Engine, url: str) -> None:
    """Turn the stored reference into a lake window, as the Spark engine stores one."""
    stat = (SAMPLE / "reference_v1.parquet").stat()
    with session_scope(engine) as session:
        session.execute(
            update(ProductionWindow)
            .where(ProductionWindow.is_reference.is_(True))
            .values(
                path=url,
                source_files=[[url, stat.st_size, int(stat.st_mtime * 1000)]],
                content_hash="lake",
            )
        )


def _day(folder: Path, start: str, end: str) -> Path:
    rows = pd.read_parquet(SAMPLE / "windows.parquet")
    rows = rows[(rows["timestamp"] >= start) & (rows["timestamp"] < end)]
    path = folder / f"{start}.parquet"
    rows.to_parquet(path, index=False)
    return path


class Stores:
    """Two stores, each its database and its own data dir: all local, and one whose
    reference is a lake window. ``ingest`` makes a store's data dir the configured one."""

    def __init__(self, root: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.monkeypatch = root, monkeypatch
        self.engines: dict[str, Engine] = {}
        for name in ("local", "lake"):
            (root / name / "data").mkdir(parents=True)
            shutil.copy(template, root / name / "tandem.db")
            self.engines[name] = get_engine(f"sqlite:///{root / name / 'tandem.db'}")

    def ingest(self, name: str, path: Path, *, reference: bool = False) -> None:
        self.monkeypatch.setenv("TANDEM_DATA_DIR", str(self.root / name / "data"))
        engine = self.engines[name]
        ingest_file("production", path, system=SYSTEM, reference=reference, engine=engine)


@pytest.fixture
def stores(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stores:
    reference = SAMPLE / "reference_v1.parquet"
    made = Stores(tmp_path, sqlite_template, monkeypatch)
    for name in ("local", "lake"):
        made.ingest(name, reference, reference=True)
    _as_lake_reference(made.engines["lake"], f"file://{reference}")
    return made


def test_a_day_is_measured_against_the_lake_reference_as_against_a_local_one(
    stores: Stores,
) -> None:
    local, lake = stores.engines["local"], stores.engines["lake"]
    day = _day(stores.root, "2026-08-13", "2026-08-14")  # versions 1 and 2: both use v1's
    for name in ("local", "lake"):
        stores.ingest(name, day)
    expected, actual = stored_results(local), stored_results(lake)
    # the reference row differs in its path and hash only, not in what was measured
    assert differences(expected, actual) == []
    with session_scope(lake) as session:
        assert session.scalar(select(func.count()).select_from(DriftResult)) > 10
        assert session.scalar(select(func.count()).select_from(QualityResult)) > 10
        assert session.scalar(select(func.count()).select_from(PerformanceResult)) > 0


def test_a_local_reference_replaces_the_lake_one(stores: Stores) -> None:
    local, lake = stores.engines["local"], stores.engines["lake"]
    day = _day(stores.root, "2026-08-12", "2026-08-13")
    for name in ("local", "lake"):
        stores.ingest(name, day)
    reference = SAMPLE / "reference_v1.parquet"
    stores.ingest("lake", reference, reference=True)
    assert differences(stored_results(local), stored_results(lake)) == []
    with session_scope(lake) as session:
        path, files = session.execute(
            select(ProductionWindow.path, ProductionWindow.source_files).where(
                ProductionWindow.is_reference.is_(True)
            )
        ).one()
    assert path.startswith("production/")
    assert files is None
    assert reference.exists()  # a lake's file is never Tandem's to delete


def test_a_file_row_of_a_day_a_lake_window_holds_is_refused(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    day = _day(tmp_path, "2026-08-12", "2026-08-13")
    ingest_file("production", day, system=SYSTEM, engine=sqlite_engine)
    url = f"file://{tmp_path}/lake"
    with session_scope(sqlite_engine) as session:
        session.execute(
            update(ProductionWindow).values(path=url, source_files=[[f"{url}/a.parquet", 1, 1]])
        )
    with session_scope(sqlite_engine) as session:
        before = session.scalar(select(func.count()).select_from(DriftResult))
    result = CliRunner().invoke(cli, ["ingest", "production", str(day), "--system", SYSTEM])
    assert result.exit_code == 2, result.output
    assert 'column "timestamp"' in result.output
    assert f"2026-08-12 of model version 1, stored from the lake location {url}" in result.output
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(func.count()).select_from(DriftResult)) == before
