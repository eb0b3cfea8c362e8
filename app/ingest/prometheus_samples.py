"""Turn ``query_range`` results into health-sample rows and latency-bucket rows.

An interval's values are stored as the sample of its start; counts and
utilisations are checked against the health format's bounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from app.ingest.errors import PrometheusError
from app.ingest.formats import FORMATS
from app.ingest.prometheus_queries import OPTIONAL, REQUIRED

__all__ = ["bucket_rows", "to_frame"]

_RATIOS = ("cpu_util", "mem_util")
# A rate-based utilisation can overshoot 0..1 a little (extrapolation,
# scrape jitter); beyond this the query is measuring something else.
_RATIO_SLACK = 0.05


def bucket_rows(
    buckets: Mapping[int, Mapping[float, float]], times: list[int], step: int
) -> pd.DataFrame:
    """``health_latency_buckets`` rows (timestamp, le_ms, count) of the intervals ``times`` end.

    Bounds become ms. An interval is kept only with a +Inf bucket and finite
    counts ≥ 0; counts are made cumulative-monotonic as ``histogram_quantile``
    does (``increase`` extrapolates each series on its own, so a higher bucket
    can come out a hair lower).
    """
    rows: list[tuple[pd.Timestamp, float, float]] = []
    for t in times:
        counts = buckets.get(t, {})
        if math.inf not in counts or not all(math.isfinite(c) and c >= 0 for c in counts.values()):
            continue
        start = pd.Timestamp(t - step, unit="s", tz="UTC")
        highest = 0.0
        for le in sorted(counts):
            highest = max(highest, counts[le])
            rows.append((start, le * 1000 if math.isfinite(le) else math.inf, highest))
    return pd.DataFrame(rows, columns=["timestamp", "le_ms", "count"]).astype(
        {"le_ms": "float64", "count": "float64"}
    )


def to_frame(values: Mapping[str, Mapping[int, float]], step: int) -> pd.DataFrame:
    """Health-sample rows for every evaluation time ``requests`` has a value at.

    Counts are rounded to whole requests (``increase`` extrapolates, so it can
    return fractions); a missing or non-finite optional value is NULL, never 0.
    """
    for key in REQUIRED:
        if not values.get(key):
            raise PrometheusError(
                f"the {key} query returned no data in this range: check the query "
                "(see the mapping in README.md) and --since/--until"
            )
    times = sorted(values["requests"])
    columns: dict[str, Any] = {
        "timestamp": pd.to_datetime([t - step for t in times], unit="s", utc=True),
    }
    for key in REQUIRED:
        columns[key] = [_count(key, t, values[key].get(t)) for t in times]
    for key in OPTIONAL:
        series = values.get(key, {})
        columns[key] = [_optional(key, t, series.get(t)) for t in times]
    dtypes = {k: "int64" for k in REQUIRED} | {k: "float64" for k in OPTIONAL}
    return pd.DataFrame(columns).astype(dtypes)


def _bound(key: str) -> float:
    """The health format's upper bound of ``key`` (docs/data-formats.md), else +inf."""
    column = FORMATS["health"].column(key)
    return math.inf if column is None or column.maximum is None else column.maximum


def _count(key: str, at: int, value: float | None) -> int:
    if value is None or not math.isfinite(value) or not 0 <= value <= _bound(key):
        when = datetime.fromtimestamp(at, UTC).isoformat()
        got = "no value" if value is None else repr(value)
        raise PrometheusError(f"{key} at {when}: expected a count, got {got}")
    return round(value)


def _optional(key: str, at: int, value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return math.nan
    if key in _RATIOS:
        if not -_RATIO_SLACK <= value <= 1 + _RATIO_SLACK:
            when = datetime.fromtimestamp(at, UTC).isoformat()
            raise PrometheusError(f"{key} at {when}: expected a 0–1 ratio, got {value!r}")
        return min(max(value, 0.0), 1.0)
    if value > _bound(key):
        when = datetime.fromtimestamp(at, UTC).isoformat()
        raise PrometheusError(f"{key} at {when}: expected at most {_bound(key):.0f}, got {value!r}")
    return value
