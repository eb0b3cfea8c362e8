"""Window files are per system by construction; the older layout's paths keep working.

Paths used to be derived from the system's name with every run of characters
outside ``[A-Za-z0-9._-]`` made ``_``, so ``a/b`` and ``a_b`` shared a folder
(and, for the same rows, a file); ingesting new rows for one deleted the file
the other's window pointed at.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update

from app.health.performance import confusion_matrix, load
from app.ingest import IngestError, ingest_file
from app.production.read_drift import read_window
from app.store.models import ProductionWindow
from tests.ingest.helpers import stored
from tests.ingest.processes import missing, orphans, rows, write


def windows_of(engine: Engine, system: str) -> list[dict]:
    ids = {s["name"]: s["id"] for s in stored(engine, "systems")}
    return [w for w in stored(engine, "production_windows") if w["system_id"] == ids[system]]


def test_names_that_read_alike_keep_their_own_files(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """The issue's reproduction: one file for ``a/b`` and for ``a_b``, then new rows for ``a_b``."""
    same = write(rows(range(100), days=1), tmp_path / "same.parquet")
    ingest_file("production", same, system="a/b", engine=engine)
    ingest_file("production", same, system="a_b", engine=engine)
    (slash,) = windows_of(engine, "a/b")
    (underscore,) = windows_of(engine, "a_b")
    assert PurePosixPath(slash["path"]).parent != PurePosixPath(underscore["path"]).parent

    more = write(rows(range(100, 150), days=1), tmp_path / "more.parquet")
    ingest_file("production", more, system="a_b", engine=engine)
    assert (data_dir / slash["path"]).is_file()
    assert missing(engine, data_dir) == set()
    assert orphans(engine, data_dir) == set()
    performance = load(engine, "a/b")
    (path,) = performance.windows["path"]
    assert confusion_matrix(read_window(path)).to_numpy().sum() == 100
    assert len(read_window(windows_of(engine, "a_b")[0]["path"])) == 150


def test_a_file_two_systems_shared_in_the_old_layout_is_kept(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """Databases written before keep their paths; a shared old file outlives one replacement."""
    same = write(rows(range(100), days=1), tmp_path / "same.parquet")
    ingest_file("production", same, system="a/b", engine=engine)
    ingest_file("production", same, system="a_b", engine=engine)
    (window,) = windows_of(engine, "a/b")
    legacy = "production/a_b/v1/" + PurePosixPath(window["path"]).name  # as the old code named it
    (data_dir / legacy).parent.mkdir(parents=True)
    shutil.copy(data_dir / window["path"], data_dir / legacy)
    with engine.begin() as conn:
        conn.execute(update(ProductionWindow).values(path=legacy))  # both point at one file
    for path in {w["path"] for w in (window, *windows_of(engine, "a_b"))} - {legacy}:
        (data_dir / path).unlink()

    more = write(rows(range(100, 150), days=1), tmp_path / "more.parquet")
    summary = ingest_file("production", more, system="a_b", engine=engine)
    assert (summary.rows_written, summary.windows) == (50, 1)
    (slash,) = windows_of(engine, "a/b")
    (underscore,) = windows_of(engine, "a_b")
    assert slash["path"] == legacy
    assert (data_dir / legacy).is_file()
    assert underscore["path"].startswith(f"production/system_id={underscore['system_id']}/")
    assert len(read_window(underscore["path"])) == 150  # merged with the old file's rows
    assert len(read_window(slash["path"])) == 100

    ingest_file("production", more, system="a/b", engine=engine)  # now nobody points at it
    assert not (data_dir / legacy).exists()
    assert orphans(engine, data_dir) == set()


names = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=12,
).filter(lambda name: name.strip() != "")


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(names, min_size=2, max_size=3, unique=True))
def test_distinct_system_names_get_distinct_storage(
    sqlite_engine: Engine, tmp_path: Path, data_dir: Path, batch: list[str]
) -> None:
    """Any two distinct names: their folders are neither equal nor nested."""
    day = rows(range(3), days=1)
    path = write(day, tmp_path / "day.parquet")
    folders = {}
    for name in batch:
        try:
            ingest_file("production", path, system=name, engine=sqlite_engine)
        except IngestError:  # a name the validator refuses has no storage
            continue
        (window,) = windows_of(sqlite_engine, name)
        assert len(read_window(window["path"])) == len(day)
        folders[name] = PurePosixPath(window["path"]).parent.parent  # above v<N>
    for name, folder in folders.items():
        for other, other_folder in folders.items():
            if name != other:
                assert folder != other_folder, (name, other)
                assert folder not in other_folder.parents, (name, other)
