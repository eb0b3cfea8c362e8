"""Hourly health rollups: the golden signals read through them equal the raw samples'.

On SQLite and PostgreSQL: windows with partial hours at both edges, gaps and
missing values, an upsert that changes stored samples, samples written
around the ingest path (the reader must fall back to the raw samples), and
the migration that fills the rollup of a database upgraded with samples in it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Engine, delete, func, insert, select

from app.health import rollups
from app.health.golden import golden_signals, window_totals
from app.health.window import Window
from app.ingest.importers import ingest_file
from app.store.db import session_scope
from app.store.migrate import alembic_config
from app.store.models import HealthRollup, HealthSample, System

START = datetime(2026, 5, 1, tzinfo=UTC)


def _samples(days: int = 3, seed: int = 3) -> pd.DataFrame:
    """One sample a minute with gaps, some missing latencies and saturations."""
    rng = np.random.default_rng(seed)
    n = days * 24 * 60
    frame = pd.DataFrame(
        {
            "system": "svc",
            "timestamp": [START + timedelta(minutes=m) for m in range(n)],
            "requests": rng.integers(0, 500, n),
            "errors": rng.integers(0, 5, n),
            "latency_p50_ms": rng.gamma(2.0, 10.0, n),
            "latency_p95_ms": rng.gamma(2.0, 50.0, n),
            "latency_p99_ms": rng.gamma(2.0, 90.0, n),
            "cpu_util": rng.uniform(0, 1, n),
            "mem_util": rng.uniform(0, 1, n),
        }
    )
    frame["errors"] = np.minimum(frame["errors"], frame["requests"])
    for column in ("latency_p95_ms", "cpu_util", "mem_util"):
        frame.loc[rng.random(n) < 0.1, column] = np.nan
    return frame.drop(index=range(600, 900)).reset_index(drop=True)  # a 5-hour gap


def _ingest(frame: pd.DataFrame, tmp_path: Path, engine: Engine, name: str = "h.csv") -> int:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    ingest_file("health", path, engine=engine)
    with session_scope(engine) as s:
        return int(s.scalar(select(System.id).where(System.name == "svc")))


def _raw(engine: Engine, system_id: int, window: Window, step: int) -> pd.DataFrame:
    """The same query with the rollup emptied: every bucket from the raw samples."""
    with session_scope(engine) as s:
        s.execute(delete(HealthRollup))
        s.flush()
        frame = golden_signals(s, system_id, window, step)
        s.rollback()
    return frame


def _rolled(engine: Engine, system_id: int, window: Window, step: int) -> pd.DataFrame:
    with session_scope(engine) as s:
        first, last = rollups.ceil_hour(window.since), rollups.floor_hour(window.until)
        assert rollups.covered_systems(s, [system_id], first, last) == {system_id}
        return golden_signals(s, system_id, window, step)


WINDOWS = [
    Window(START + timedelta(hours=2, minutes=17), START + timedelta(days=2, hours=13, minutes=42)),
    Window(START - timedelta(days=1), START + timedelta(days=5)),
    Window(START + timedelta(hours=1), START + timedelta(hours=30)),
]


@pytest.mark.parametrize("step", [3600, 10800, 86400])
def test_rollup_buckets_equal_raw_buckets(engine: Engine, tmp_path: Path, step: int) -> None:
    system_id = _ingest(_samples(), tmp_path, engine)
    for window in WINDOWS:
        rolled = _rolled(engine, system_id, window, step)
        raw = _raw(engine, system_id, window, step)
        assert len(rolled) > 1
        pd.testing.assert_frame_equal(rolled, raw, rtol=1e-12)


def test_an_upsert_rebuilds_the_hours_it_touched(engine: Engine, tmp_path: Path) -> None:
    frame = _samples(days=2)
    system_id = _ingest(frame, tmp_path, engine)
    changed = frame.iloc[100:200].assign(requests=10_000, errors=100)
    _ingest(changed, tmp_path, engine, name="again.csv")
    window = Window(START, START + timedelta(days=2))
    rolled = _rolled(engine, system_id, window, 3600)
    pd.testing.assert_frame_equal(rolled, _raw(engine, system_id, window, 3600), rtol=1e-12)
    assert rolled["requests"].max() >= 10_000 * 50


def test_samples_written_around_the_ingest_path_fall_back_to_raw(
    engine: Engine, tmp_path: Path
) -> None:
    system_id = _ingest(_samples(days=1), tmp_path, engine)
    extra = START + timedelta(hours=5, seconds=30)
    with session_scope(engine) as s:
        s.add(HealthSample(system_id=system_id, timestamp=extra, requests=7_000, errors=7_000))
    window = Window(START, START + timedelta(days=1))
    with session_scope(engine) as s:
        assert not rollups.covered_systems(s, [system_id], window.since, window.until)
        frame = golden_signals(s, system_id, window, 3600)
    hour = frame.set_index("bucket").loc[START + timedelta(hours=5)]
    assert hour["errors"] >= 7_000
    with session_scope(engine) as s:
        rollups.refresh_all(s)
    pd.testing.assert_frame_equal(_rolled(engine, system_id, window, 3600), frame, rtol=1e-12)


def test_the_migration_fills_the_rollup_of_stored_samples(engine: Engine) -> None:
    config = alembic_config(engine)
    command.downgrade(config, "0001")
    frame = _samples(days=1)
    with session_scope(engine) as s:
        system_id = s.execute(insert(System).values(name="svc").returning(System.id)).scalar_one()
        rows = frame.drop(columns="system").assign(system_id=system_id)
        rows["timestamp"] = [t.replace(tzinfo=None) for t in rows["timestamp"]]
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        s.execute(insert(HealthSample.__table__), records)
    command.upgrade(config, "head")
    with session_scope(engine) as s:
        migrated = _rollup_rows(s)
        s.execute(delete(HealthRollup))
        rollups.refresh_all(s)
        rebuilt = _rollup_rows(s)
        assert s.scalar(select(func.sum(HealthRollup.samples))) == len(frame)
    pd.testing.assert_frame_equal(migrated, rebuilt, rtol=1e-12)
    assert len(migrated) == 24 - 5  # the gap


def _rollup_rows(session) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    table = HealthRollup.__table__
    columns = [c for c in table.c if c.name != "id"]
    rows = session.execute(select(*columns).order_by(table.c.system_id, table.c.hour)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in columns])
    return frame.astype({c: "float64" for c in frame.columns if c not in ("system_id", "hour")})


def test_window_totals_equal_raw_totals(engine: Engine, tmp_path: Path) -> None:
    system_id = _ingest(_samples(), tmp_path, engine)
    for window in WINDOWS:
        with session_scope(engine) as s:
            rolled = window_totals(s, [system_id], window.since, window.until)
            s.execute(delete(HealthRollup))
            s.flush()
            raw = window_totals(s, [system_id], window.since, window.until)
            s.rollback()
        assert rolled.loc[system_id, "samples"] > 60
        pd.testing.assert_frame_equal(rolled, raw, rtol=1e-12)
