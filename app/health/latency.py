"""Latency percentiles over a range, from summed histogram buckets.

A range's p95 is the 95th percentile of the range's requests. Where health
intervals carry histogram buckets (``health_latency_buckets``: a ``health``
file's ``le_<bound>`` columns, or ``tandem import-prometheus``), the buckets
are summed over the range and read with :func:`histogram_quantile`, as
Prometheus reads ``sum by (le) (increase(..._bucket[range]))``. Where only
interval percentiles exist, the value is the request-weighted mean of the
interval percentiles, which is not a percentile (a 3-hour 8x slowdown in a day
reads about half the true p95), and :data:`APPROXIMATION` says so.

Buckets are used for a system only when every health interval of the range
has them; their bounds are those every such interval carries (summing
cumulative counts of one bound set keeps them cumulative).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.health import rollups
from app.store.models import HealthLatencyBucket, HealthRollupBucket

APPROXIMATION = (
    "approximation: the request-weighted mean of the intervals' p95s "
    "(no latency histogram buckets stored for every interval of the range)"
)


@dataclass(frozen=True)
class RangeLatency:
    """A range's latency percentile and, when it is not one, what it is instead."""

    value: float | None
    approximation: str | None


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float:
    """The ``q``-quantile of cumulative ``(upper bound, count)`` buckets, as Prometheus computes it.

    Matches Prometheus' ``histogram_quantile`` (promql/quantile.go, classic
    buckets): buckets sorted by bound; NaN when the last bound is not +Inf,
    when there are fewer than two buckets, or when the +Inf bucket counts
    nothing; q < 0 is -Inf and q > 1 is +Inf. The rank is ``q * total``; the
    answer lies in the first bucket whose cumulative count reaches the rank,
    interpolated linearly between that bucket's lower bound (the previous
    bucket's bound, or 0 for the lowest bucket) and its upper bound. A rank
    that falls in the +Inf bucket returns the highest finite bound; a lowest
    bound ≤ 0 is returned as it is.
    """
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(buckets)
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return math.nan
    total = ordered[-1][1]
    if total <= 0:
        return math.nan
    rank = q * total
    b = next((i for i, (_, c) in enumerate(ordered[:-1]) if c >= rank), len(ordered) - 1)
    if b == len(ordered) - 1:
        return ordered[-2][0]
    if b == 0 and ordered[0][0] <= 0:
        return ordered[0][0]
    start, below = (0.0, 0.0) if b == 0 else ordered[b - 1]
    end, count = ordered[b][0], ordered[b][1] - below
    return start + (end - start) * ((rank - below) / count)


def summed_buckets(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime
) -> pd.DataFrame:
    """Per system and bound: the summed counts and the intervals summed, over [since, until).

    Whole hours read ``health_rollup_buckets`` for the systems whose rollup
    counts every stored bucket there (:func:`covered_systems`); the edges and
    other systems read the interval buckets, as ``app.health.golden`` does for
    the samples, so a stale rollup costs speed, never a wrong number.
    """
    first, last = rollups.ceil_hour(since), rollups.floor_hour(until)
    covered = sorted(covered_systems(session, system_ids, first, last))
    uncovered = sorted(set(system_ids) - set(covered))
    parts = [
        _raw(session, uncovered, since, until),
        _raw(session, covered, since, first),
        _hourly(session, covered, first, last),
        _raw(session, covered, last, until),
    ]
    frames = [p for p in parts if not p.empty]
    columns = ["system_id", "le_ms", "count", "intervals"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames).groupby(["system_id", "le_ms"]).sum().reset_index()[columns]


def covered_systems(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime
) -> set[int]:
    """The systems whose bucket rollup of the hours in [since, until) sums every stored bucket."""
    if since >= until or not system_ids:
        return set()
    r, b = HealthRollupBucket, HealthLatencyBucket
    rolled = session.execute(
        select(r.system_id, func.sum(r.intervals))
        .where(r.system_id.in_(system_ids), r.hour >= since, r.hour < until)
        .group_by(r.system_id)
    ).all()
    stored = session.execute(
        select(b.system_id, func.count())
        .where(b.system_id.in_(system_ids), b.timestamp >= since, b.timestamp < until)
        .group_by(b.system_id)
    ).all()
    in_rollup = {int(i): int(n) for i, n in rolled}
    in_buckets = {int(i): int(n) for i, n in stored}
    return {int(i) for i in system_ids if in_rollup.get(int(i), 0) == in_buckets.get(int(i), 0)}


def _raw(session: Session, ids: Sequence[int], since: datetime, until: datetime) -> pd.DataFrame:
    b = HealthLatencyBucket
    if since >= until or not ids:
        return pd.DataFrame()
    rows = session.execute(
        select(b.system_id, b.le_ms, func.sum(b.count), func.count())
        .where(b.system_id.in_(ids), b.timestamp >= since, b.timestamp < until)
        .group_by(b.system_id, b.le_ms)
    ).all()
    return pd.DataFrame(rows, columns=["system_id", "le_ms", "count", "intervals"])


def _hourly(session: Session, ids: Sequence[int], since: datetime, until: datetime) -> pd.DataFrame:
    r = HealthRollupBucket
    if since >= until or not ids:
        return pd.DataFrame()
    rows = session.execute(
        select(r.system_id, r.le_ms, func.sum(r.count), func.sum(r.intervals))
        .where(r.system_id.in_(ids), r.hour >= since, r.hour < until)
        .group_by(r.system_id, r.le_ms)
    ).all()
    return pd.DataFrame(rows, columns=["system_id", "le_ms", "count", "intervals"])


def range_percentile(
    q: float,
    buckets: pd.DataFrame,
    samples: float,
    weighted_mean: float | None,
) -> RangeLatency:
    """One system's range percentile: from ``buckets`` when every one of ``samples`` has them.

    ``buckets`` are one system's rows of :func:`summed_buckets`;
    ``weighted_mean`` is the interval percentiles' request-weighted mean, the
    fallback (with :data:`APPROXIMATION`).
    """
    intervals = float(buckets["intervals"].max()) if not buckets.empty else 0.0
    if samples > 0 and intervals == samples:
        shared = buckets[buckets["intervals"] == intervals]
        pairs = list(zip(shared["le_ms"].astype(float), shared["count"].astype(float), strict=True))
        value = histogram_quantile(q, pairs)
        return RangeLatency(None if math.isnan(value) else value, None)
    return RangeLatency(weighted_mean, APPROXIMATION if weighted_mean is not None else None)


def range_p95(
    session: Session, totals: pd.DataFrame, since: datetime, until: datetime
) -> dict[int, RangeLatency]:
    """Each system's p95 over [since, until); ``totals`` is ``golden.window_totals``' frame.

    The bucket tables are read only for systems whose every sample of the range
    has buckets (``bucketed == samples``), so a range without any costs no query.
    """
    complete = totals[(totals["samples"] > 0) & (totals["bucketed"] == totals["samples"])]
    summed = summed_buckets(session, [int(i) for i in complete.index], since, until)
    result: dict[int, RangeLatency] = {}
    for system_id, row in totals.iterrows():
        if row["p95_n"] > 0:
            mean: float | None = float(row["p95_w"] / row["p95_n"])
        elif row["p95_count"] > 0:
            mean = float(row["p95_sum"] / row["p95_count"])
        else:
            mean = None
        own = summed[summed["system_id"] == system_id]
        result[int(cast(int, system_id))] = range_percentile(0.95, own, float(row["samples"]), mean)
    return result
