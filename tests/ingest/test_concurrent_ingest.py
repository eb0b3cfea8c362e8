"""Concurrent ``tandem ingest`` processes keep every row exactly once and orphan no file.

Each test releases 2-4 real ingest processes at the same instant
(:func:`tests.ingest.processes.race`), on SQLite and on PostgreSQL. Before
the system write lock, two ingests into one day both read the stored window,
merged with that stale copy, and the later commit overwrote the earlier one:
half the rows lost, a merged file orphaned, both exiting 0.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from app.store.models import IngestRecord, System
from tests.ingest.helpers import stored
from tests.ingest.processes import expect_exactly_once, orphans, race, rows, tandem, write

pytestmark = pytest.mark.slow

N = 6_000  # rows per test; enough that the ingests overlap, few enough for seconds


def ingest(path: Path, system: str, *extra: str) -> list[str]:
    return ["ingest", "production", str(path), "--system", system, *extra]


def succeeded(finished: list) -> None:
    for done in finished:
        assert done.returncode == 0, f"{done.args}: exit {done.returncode}\n{done.stderr}"


def with_reference(tmp_path: Path, system: str) -> None:
    """Create ``system`` with a reference, as in the issue (the windows then get drift too)."""
    reference = rows(range(10_000_000, 10_000_500), seed=9)
    reference["timestamp"] -= pd.Timedelta(days=30)
    done = tandem(*ingest(write(reference, tmp_path / "ref.parquet"), system, "--reference"))
    assert done.returncode == 0, done.stderr


def test_two_ingests_into_the_same_days(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    """The issue's reproduction, small: alternating halves of three days, in parallel."""
    with_reference(tmp_path, "fraud")
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
    with_reference(tmp_path, "fraud")
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
    with_reference(tmp_path, "alpha")
    commands = []
    for number, system in enumerate(("alpha", "beta")):
        frame = rows(range(number * N, (number + 1) * N), seed=number)
        for half, part in (("A", frame.iloc[0::2]), ("B", frame.iloc[1::2])):
            commands.append(ingest(write(part, tmp_path / f"{system}{half}.parquet"), system))
    succeeded(race(tmp_path, *commands))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(System.name)).scalars()) == ["alpha", "beta"]
        assert conn.execute(select(func.count()).select_from(IngestRecord)).scalar_one() == 5
    expect_exactly_once(engine, data_dir, "alpha", range(N))
    expect_exactly_once(engine, data_dir, "beta", range(N, 2 * N))
    assert orphans(engine, data_dir) == set()
