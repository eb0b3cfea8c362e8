"""Concurrent health ingests into one system: every sample kept, each hour's rollup counts them all.

Before the system write lock, two ingests touching the same hours on
PostgreSQL both deleted the hour's rollup and rebuilt it from what their own
snapshot saw; the second insert then hit the first's row (unique on system
and hour) and its ingest failed with exit 3, or the rollup missed the other
file's samples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from app.health.rollups import covered_systems
from app.ingest import ingest_file
from app.store.db import session_scope
from app.store.models import HealthRollup, HealthSample
from tests.ingest.processes import START, race

pytestmark = pytest.mark.slow

MINUTES = 6 * 60  # six hours of one-minute samples, split between two files


def health_file(path: Path, minutes: np.ndarray) -> Path:
    frame = pd.DataFrame(
        {
            "system": "checkout",
            "timestamp": START + pd.to_timedelta(minutes, unit="min"),
            "requests": 2000 + minutes,
            "errors": minutes % 3,
            "latency_p50_ms": 40.0,
            "latency_p95_ms": 120.0,
            "latency_p99_ms": 300.0,
            "cpu_util": 0.5,
            "mem_util": 0.6,
        }
    )
    frame.to_parquet(path, index=False)
    return path


def test_two_health_ingests_into_the_same_hours(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    earlier = health_file(tmp_path / "earlier.parquet", np.arange(-1440, -1380))
    ingest_file("health", earlier, engine=engine)  # the system exists: nothing serialises them
    minutes = np.arange(MINUTES)
    files = [
        health_file(tmp_path / "even.parquet", minutes[0::2]),
        health_file(tmp_path / "odd.parquet", minutes[1::2]),
    ]
    finished = race(tmp_path, *(["ingest", "health", str(path)] for path in files))
    for done in finished:
        assert done.returncode == 0, done.stderr
    with engine.connect() as conn:
        samples = conn.execute(select(func.count()).select_from(HealthSample)).scalar_one()
        hours = conn.execute(
            select(HealthRollup.hour, HealthRollup.samples, HealthRollup.requests)
        ).all()
        (system_id,) = conn.execute(select(HealthSample.system_id).distinct()).scalars()
    assert samples == MINUTES + 60
    assert sorted(n for _, n, _ in hours) == [60] * 7
    assert sum(r for _, _, r in hours) == int(
        (2000 + minutes).sum() + (2000 + np.arange(-1440, -1380)).sum()
    )
    end = (START + pd.Timedelta(hours=6)).to_pydatetime()
    with session_scope(engine) as session:
        assert covered_systems(session, [system_id], START.to_pydatetime(), end) == {system_id}
