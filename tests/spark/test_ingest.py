"""`tandem ingest production --engine spark`: the local engine's results, rows left in place.

Small data: a few days of the sample data's production files (both versions
of a day where the model changed, rows shuffled over two files) and the
version's reference, ingested by both engines into two fresh databases whose
stored windows, drift, quality, performance, estimates and segments must be
equal row by row (floats to 1e-9 relative). The two ingests run once for the
module (:func:`fraud`); each test that writes works on copies of them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from app.cli import cli
from app.ingest import ingest_file
from app.store.db import dispose_engines, get_engine, session_scope
from app.store.models import Base, ProductionWindow
from tests.spark.stored_results import differences, stored_results

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "production"
# Days around a model change: windows of two versions, the newer one without its own reference.
DAYS = {
    "fraud-scoring": ("2026-08-12", "2026-08-15"),
    "demand-forecast": ("2026-08-24", "2026-08-26"),
}
FRAUD = "fraud-scoring"


def write_lake(
    folder: Path, system: str, parts: int = 2, days: tuple[str, str] | None = None
) -> Path:
    """The system's rows of ``DAYS``, shuffled over ``parts`` Parquet files in ``folder``."""
    first, end = (pd.Timestamp(d, tz="UTC") for d in (days or DAYS[system]))
    rows = pd.read_parquet(SAMPLE / system / "windows.parquet")
    rows = rows[(rows["timestamp"] >= first) & (rows["timestamp"] < end)]
    rows = rows.sample(frac=1, random_state=7).reset_index(drop=True)
    folder.mkdir(parents=True)
    for part in range(parts):
        rows.iloc[part::parts].to_parquet(folder / f"part-{part}.parquet", index=False)
    return folder


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


def spark_ingest(*args: str) -> Result:
    return CliRunner().invoke(cli, ["ingest", "production", *args, "--engine", "spark"])


def local_ingest(engine: Engine, system: str, lake: Path) -> None:
    ingest_file(
        "production",
        SAMPLE / system / "reference_v1.parquet",
        system=system,
        reference=True,
        engine=engine,
    )
    for part in sorted(lake.iterdir()):
        ingest_file("production", part, system=system, engine=engine)


@dataclass(frozen=True)
class Ingested:
    """Two stores (a folder each: ``tandem.db`` and its ``data`` dir) of the same lake."""

    local: Path  # ingested by the local engine, file by file
    spark: Path  # ingested by the Spark engine, the reference, then the lake's folder
    lake: Path
    output: str  # the Spark ingest's output


def open_store(folder: Path, monkeypatch: pytest.MonkeyPatch | None = None) -> Engine:
    """The store in ``folder`` as the configured default (when ``monkeypatch`` is given)."""
    url = f"sqlite:///{folder / 'tandem.db'}"
    if monkeypatch is not None:
        monkeypatch.setenv("TANDEM_DATABASE_URL", url)
        monkeypatch.setenv("TANDEM_DATA_DIR", str(folder / "data"))
    return get_engine(url)


