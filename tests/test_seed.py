"""`tandem seed`: the schema check, the whole-day shift and finishing a seed that stopped
(on a bad file, or killed with SIGKILL half-way).

The resumed seed is compared with a clean seed of the same sample data (``clean_seed``,
SQLite, seeded at ``SEED_NOW`` in one go): the same rows in every table and the same
production windows, on SQLite and on PostgreSQL, and no Parquet file that no window points
at. The sample data here is ``sample_data/`` with its production windows cut to the last
``DAYS`` days (``sample_data`` fixture): the windows are 35 of a full seed's ~45 s, and three
full seeds per test made these the slowest tests of the suite; every file kind, every
reference and both systems' windows are still seeded, stopped and finished.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, func, select

from app.cli import cli
from app.config import PROJECT_ROOT
from app.seed import needs_seed, read_manifest, seed_database, shift_to_now
from app.store.migrate import alembic_config
from app.store.models import Base, IngestRecord, ProductionWindow, System
from tests.conftest import SEED_NOW

SAMPLE_DATA = PROJECT_ROOT / "sample_data"
BROKEN = "production/fraud-scoring/windows.parquet"  # late in the manifest, rows go to Parquet
DAYS = 10  # of the windows' 90 days, the last ones are kept (see the module's docstring)


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``sample_data/`` whose production windows hold their last ``DAYS`` days."""
    source = tmp_path_factory.mktemp("sample") / "sample_data"
    shutil.copytree(SAMPLE_DATA, source)
    for path in source.glob("production/*/windows.parquet"):
        frame = pd.read_parquet(path)
        first = frame["timestamp"].max().floor("D") - pd.Timedelta(days=DAYS - 1)
        kept = frame[frame["timestamp"] >= first].reset_index(drop=True)
        assert kept["timestamp"].dt.floor("D").nunique() == DAYS
        kept.to_parquet(path)
    return source


@pytest.fixture(scope="module")
def clean_seed(
    sample_data: Path, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A data dir seeded from ``sample_data`` in one go: what a finished seed must equal."""
    root = tmp_path_factory.mktemp("clean")
    shutil.copy(sqlite_template, root / "tandem.db")
    engine = create_engine(f"sqlite:///{root / 'tandem.db'}")
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TANDEM_DATA_DIR", str(root))
            seed_database(sample_data, engine=engine, now=SEED_NOW)
    finally:
        engine.dispose()
    return root


def _seed(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["seed", "--now", SEED_NOW.isoformat(), *args])
    return result.exit_code, result.output


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _windows(engine: Engine) -> set[tuple[object, ...]]:
    query = select(
        System.name,
        ProductionWindow.model_version,
        ProductionWindow.is_reference,
        ProductionWindow.window_start,
        ProductionWindow.rows,
        ProductionWindow.content_hash,
    ).join(System, System.id == ProductionWindow.system_id)
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(query)}


def _orphans(engine: Engine, data_dir: Path) -> set[str]:
    """Parquet files under the data dir that no production window points at."""
    with engine.connect() as conn:
        stored = set(conn.scalars(select(ProductionWindow.path)))
    on_disk = {p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*.parquet")}
    return on_disk - stored


@pytest.mark.parametrize(
    "clock", ["00:05:00", "06:00:00", "13:20:00", "23:55:00", "23:59:59.999999"]
)
def test_the_shift_is_whole_days_and_the_data_ends_at_the_start_of_the_seed_day(
    clock: str,
) -> None:
    ends_at = datetime.fromisoformat(str(read_manifest(SAMPLE_DATA)["ends_at"]))
    now = datetime.fromisoformat(f"2026-12-01T{clock}+00:00")
    shift = shift_to_now(ends_at, now)
    assert shift % timedelta(days=1) == timedelta(0)
    assert ends_at + shift == datetime(2026, 12, 1, tzinfo=UTC)


def test_seed_refuses_a_database_never_migrated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    code, output = _seed()
    assert code == 2, output
    assert "has no Tandem schema" in output
    assert "tandem db upgrade" in output
    assert not (tmp_path / "production").exists()


def test_seed_refuses_a_database_one_migration_behind(engine: Engine, data_dir: Path) -> None:
    command.downgrade(alembic_config(engine), "-1")
    code, output = _seed()
    assert code == 2, output
    assert "tandem db upgrade" in output
    assert _orphans(engine, data_dir) == set()  # no files...
    assert not (data_dir / "production").exists()
    with engine.connect() as conn:  # ...and no rows
        assert conn.scalar(select(func.count()).select_from(System)) == 0


def test_a_seed_that_stopped_on_a_bad_file_is_finished_by_the_next_seed(
    engine: Engine, data_dir: Path, tmp_path: Path, sample_data: Path, clean_seed: Path
) -> None:
    source = tmp_path / "sample_data"
    shutil.copytree(sample_data, source)
    broken = pd.read_parquet(source / BROKEN)
    broken.loc[6, "timestamp"] = pd.NaT  # data row 7: a required value is missing
    broken.to_parquet(source / BROKEN)

    code, output = _seed("--from", str(source))
    assert code == 2, output
    assert "windows.parquet, row 7" in output
    assert "run `tandem seed` again" in output
    assert _orphans(engine, data_dir) == set()
    assert needs_seed(engine, source)  # what `tandem serve` asks before it serves
    loaded_before = _counts(engine)

    shutil.copy(sample_data / BROKEN, source / BROKEN)  # the fix
    code, output = _seed("--from", str(source))
    assert code == 0, output
    assert "Finished an unfinished seed: 2 files" in output

    clean = create_engine(f"sqlite:///{clean_seed / 'tandem.db'}")
    try:
        assert _counts(engine) == _counts(clean)
        assert _windows(engine) == _windows(clean)
    finally:
        clean.dispose()
    assert _counts(engine)["production_windows"] > loaded_before["production_windows"]
    assert _orphans(engine, data_dir) == set()
    assert not needs_seed(engine, source)
    code, output = _seed("--from", str(source))
    assert (code, output.strip()) == (0, "The database was seeded already; nothing to do.")


def test_a_seed_killed_half_way_is_finished_by_the_next_seed(
    sqlite_engine: Engine, data_dir: Path, sample_data: Path, clean_seed: Path
) -> None:
    command = [sys.executable, "-m", "app.cli", "seed", "--now", SEED_NOW.isoformat()]
    command += ["--from", str(sample_data)]
    seeding = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Into the production files (the last 8 of 19), whose windows go to Parquet.
        while _ingests(sqlite_engine) < 13 and seeding.poll() is None:
            time.sleep(0.05)
    finally:
        seeding.send_signal(signal.SIGKILL)
        seeding.wait()
    assert seeding.returncode == -signal.SIGKILL
    files = read_manifest(sample_data)["files"]
    assert isinstance(files, list)
    assert _ingests(sqlite_engine) < len(files)  # killed before it finished

    code, output = _seed("--from", str(sample_data))
    assert code == 0, output
    assert "Finished an unfinished seed" in output
    clean = create_engine(f"sqlite:///{clean_seed / 'tandem.db'}")
    try:
        assert _counts(sqlite_engine) == _counts(clean)
        assert _windows(sqlite_engine) == _windows(clean)
    finally:
        clean.dispose()
    assert _orphans(sqlite_engine, data_dir) == set()


def _ingests(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(IngestRecord)) or 0
