"""A full filesystem during an ingest: one clear line, nothing written, nothing left behind.

Real ENOSPC from a small tmpfs (mounted by the test; ``make test`` runs as
root), filled with a ballast file that the test then deletes to "free space".
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.config import PROJECT_ROOT
from tests.faults.conftest import (
    assert_one_line_error,
    files_under,
    fill,
    production_file,
    small_filesystem,
    stored_rows,
    tandem,
    windowed_rows,
)

ROWS = 30_000  # three windows of ~0.45 MB each as Parquet
ROOM = 600_000  # what the ballast leaves: one window fits, three do not


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    with small_filesystem(tmp_path / "small", "4m") as mounted:
        yield mounted


def test_data_dir_full_during_a_production_ingest(
    full_disk: Path, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The windows' Parquet files fill the data dir; the database (elsewhere) has room."""
    database = tmp_path / "tandem.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(full_disk))
    source = production_file(tmp_path / "production.parquet", ROWS)
    ballast = fill(full_disk, leave=ROOM)
    before = stored_rows(url)

    full = tandem("ingest", "production", str(source), "--system", "fraud")

    assert full.returncode == 3, full.stderr
    assert_one_line_error(full.stderr, "no space left on device", str(full_disk))
    assert stored_rows(url) == before
    assert files_under(full_disk) == ["ballast"]

    ballast.unlink()
    again = tandem("ingest", "production", str(source), "--system", "fraud")
    assert again.returncode == 0, again.stderr
    assert f"{ROWS} rows read, {ROWS} written, 3 windows" in again.stdout
    assert windowed_rows(url) == ROWS
    assert all(name.endswith(".parquet") for name in files_under(full_disk))
    sizes = sorted(path.stat().st_size for path in full_disk.rglob("*.parquet"))
    assert len(sizes) == 3
    assert sizes[0] < ROOM < sum(sizes)  # so the disk filled mid-ingest, after a window


def test_sqlite_database_on_a_full_disk(
    full_disk: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own file cannot grow: "database or disk is full", and the file stays sound."""
    database = full_disk / "tandem.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(full_disk))
    source = PROJECT_ROOT / "sample_data" / "pipelines.csv"  # ~0.4 MB once stored
    ballast = fill(full_disk, leave=100_000)
    before = stored_rows(url)

    full = tandem("ingest", "pipelines", str(source))

    assert full.returncode == 3, full.stderr
    assert_one_line_error(full.stderr, "database unavailable", str(database), "disk is full")
    ballast.unlink()
    assert stored_rows(url) == before
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    engine.dispose()

    again = tandem("ingest", "pipelines", str(source))
    assert again.returncode == 0, again.stderr
    assert "1842 rows read, 1842 written" in again.stdout
    assert stored_rows(url)["pipeline_runs"] == 1842
