"""Concurrent ``tandem ingest`` processes keep every row exactly once and orphan no file.

Each test releases 2-4 real ingest processes at the same instant
(:func:`tests.ingest.processes.race`), on SQLite and on PostgreSQL. Before
the system write lock, two ingests into one day both read the stored window,
merged with that stale copy, and the later commit overwrote the earlier one:
half the rows lost, a merged file orphaned, both exiting 0.

Every test starts from a store where ``fraud`` has a reference (as in the issue: the
windows then get drift too). That reference is ingested by a real ``tandem ingest
--reference`` once per database kind (``referenced``) and each test gets a copy of the
database and the data dir, instead of one more ingest process per test.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from app.store.db import dispose_engines, get_engine
from app.store.models import IngestRecord, System
from tests.conftest import TEMPLATE
from tests.ingest.helpers import stored
from tests.ingest.processes import expect_exactly_once, orphans, race, rows, tandem, write
from tests.support.postgres import database_from

pytestmark = pytest.mark.slow

N = 6_000  # rows per test; enough that the ingests overlap, few enough for seconds
_copies = itertools.count()


def ingest(path: Path, system: str, *extra: str) -> list[str]:
    return ["ingest", "production", str(path), "--system", system, *extra]


def succeeded(finished: list) -> None:
    for done in finished:
        assert done.returncode == 0, f"{done.args}: exit {done.returncode}\n{done.stderr}"


def _ingest_reference(root: Path, database_url: str) -> None:
    """``fraud`` created with a reference by a real ``tandem ingest --reference``."""
    reference = rows(range(10_000_000, 10_000_500), seed=9)
    reference["timestamp"] -= pd.Timedelta(days=30)
    path = write(reference, root.parent / "ref.parquet")
    env = os.environ | {"TANDEM_DATA_DIR": str(root), "TANDEM_DATABASE_URL": database_url}
    done = tandem(*ingest(path, "fraud", "--reference"), env=env)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def referenced_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir (SQLite file + the reference's Parquet) where ``fraud`` has a reference."""
    root = tmp_path_factory.mktemp("referenced-sqlite") / "data"
    root.mkdir()
    shutil.copy(sqlite_template, root / "tandem.db")
    _ingest_reference(root, f"sqlite:///{root / 'tandem.db'}")
    return root


@pytest.fixture(scope="module")
def referenced_postgres(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """A PostgreSQL database (its name) and a data dir where ``fraud`` has a reference."""
    name = f"tandem_referenced_{os.getpid()}"
    with database_from(postgres_url, TEMPLATE, name) as url:
        root = tmp_path_factory.mktemp("referenced-postgres") / "data"
        root.mkdir()
        _ingest_reference(root, url)
        yield name, root


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"  # made by ``engine``: a copy of the referenced data dir


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A copy of the referenced store of the test's own, on SQLite and on PostgreSQL."""
    monkeypatch.setenv("TANDEM_DATA_DIR", str(data_dir))
    if request.param == "sqlite":
        shutil.copytree(request.getfixturevalue("referenced_sqlite"), data_dir)
        url = f"sqlite:///{data_dir / 'tandem.db'}"
        monkeypatch.setenv("TANDEM_DATABASE_URL", url)
        yield get_engine(url)
        dispose_engines()
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    template, root = request.getfixturevalue("referenced_postgres")
    shutil.copytree(root, data_dir)
    name = f"{template}_{next(_copies)}"
    with database_from(postgres_url, template, name) as url:
        monkeypatch.setenv("TANDEM_DATABASE_URL", url)
        yield get_engine(url)
        dispose_engines()


def test_two_ingests_into_the_same_days(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    """The issue's reproduction, small: alternating halves of three days, in parallel."""
    frame = rows(range(N))
    half_a = write(frame.iloc[0::2], tmp_path / "halfA.parquet")
    half_b = write(frame.iloc[1::2], tmp_path / "halfB.parquet")
    succeeded(race(tmp_path, ingest(half_a, "fraud"), ingest(half_b, "fraud")))
    expect_exactly_once(engine, data_dir, "fraud", range(N))
    assert orphans(engine, data_dir) == set()


def test_three_ingests_of_shared_and_own_days(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """Days 1-2, days 2-3 and day 1's labels arriving late, in parallel: days 1 and 2 are shared."""
    frame = rows(range(N))
    day = frame["timestamp"].dt.floor("D")
    days = sorted(day.unique())
    first, middle = frame[day == days[0]], frame[day == days[1]]
    unlabelled = pd.concat([first.assign(label=float("nan")), middle.iloc[::2]])
    later = pd.concat([middle.iloc[1::2], frame[day == days[2]]])
    labels = first[["timestamp", "model_version", "prediction", "label", "prediction_id"]]
    files = [
        write(unlabelled, tmp_path / "days12.parquet"),
        write(later, tmp_path / "days23.parquet"),
        write(labels, tmp_path / "labels1.parquet"),
    ]
    succeeded(race(tmp_path, *(ingest(path, "fraud") for path in files)))
    expect_exactly_once(engine, data_dir, "fraud", range(N))
    assert orphans(engine, data_dir) == set()
    window = next(w for w in stored(engine, "production_windows") if w["window_start"] == days[0])
    merged = pd.read_parquet(data_dir / window["path"]).set_index("prediction_id")
    expected = first.set_index("prediction_id").loc[merged.index]
    assert window["labelled_rows"] == len(first)
    assert merged["label"].tolist() == expected["label"].tolist()
    assert merged["amount"].tolist() == expected["amount"].tolist()


def test_four_ingests_into_two_systems(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    """Halves for an existing system and for a new one, four processes at once.

    Writers of different systems both succeed; the new system is created once.
    """
    commands = []
    for number, system in enumerate(("fraud", "beta")):
        frame = rows(range(number * N, (number + 1) * N), seed=number)
        for half, part in (("A", frame.iloc[0::2]), ("B", frame.iloc[1::2])):
            commands.append(ingest(write(part, tmp_path / f"{system}{half}.parquet"), system))
    succeeded(race(tmp_path, *commands))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(System.name)).scalars()) == ["beta", "fraud"]
        assert conn.execute(select(func.count()).select_from(IngestRecord)).scalar_one() == 5
    expect_exactly_once(engine, data_dir, "fraud", range(N))
    expect_exactly_once(engine, data_dir, "beta", range(N, 2 * N))
    assert orphans(engine, data_dir) == set()
