"""Faults with real components: a PostgreSQL server that stops, a filesystem that fills.

``cluster`` is a server of the module's own (the shared one must not go down
under other tests); each test gets a fresh migrated database on it and finds
the server running, whatever the test before it did.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.config import PROJECT_ROOT
from app.store.db import dispose_engines
from app.store.migrate import upgrade
from tests.support.postgres import Cluster, postgres_bin_dir, running_cluster
from tests.support.tools import require

_names = itertools.count()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    require(postgres_bin_dir() is not None, "PostgreSQL is not installed")
    with running_cluster() as server:
        yield server


@pytest.fixture
def pg_url(cluster: Cluster, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database of the test's own on ``cluster``, the configured default."""
    if not cluster.is_ready():
        cluster.start()
    name = f"faults_{os.getpid()}_{next(_names)}"
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = cluster.url.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    yield url
    dispose_engines()


def load_devops(url: str) -> None:
    """The sample data's pipelines, deployments and incidents: three systems, in seconds."""
    from app.ingest import ingest_file
    from app.store.db import get_engine

    for kind in ("pipelines", "deployments", "incidents"):
        ingest_file(kind, PROJECT_ROOT / "sample_data" / f"{kind}.csv", engine=get_engine(url))


def tandem(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the ``tandem`` command in a process of its own, as a user or CI job does.

    ``timeout`` only turns a hang into a failure; it is never a performance bound.
    """
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_tandem(*args: str, log: Path) -> subprocess.Popen[str]:
    """``tandem`` in the background, its output to ``log``."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args],
            cwd=PROJECT_ROOT,
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    """The CLI's failure: one ``Error:`` line naming each fragment, never a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), stderr


def files_under(root: Path) -> list[str]:
    """Every file below ``root`` (Parquet, temporaries), relative, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


_STORED = (
    "systems",
    "production_windows",
    "drift_results",
    "quality_results",
    "performance_results",
    "pipeline_runs",
    "ingest_records",
)


def stored_rows(url: str) -> dict[str, int]:
    """Row counts of every table an ingest writes."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in _STORED
            }
    finally:
        engine.dispose()


def windowed_rows(url: str) -> int:
    """Production rows the stored windows say they hold."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT coalesce(sum(rows), 0) FROM production_windows")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def production_file(path: Path, rows: int, days: int = 3) -> Path:
    """``rows`` production rows with ids over ``days`` UTC days, as Parquet (random floats)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)
    start = pd.Timestamp("2026-11-01", tz="UTC")
    seconds = np.sort(rng.integers(0, days * 86_400, rows))
    frame = pd.DataFrame(
        {
            "timestamp": start + pd.to_timedelta(seconds, unit="s"),
            "model_version": 1,
            "prediction": rng.random(rows),
            "label": rng.integers(0, 2, rows).astype(float),
            "prediction_id": [f"p-{i}" for i in range(rows)],
            "amount": rng.random(rows) * 100,
            "score": rng.random(rows),
        }
    )
    frame.to_parquet(path, index=False)
    return path


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (needs root), unmounted at the end."""
    path.mkdir(parents=True, exist_ok=True)
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)]
    mounted = subprocess.run(mount, capture_output=True, text=True)
    require(mounted.returncode == 0, f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        dispose_engines()  # no pooled SQLite connection may keep a file there open
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], check=True)


def fill(filesystem: Path, leave: int) -> Path:
    """Take all but ``leave`` bytes of ``filesystem`` with one file; delete it to free them."""
    ballast = filesystem / "ballast"
    stats = os.statvfs(filesystem)
    size = stats.f_bavail * stats.f_frsize - leave
    assert size > 0, f"{filesystem} has less than {leave} bytes free"
    with ballast.open("wb") as handle:
        os.posix_fallocate(handle.fileno(), 0, size)
    return ballast
