"""Latency over a range is a percentile of the range's requests (issue 15, item 6).

The old ``operate.latency_p95_ms`` was the request-weighted mean of the
intervals' p95s. On a day of lognormal latencies (median 76 ms, sigma 0.6,
200 requests a minute) with a 3-hour 8x slowdown, that mean reads about
0.875 * 204 + 0.125 * 1633 = 382 ms (p95 of one interval = 76 * e^(1.645 * 0.6)
= 204 ms, slowed 1633 ms), while the day's true p95 is about 710 ms: 12.5 % of
the requests are slow, so the 95th percentile lies among them. With histogram
buckets stored per interval, the range's buckets are summed and read as
Prometheus' ``histogram_quantile`` does.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select

from app.health import build_status, format_table
from app.health.latency import APPROXIMATION, histogram_quantile
from app.ingest import IngestError, ingest_file
from app.store.db import get_engine, session_scope
from app.store.models import HealthLatencyBucket, HealthRollupBucket

DAY = datetime(2026, 6, 1, tzinfo=UTC)
BOUNDS_MS = [float(b) for b in range(25, 3001, 25)]


def _day(seed: int = 15) -> tuple[pd.DataFrame, np.ndarray]:
    """One day of 1-minute health rows (with ``le_`` buckets) and every request's latency."""
    rng = np.random.default_rng(seed)
    rows, every = [], []
    for minute in range(24 * 60):
        slow = 12 * 60 <= minute < 15 * 60
        latencies = rng.lognormal(math.log(76 * (8 if slow else 1)), 0.6, 200)
        every.append(latencies)
        row = {
            "system": "svc",
            "timestamp": (DAY + timedelta(minutes=minute)).isoformat(),
            "requests": 200,
            "errors": 0,
            "latency_p50_ms": float(np.percentile(latencies, 50)),
            "latency_p95_ms": float(np.percentile(latencies, 95)),
            "latency_p99_ms": float(np.percentile(latencies, 99)),
            "cpu_util": None,
            "mem_util": None,
        }
        for bound in BOUNDS_MS:
            row[f"le_{bound:g}"] = int((latencies <= bound).sum())
        row["le_+Inf"] = len(latencies)
        rows.append(row)
    return pd.DataFrame(rows), np.concatenate(every)


def _p95(engine: Engine, frame: pd.DataFrame, tmp_path: Path) -> tuple[float, str | None]:
    path = tmp_path / "health.csv"
    frame.to_csv(path, index=False)
    ingest_file("health", path, engine=engine)
    report = build_status(engine, since=DAY, until=DAY + timedelta(days=1))
    signal = report.system("svc").signal("operate.latency_p95_ms")
    assert signal.value is not None
    return signal.value, signal.note


def test_interval_percentiles_read_half_the_true_p95_and_say_so(
    engine: Engine, tmp_path: Path
) -> None:
    frame, every = _day()
    true_p95 = float(np.percentile(every, 95))
    assert 680 < true_p95 < 740
    without = frame[[c for c in frame.columns if not c.startswith("le_")]]
    value, note = _p95(engine, without, tmp_path)
    # The weighted mean of interval p95s: about 382 ms, -46 % of the true p95.
    assert 370 < value < 395
    assert value / true_p95 - 1 < -0.4
    assert note == APPROXIMATION
    report = build_status(engine, since=DAY, until=DAY + timedelta(days=1))
    signal = report.system("svc").signal("operate.latency_p95_ms").to_dict()
    assert signal["note"] == APPROXIMATION
    assert f"note: svc operate.latency_p95_ms: {APPROXIMATION}" in format_table(report)


def test_summed_buckets_give_the_true_p95_of_the_range(engine: Engine, tmp_path: Path) -> None:
    frame, every = _day()
    true_p95 = float(np.percentile(every, 95))
    value, note = _p95(engine, frame, tmp_path)
    # 25 ms buckets: linear interpolation inside one bucket is within 1 % here.
    assert abs(value / true_p95 - 1) < 0.01
    assert note is None
    # The same value read from the raw buckets (rollup emptied) and from the rollup.
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(HealthRollupBucket)) > 0
        s.execute(delete(HealthRollupBucket))
    raw = build_status(engine, since=DAY + timedelta(minutes=7), until=DAY + timedelta(days=1))
    rolled_back_in = raw.system("svc").signal("operate.latency_p95_ms").value
    assert rolled_back_in is not None
    assert abs(rolled_back_in / true_p95 - 1) < 0.01


def test_a_range_with_intervals_without_buckets_is_an_approximation(
    engine: Engine, tmp_path: Path
) -> None:
    frame, _ = _day()
    buckets = [c for c in frame.columns if c.startswith("le_")]
    frame.loc[100, buckets] = np.nan
    value, note = _p95(engine, frame, tmp_path)
    assert note == APPROXIMATION
    assert 370 < value < 395
    with session_scope(engine) as s:
        stored = s.scalar(select(func.count()).select_from(HealthLatencyBucket))
    assert stored == (len(frame) - 1) * len(buckets)


