"""An ingest killed (SIGKILL) at any point leaves the store consistent, and a re-ingest exact.

The killed process is a real ``tandem ingest`` that sends itself SIGKILL at
a named point (:mod:`tests.ingest.racing`). Whatever the point: every window
points at a file that exists, the database holds either none or all of the
file's rows, the files it left behind are found by ``tandem gc --dry-run``,
and the next ingest of the system removes them and stores every row once.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.ingest import ingest_file
from tests.ingest.processes import expect_exactly_once, missing, orphans, rows, tandem, write

pytestmark = pytest.mark.slow

N = 600
# point -> (the killed ingest's rows are committed, it leaves files behind)
POINTS = {
    "first-file": (False, False),
    "tmp-file": (False, True),
    "before-commit": (False, True),
    "after-commit": (True, True),
}


def killed_ingest(point: str, path: Path, system: str) -> None:
    env = dict(os.environ, TANDEM_TEST_KILL_AT=point)
    done = tandem("ingest", "production", str(path), "--system", system, env=env)
    assert done.returncode == -signal.SIGKILL, done.stderr


def gc(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["gc", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.split()


@pytest.mark.parametrize("point", POINTS)
def test_killed_ingest_then_reingest(
    point: str, engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    frame = rows(range(2 * N))
    first = write(frame.iloc[0::2], tmp_path / "first.parquet")  # three days
    second = write(frame.iloc[1::2], tmp_path / "second.parquet")  # the same three days
    ingest_file("production", first, system="fraud", engine=engine)
    committed, leaves_files = POINTS[point]

    killed_ingest(point, second, "fraud")
    assert missing(engine, data_dir) == set()
    expect_exactly_once(engine, data_dir, "fraud", range(0, 2 * N, 1 if committed else 2))
    left = orphans(engine, data_dir)
    assert bool(left) == leaves_files
    assert sorted(gc("--dry-run")) == sorted(left)
    assert orphans(engine, data_dir) == left  # a dry run removes nothing

    again = ingest_file("production", second, system="fraud", engine=engine)
    assert again.rows_written == (0 if committed else N)
    expect_exactly_once(engine, data_dir, "fraud", range(2 * N))
    assert orphans(engine, data_dir) == set()
    assert missing(engine, data_dir) == set()


def test_gc_removes_what_a_killed_ingest_left(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    frame = rows(range(2 * N))
    ingest_file(
        "production", write(frame.iloc[0::2], tmp_path / "a.parquet"), system="s", engine=engine
    )
    second = write(frame.iloc[1::2], tmp_path / "b.parquet")
    killed_ingest("before-commit", second, "s")
    left = orphans(engine, data_dir)
    assert left
    assert sorted(gc()) == sorted(left)
    assert orphans(engine, data_dir) == set()
    expect_exactly_once(engine, data_dir, "s", range(0, 2 * N, 2))
    assert ingest_file("production", second, system="s", engine=engine).rows_written == N
    expect_exactly_once(engine, data_dir, "s", range(2 * N))


def test_gc_spares_fresh_files_in_the_old_layout(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """Old-layout folders (named after the system) may belong to an older Tandem still writing."""
    ingest_file(
        "production", write(rows(range(10)), tmp_path / "a.parquet"), system="s", engine=engine
    )
    folder = data_dir / "production" / "fraud_scoring" / "v1"
    folder.mkdir(parents=True)
    old, fresh = (
        folder / "2026-01-01-aaaaaaaaaaaa.parquet",
        folder / "2026-01-02-bbbbbbbbbbbb.parquet",
    )
    for path in (old, fresh):
        write(rows(range(3)), path)
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    assert gc() == ["production/fraud_scoring/v1/2026-01-01-aaaaaaaaaaaa.parquet"]
    assert not old.exists()
    assert fresh.exists()
    assert missing(engine, data_dir) == set()


def test_gc_leaves_no_empty_folders(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    """A killed first ingest of a version leaves a version folder that only held orphans."""
    killed_ingest("before-commit", write(rows(range(N)), tmp_path / "a.parquet"), "s")
    assert orphans(engine, data_dir)
    gc()
    production = data_dir / "production"
    empty = [p for p in production.rglob("*") if p.is_dir() and not any(p.iterdir())]
    system_folders = [p for p in empty if p.parent == production]
    assert empty == system_folders  # a system's own folder may stay; nothing below it
