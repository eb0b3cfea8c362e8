"""Helpers for tests that run real ``tandem ingest`` processes: launch, race, check the store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from app.store.models import ProductionWindow, System

ROOT = Path(__file__).resolve().parents[2]
START = pd.Timestamp("2026-11-01", tz="UTC")
_WAIT = 180.0  # seconds; a process that is not ready by then is stuck


@dataclass(frozen=True)
class Finished:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def rows(ids: range, *, days: int = 3, version: int = 1, seed: int = 0) -> pd.DataFrame:
    """Production rows with ids ``p<i>``, spread evenly over ``days`` UTC days from START."""
    rng = np.random.default_rng(seed)
    n = len(ids)
    offsets = (np.arange(n) * (days * 86_400 / max(n, 1))).astype("int64")
    return pd.DataFrame(
        {
            "timestamp": START + pd.to_timedelta(offsets + (np.array(ids) % 7), unit="s"),
            "model_version": version,
            "prediction": rng.uniform(size=n),
            "label": rng.integers(0, 2, n).astype(float),
            "prediction_id": [f"p{i:07d}" for i in ids],
            "amount": rng.normal(size=n),
            "country": rng.choice(["FR", "US", "DE"], n),
        }
    )


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


def tandem(*args: str, env: dict[str, str] | None = None) -> Finished:
    """``tandem ARGS`` in a subprocess, to its end."""
    command = [sys.executable, "-m", "tests.ingest.racing", *args]
    done = subprocess.run(
        command, cwd=ROOT, env=env or dict(os.environ), capture_output=True, text=True
    )
    return Finished(list(args), done.returncode, done.stdout, done.stderr)


def race(tmp_path: Path, *commands: list[str]) -> list[Finished]:
    """Run each ``tandem`` command in its own process, all released at the same instant."""
    go = tmp_path / "go"
    go.unlink(missing_ok=True)
    started: list[tuple[list[str], subprocess.Popen[str], Path]] = []
    for number, args in enumerate(commands):
        ready = tmp_path / f"ready-{number}"
        ready.unlink(missing_ok=True)
        env = dict(os.environ, TANDEM_TEST_READY=str(ready), TANDEM_TEST_GO=str(go))
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.ingest.racing", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append((args, process, ready))
    deadline = time.monotonic() + _WAIT
    while not all(ready.exists() for _, _, ready in started):
        if time.monotonic() > deadline or any(p.poll() is not None for _, p, _ in started):
            break
        time.sleep(0.02)
    go.touch()
    finished = []
    for args, process, _ in started:
        stdout, stderr = process.communicate(timeout=_WAIT)
        finished.append(Finished(args, process.returncode, stdout, stderr))
    return finished


def stored_ids(engine: Engine, data_dir: Path, system: str) -> Counter[str]:
    """How often each prediction_id is stored in ``system``'s production windows.

    Also checks that each window's ``rows`` is its file's row count.
    """
    query = (
        select(ProductionWindow.path, ProductionWindow.rows)
        .join(System, System.id == ProductionWindow.system_id)
        .where(System.name == system, ProductionWindow.is_reference.is_(False))
    )
    with engine.connect() as conn:
        windows = conn.execute(query).all()
    counts: Counter[str] = Counter()
    for path, count in windows:
        ids = pd.read_parquet(data_dir / path, columns=["prediction_id"])["prediction_id"]
        assert len(ids) == count, path
        counts.update(ids.tolist())
    return counts


def orphans(engine: Engine, data_dir: Path) -> set[str]:
    """Files under production/ that no window points at (``.tmp`` included)."""
    with engine.connect() as conn:
        referenced = set(conn.execute(select(ProductionWindow.path)).scalars())
    root = data_dir / "production"
    files = {p.relative_to(data_dir).as_posix() for p in root.rglob("*") if p.is_file()}
    return files - referenced


def missing(engine: Engine, data_dir: Path) -> set[str]:
    """Window paths whose file is not there."""
    with engine.connect() as conn:
        paths = set(conn.execute(select(ProductionWindow.path)).scalars())
    return {p for p in paths if not (data_dir / p).is_file()}


def expect_exactly_once(
    engine: Engine, data_dir: Path, system: str, ids: range | list[int]
) -> None:
    """Every id of ``ids`` stored once in ``system``'s windows, and nothing else."""
    counts = stored_ids(engine, data_dir, system)
    expected = {f"p{i:07d}" for i in ids}
    assert len(counts) == len(expected), (
        f"{system}: {len(expected - set(counts))} rows lost, {len(set(counts) - expected)} extra"
    )
    assert set(counts) == expected
    assert max(counts.values()) == 1, [i for i, c in counts.items() if c > 1][:5]