# Hand-computed, after Prometheus' promql/quantile.go (classic buckets):
# cumulative (100 ms: 10), (200 ms: 30), (+Inf: 40); total 40.
BUCKETS = [(100.0, 10.0), (200.0, 30.0), (math.inf, 40.0)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0.1, 40.0),  # rank 4 in the lowest bucket, from 0: 0 + 100 * 4 / 10
        (0.5, 150.0),  # rank 20 in (100, 200]: 100 + 100 * (20 - 10) / (30 - 10)
        (0.75, 200.0),  # rank 30 reaches (100, 200]'s count exactly: its upper bound
        (0.9, 200.0),  # rank 36 falls in +Inf: the highest finite bound
        (0.0, 0.0),  # rank 0 in the lowest bucket: its lower bound 0
        (-0.1, -math.inf),
        (1.1, math.inf),
    ],
)
def test_histogram_quantile_hand_computed(q: float, expected: float) -> None:
    assert histogram_quantile(q, BUCKETS) == expected
    assert histogram_quantile(q, list(reversed(BUCKETS))) == expected  # any order


def test_histogram_quantile_edge_rules() -> None:
    assert math.isnan(histogram_quantile(0.5, [(100.0, 10.0), (200.0, 20.0)]))  # no +Inf
    assert math.isnan(histogram_quantile(0.5, [(math.inf, 10.0)]))  # one bucket
    assert math.isnan(histogram_quantile(0.5, [(100.0, 0.0), (math.inf, 0.0)]))  # no requests
    # A lowest bound of 0 is returned as it is: 5 of 10 requests took 0 ms.
    assert histogram_quantile(0.2, [(0.0, 5.0), (10.0, 8.0), (math.inf, 10.0)]) == 0.0


def _bad(tmp_path: Path, columns: dict[str, list[object]]) -> IngestError:
    frame = pd.DataFrame(
        {
            "system": "svc",
            "timestamp": ["2026-06-01T00:00:00Z", "2026-06-01T00:01:00Z"],
            "requests": [10, 10],
            "errors": [0, 0],
            "latency_p50_ms": None,
            "latency_p95_ms": None,
            "latency_p99_ms": None,
            "cpu_util": None,
            "mem_util": None,
            **columns,
        }
    )
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(IngestError) as caught:
        ingest_file("health", path)
    return caught.value


@pytest.mark.usefixtures("sqlite_engine")
@pytest.mark.parametrize(
    ("columns", "row", "column", "expected"),
    [
        ({"le_100": [5, 9], "le_50": [3, 10], "le_+Inf": [10, 10]}, 2, "le_100", "cumulative"),
        ({"le_100": [5, -1], "le_+Inf": [10, 10]}, 2, "le_100", "≥ 0"),
        ({"le_fast": [5, 5], "le_+Inf": [10, 10]}, None, "le_fast", "latency in ms"),
        ({"le_-5": [5, 5], "le_+Inf": [10, 10]}, None, "le_-5", "latency in ms"),
        ({"le_100": [5, 5]}, None, "le_100", "le_+Inf"),
        ({"le_100": [5, None], "le_+Inf": [10, 10]}, 2, "le_100", "every le_ column"),
    ],
)
def test_bad_bucket_columns_are_bad_input(
    tmp_path: Path, columns: dict[str, list[object]], row: int | None, column: str, expected: str
) -> None:
    error = _bad(tmp_path, columns)
    assert error.path.name == "bad.csv"
    assert error.row == row
    assert error.column == column
    assert expected in error.expected


@pytest.mark.usefixtures("sqlite_engine")
def test_tandem_ingest_exits_2_naming_file_row_and_column(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from app.cli import cli

    frame = pd.DataFrame(
        {
            "system": "svc",
            "timestamp": ["2026-06-01T00:00:00Z", "2026-06-01T00:01:00Z"],
            "requests": [10, 10],
            "errors": [0, 0],
            "latency_p50_ms": None,
            "latency_p95_ms": None,
            "latency_p99_ms": None,
            "cpu_util": None,
            "mem_util": None,
            "le_50": [3, 6],
            "le_100": [5, 4],
            "le_+Inf": [10, 10],
        }
    )
    path = tmp_path / "cumulative.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(cli, ["ingest", "health", str(path)])
    assert result.exit_code == 2, result.output
    assert "cumulative.csv, row 2" in result.output
    assert '"le_100"' in result.output
    with session_scope(get_engine()) as s:
        assert s.scalar(select(func.count()).select_from(HealthLatencyBucket)) == 0
