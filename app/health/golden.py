"""Golden signals over time: health samples summed into time buckets in SQL.

Samples never reach pandas raw. ``bucket_seconds`` picks the smallest "round"
bucket (1 min, 5 min, 15 min, ... 1 day) that keeps a range at or under
``MAX_POINTS`` buckets, and ``golden_signals`` groups by
``floor(epoch / bucket) * bucket`` in the database, the same on SQLite and
PostgreSQL (see ``epoch_seconds``).

Conventions: a bucket's request rate is its requests per second of bucket;
its error rate is Σerrors / Σrequests; latency percentiles are the
request-weighted means of the interval percentiles (the plain mean in a
bucket without requests), an approximation (``operate.latency_p95_ms`` over
a window reads summed histogram buckets where stored: ``app.health.latency``);
CPU and memory saturation are plain means.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session

from app.health import rollups
from app.health.window import Window
from app.store.models import HealthRollup, HealthSample

MAX_POINTS = 5000
# Round bucket sizes, smallest first: 1, 5, 15, 30 min; 1, 3, 6, 12 h; 1 day.
BUCKET_STEPS = (60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400)

GOLDEN_COLUMNS = [
    "bucket",
    "requests",
    "errors",
    "request_rate",
    "error_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "cpu_util",
    "mem_util",
]


def bucket_seconds(window: Window, max_points: int = MAX_POINTS, minimum: int = 60) -> int:
    """The smallest round bucket size (≥ ``minimum``) giving at most ``max_points`` buckets."""
    span = (window.until - window.since).total_seconds()
    for step in BUCKET_STEPS:
        if step >= minimum and span / step <= max_points:
            return step
    return max(BUCKET_STEPS[-1], int(-(-span // max_points)))


def epoch_seconds(session: Session, column: Any) -> ColumnElement[int]:
    """Whole seconds since 1970 of a naive-UTC timestamp column, in the session's dialect.

    SQLite: ``unixepoch(ts)`` (3.38+, twice as fast), else
    ``CAST(strftime('%s', ts) AS INTEGER)``; PostgreSQL:
    ``CAST(floor(EXTRACT(EPOCH FROM ts)) AS BIGINT)`` (a timestamp without time
    zone is read as UTC, which is how Tandem stores it).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        if sqlite3.sqlite_version_info >= (3, 38):
            return func.unixepoch(column, type_=Integer)
        return cast(func.strftime("%s", column), Integer)
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    raise NotImplementedError(f"time buckets are not implemented for {dialect}")


def time_bucket(session: Session, column: Any, seconds: int) -> ColumnElement[int]:
    """The epoch second at which ``column``'s bucket of ``seconds`` starts.

    Integer division on both dialects (epochs are positive, so it floors), with
    the epoch computed once per row.
    """
    return (epoch_seconds(session, column) // seconds * seconds).label("bucket")


def from_epoch(seconds: pd.Series) -> pd.Series:
    return pd.to_datetime(seconds.astype("int64"), unit="s", utc=True)


def golden_signals(
    session: Session, system_id: int, window: Window, seconds: int | None = None
) -> pd.DataFrame:
    """One row per non-empty bucket of ``window``, oldest first (``GOLDEN_COLUMNS``).

    Buckets of whole hours read the hourly rollup for the whole hours inside
    the window and the raw samples only for the partial hours at its edges
    (and for everything when the rollup does not cover the samples).
    """
    step = seconds or bucket_seconds(window)
    components = _summed(session, [system_id], window.since, window.until, step)
    if components.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in GOLDEN_COLUMNS})
    return _signals(components, step)


# The rollup's sums and counts, in its column order.
_SUMS = ["samples", "requests", "errors",
         *(f"{p}_{part}" for p in rollups.PERCENTILES for part in ("w", "n", "sum", "count")),
         "cpu_sum", "cpu_count", "mem_sum", "mem_count", "bucketed"]  # fmt: skip


def _summed(
    session: Session,
    system_ids: Collection[int],
    since: datetime,
    until: datetime,
    step: int | None,
) -> pd.DataFrame:
    """``_SUMS`` over [since, until) per bucket of ``step`` seconds, or (None) per system.

    Whole hours come from the hourly rollup for the systems it covers; the
    partial hours at the edges, buckets finer than an hour, and systems the
    rollup does not cover come from the raw samples.
    """
    first, last = rollups.ceil_hour(since), rollups.floor_hour(until)
    whole_hours = step is None or step % rollups.ROLLUP_SECONDS == 0
    covered = (
        sorted(rollups.covered_systems(session, system_ids, first, last)) if whole_hours else []
    )
    uncovered = sorted(set(system_ids) - set(covered))
    parts = [
        _sums(session, HealthSample, uncovered, since, until, step),
        _sums(session, HealthSample, covered, since, first, step),
        _sums(session, HealthRollup, covered, first, last, step),
        _sums(session, HealthSample, covered, last, until, step),
    ]
    key = "system_id" if step is None else "bucket"
    frames = [part for part in parts if not part.empty]
    if not frames:
        return pd.DataFrame(columns=[key, *_SUMS])
    return pd.concat(frames).groupby(key, sort=True).sum().reset_index()


def _sums(
    session: Session,
    source: type[HealthSample] | type[HealthRollup],
    system_ids: Sequence[int],
    since: datetime,
    until: datetime,
    step: int | None,
) -> pd.DataFrame:
    """One query: ``_SUMS`` of ``source`` rows, grouped by bucket or (step None) by system."""
    key = "system_id" if step is None else "bucket"
    if since >= until or not system_ids:
        return pd.DataFrame(columns=[key, *_SUMS])
    if source is HealthSample:
        sums = list(rollups.aggregates().values())
        moment = HealthSample.timestamp
    else:
        sums = [func.sum(getattr(HealthRollup, name)) for name in _SUMS]
        moment = HealthRollup.hour
    group = source.system_id if step is None else time_bucket(session, moment, step)
    query = (
        select(group, *sums)
        .where(source.system_id.in_(system_ids), moment >= since, moment < until)
        .group_by(group)
    )
    return pd.DataFrame(session.execute(query).all(), columns=[key, *_SUMS])


def _signals(components: pd.DataFrame, step: int) -> pd.DataFrame:
    raw = components.astype(dict.fromkeys(_SUMS, "float64"))
    out = pd.DataFrame({"bucket": from_epoch(raw["bucket"])})
    out["requests"] = raw["requests"]
    out["errors"] = raw["errors"]
    out["request_rate"] = raw["requests"] / step
    out["error_rate"] = (raw["errors"] / raw["requests"]).where(raw["requests"] > 0)
    for p in rollups.PERCENTILES:
        weighted_mean = (raw[f"{p}_w"] / raw[f"{p}_n"]).where(raw[f"{p}_n"] > 0)
        plain_mean = (raw[f"{p}_sum"] / raw[f"{p}_count"]).where(raw[f"{p}_count"] > 0)
        out[f"latency_{p}_ms"] = weighted_mean.fillna(plain_mean)
    for name in ("cpu", "mem"):
        out[f"{name}_util"] = (raw[f"{name}_sum"] / raw[f"{name}_count"]).where(
            raw[f"{name}_count"] > 0
        )
    return out.reset_index(drop=True)


def window_totals(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime
) -> pd.DataFrame:
    """Per system (the index), the sums and counts of its samples in [since, until).

    The columns are the rollup's (``samples``, ``requests``, ``errors``,
    ``p95_w``, ...), read as in ``golden_signals`` (see ``_summed``).
    """
    summed = _summed(session, system_ids, since, until, step=None)
    return summed.set_index("system_id").astype("float64")
