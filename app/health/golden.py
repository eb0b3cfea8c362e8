"""Golden signals over time: health samples summed into time buckets in SQL.

Samples never reach pandas raw. ``bucket_seconds`` picks the smallest "round"
bucket (1 min, 5 min, 15 min, ... 1 day) that keeps a range at or under
``MAX_POINTS`` buckets, and ``golden_signals`` groups by
``floor(epoch / bucket) * bucket`` in the database, the same on SQLite and
PostgreSQL (see ``epoch_seconds``).

Conventions: a bucket's request rate is its requests per second of bucket;
its error rate is Σerrors / Σrequests; latency percentiles are the
request-weighted means of the interval percentiles (the plain mean in a
bucket without requests), as for ``operate.latency_p95_ms``; CPU and memory
saturation are plain means.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, ColumnElement, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from app.health.window import Window
from app.store.models import HealthSample

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
    """One row per non-empty bucket of ``window``, oldest first (``GOLDEN_COLUMNS``)."""
    step = seconds or bucket_seconds(window)
    bucket = time_bucket(session, HealthSample.timestamp, step)
    weight = HealthSample.requests

    def weighted(column: Any) -> tuple[ColumnElement[Any], ...]:
        has = column.is_not(None)
        return (
            func.sum(case((has, column * weight), else_=0)),
            func.sum(case((has, weight), else_=0)),
            func.avg(column),
        )

    query = (
        select(
            bucket,
            func.sum(HealthSample.requests),
            func.sum(HealthSample.errors),
            *weighted(HealthSample.latency_p50_ms),
            *weighted(HealthSample.latency_p95_ms),
            *weighted(HealthSample.latency_p99_ms),
            func.avg(HealthSample.cpu_util),
            func.avg(HealthSample.mem_util),
        )
        .where(
            HealthSample.system_id == system_id,
            HealthSample.timestamp >= window.since,
            HealthSample.timestamp < window.until,
        )
        .group_by(bucket)
        .order_by(bucket)
    )
    raw = pd.DataFrame(
        session.execute(query).all(),
        columns=[
            "bucket", "requests", "errors",
            "p50_w", "p50_n", "p50_mean", "p95_w", "p95_n", "p95_mean",
            "p99_w", "p99_n", "p99_mean", "cpu_util", "mem_util",
        ],
    )  # fmt: skip
    if raw.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in GOLDEN_COLUMNS})
    raw = raw.astype({c: "float64" for c in raw.columns if c != "bucket"})
    out = pd.DataFrame({"bucket": from_epoch(raw["bucket"])})
    out["requests"] = raw["requests"]
    out["errors"] = raw["errors"]
    out["request_rate"] = raw["requests"] / step
    out["error_rate"] = (raw["errors"] / raw["requests"]).where(raw["requests"] > 0)
    for p in ("p50", "p95", "p99"):
        weighted_mean = (raw[f"{p}_w"] / raw[f"{p}_n"]).where(raw[f"{p}_n"] > 0)
        out[f"latency_{p}_ms"] = weighted_mean.fillna(raw[f"{p}_mean"])
    out["cpu_util"] = raw["cpu_util"]
    out["mem_util"] = raw["mem_util"]
    return out.reset_index(drop=True)