def copy_store(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A copy of the store in ``folder`` (database and data dir), made the default."""
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return open_store(target, monkeypatch)


@pytest.fixture(scope="module")
def fraud(
    spark: Any, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ingested]:
    root = tmp_path_factory.mktemp("fraud")
    lake = write_lake(root / "lake", FRAUD)
    stores = {}
    for name in ("local", "spark"):
        stores[name] = root / name
        (stores[name] / "data").mkdir(parents=True)
        shutil.copy(sqlite_template, stores[name] / "tandem.db")
    with pytest.MonkeyPatch.context() as monkeypatch:
        local_ingest(open_store(stores["local"], monkeypatch), FRAUD, lake)
        open_store(stores["spark"], monkeypatch)
        reference = spark_ingest(
            str(SAMPLE / FRAUD / "reference_v1.parquet"), "--system", FRAUD, "--reference"
        )
        assert reference.exit_code == 0, reference.output
        first = spark_ingest(f"file://{lake}", "--system", FRAUD)
        assert first.exit_code == 0, first.output
    yield Ingested(stores["local"], stores["spark"], lake, first.output)
    dispose_engines()


def test_spark_stores_what_the_local_engine_stores(fraud: Ingested) -> None:
    expected, actual = (
        stored_results(open_store(fraud.local)),
        stored_results(open_store(fraud.spark)),
    )
    assert differences(expected, actual) == []
    assert len(actual["windows"]) == 5  # the reference, v1 on two days, v2 on two days
    assert len(actual["drift"]) > 0
    assert {key[3] for key in actual["performance"]} == {False, True}  # measured and estimated
    assert any(key[2] for key in actual["performance"])  # segments
    # measured on the driver by the local engine's passes, on the rows the job collected
    assert len(actual["multivariate"]) >= 4 * 2  # each production window: AUC and PCA error
    assert len(actual["importances"]) > 3
    assert {key[1] for key in actual["fairness"]} == {"age_band"}
    with session_scope(open_store(fraud.spark)) as session:
        paths = set(session.scalars(select(ProductionWindow.path)))
        files = session.scalars(select(ProductionWindow.source_files)).all()
    lake = fraud.lake
    assert paths == {f"file://{SAMPLE / FRAUD / 'reference_v1.parquet'}", f"file://{lake}"}
    assert all(len(f) == 2 for f in files if f and "lake" in f[0][0])  # both parts, no copy


def test_a_reingest_adds_nothing_and_gc_leaves_the_lake(
    fraud: Ingested, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = copy_store(fraud.spark, tmp_path, monkeypatch)
    before, results = row_counts(engine), stored_results(engine)
    again = spark_ingest(str(fraud.lake), "--system", FRAUD)
    assert again.exit_code == 0, again.output
    assert "0 measured, 0 windows" in again.output
    assert row_counts(engine) == before | {"ingest_records": before["ingest_records"] + 1}
    assert differences(results, stored_results(engine)) == []
    swept = CliRunner().invoke(cli, ["gc"])  # gc removes orphans of the data dir, never lake files
    assert swept.exit_code == 0, swept.output
    assert sorted(p.name for p in fraud.lake.iterdir()) == ["part-0.parquet", "part-1.parquet"]


def test_a_local_ingest_reads_the_lake_windows_it_measures_against(
    fraud: Ingested, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local file of a later day into the system the Spark engine filled: its drift is
    measured against the lake reference (read where it lives) as if everything were local.
    The same file into the local store gives the same results, row by row."""
    day = write_lake(tmp_path / "day", FRAUD, parts=1, days=("2026-08-15", "2026-08-16"))
    stores = {}
    for name, folder in (("local", fraud.local), ("spark", fraud.spark)):
        stores[name] = copy_store(folder, tmp_path / name, monkeypatch)
        ingest_file("production", day / "part-0.parquet", system=FRAUD, engine=stores[name])
    expected, actual = stored_results(stores["local"]), stored_results(stores["spark"])
    assert differences(expected, actual) == []
    assert len(actual["windows"]) == 6
    new = (FRAUD, 2, False, "2026-08-15T00:00:00+00:00")
    assert {key[1][:3] for key in actual["drift"] if key[0] == new} == {(FRAUD, 1, True)}


def test_a_local_reference_replaces_a_lake_one_and_rescores_the_lake_windows(
    fraud: Ingested, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lake windows are re-read where they live (performance and drift against the new
    reference); the lake's files stay, the reference is a file of the data dir now."""
    engine = copy_store(fraud.spark, tmp_path, monkeypatch)
    reference = SAMPLE / FRAUD / "reference_v1.parquet"
    ingest_file("production", reference, system=FRAUD, reference=True, engine=engine)
    assert differences(stored_results(open_store(fraud.local)), stored_results(engine)) == []
    with session_scope(engine) as session:
        stored = session.execute(
            select(ProductionWindow.path, ProductionWindow.source_files).where(
                ProductionWindow.is_reference.is_(True)
            )
        ).one()
    assert stored.path.startswith("production/")
    assert stored.source_files is None
    assert reference.exists()
    assert sorted(p.name for p in fraud.lake.iterdir()) == ["part-0.parquet", "part-1.parquet"]


def test_a_local_file_of_a_day_a_lake_window_holds_is_refused(
    fraud: Ingested, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = copy_store(fraud.spark, tmp_path, monkeypatch)
    before = row_counts(engine)
    part = fraud.lake / "part-1.parquet"
    result = CliRunner().invoke(cli, ["ingest", "production", str(part), "--system", FRAUD])
    assert result.exit_code == 2, result.output
    assert "part-1.parquet" in result.output
    assert 'column "timestamp"' in result.output
    assert f"stored from the lake location file://{fraud.lake}" in result.output
    assert row_counts(engine) == before


@pytest.fixture
def second_engine(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Engine]:
    """Makes a second fresh SQLite database the configured default (for the Spark engine)."""

    def make() -> Engine:
        path = tmp_path / "spark.db"
        shutil.copy(sqlite_template, path)
        monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{path}")
        return get_engine(f"sqlite:///{path}")

    return make


@pytest.mark.postgres
def test_on_postgresql_a_regression_system_stores_the_local_results(
    spark,
    postgres_engine: Engine,
    second_engine: Callable[[], Engine],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    system = "demand-forecast"
    lake = write_lake(tmp_path / "lake", system, parts=3)
    postgres_url = str(postgres_engine.url.render_as_string(hide_password=False))
    local = second_engine()
    local_ingest(local, system, lake)
    monkeypatch.setenv("TANDEM_DATABASE_URL", postgres_url)
    reference = spark_ingest(
        str(SAMPLE / system / "reference_v1.parquet"), "--system", system, "--reference"
    )
    assert reference.exit_code == 0, reference.output
    result = spark_ingest(str(lake / "*.parquet"), "--system", system)
    assert result.exit_code == 0, result.output
    expected, actual = stored_results(local), stored_results(postgres_engine)
    assert differences(expected, actual) == []
    assert {key[1] for key in actual["performance"]} >= {"mae", "rmse", "r2"}
    assert any(key[3] for key in actual["performance"])  # DLE's estimates


def test_a_failed_job_writes_nothing(spark, sqlite_engine: Engine, tmp_path: Path) -> None:
    lake = write_lake(tmp_path / "lake", "fraud-scoring")
    (lake / "part-2.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    before = row_counts(sqlite_engine)
    result = spark_ingest(str(lake), "--system", "fraud-scoring")
    assert result.exit_code == 2, result.output
    assert "part-2.parquet: expected data Spark can read" in result.output
    assert row_counts(sqlite_engine) == before


def _type_differs(lake: Path) -> tuple[str, str]:
    rows = pd.read_parquet(lake / "part-1.parquet")
    rows.assign(amount=rows["amount"].astype(str)).to_parquet(lake / "part-1.parquet")
    return str(lake), "amount"


def _no_rows(lake: Path) -> tuple[str, str]:
    rows = pd.read_parquet(lake / "part-0.parquet").iloc[:0]
    empty = lake.parent / "empty"
    empty.mkdir()
    rows.to_parquet(empty / "part-0.parquet", index=False)
    return str(empty), ""


def _missing_path(lake: Path) -> tuple[str, str]:
    return str(lake.parent / "nowhere"), ""


@pytest.mark.parametrize("make", [_missing_path, _type_differs, _no_rows])
def test_bad_input_exits_2_naming_path_and_column(
    spark, sqlite_engine: Engine, tmp_path: Path, make: Callable[[Path], tuple[str, str]]
) -> None:
    location, column = make(write_lake(tmp_path / "lake", "fraud-scoring"))
    before = row_counts(sqlite_engine)
    result = spark_ingest(location, "--system", "fraud-scoring")
    assert result.exit_code == 2, result.output
    named = Path(location).name
    assert named in result.output or "part-1.parquet" in result.output
    if column:
        assert f'column "{column}"' in result.output
    assert row_counts(sqlite_engine) == before
