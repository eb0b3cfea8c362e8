"""Metric histories of runs, downsampled per run for plotting.

Each run's history keeps the min and max of every bucket, so that spikes
survive, and always its first and last point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from app.store.db import session_scope
from app.store.models import MetricPoint, TrainingRun

__all__ = ["downsample_minmax", "metric_histories", "metrics_with_history"]


def downsample_minmax(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices (sorted) that keep each bucket's min and max, and the first and last point.

    ``values`` in x order; at most ``max_points`` indices (at least 4 are kept).
    With few enough points every index is returned.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, (max_points - 2) // 2)
    bucket = np.arange(n) * buckets // n
    order = np.lexsort((values, bucket))  # by bucket, then value: min first, max last
    ends = np.flatnonzero(np.diff(bucket[order])) if n > 1 else np.array([], dtype=int)
    firsts = np.concatenate(([0], ends + 1))
    lasts = np.concatenate((ends, [n - 1]))
    keep = np.concatenate((order[firsts], order[lasts], [0, n - 1]))
    return np.unique(keep)


def metric_histories(
    engine: Engine, run_ids: Sequence[str], key: str, *, max_points: int = 1_000
) -> pd.DataFrame:
    """run_id, step, timestamp, value of metric ``key`` for ``run_ids``, downsampled per run."""
    columns = ["run_id", "step", "timestamp", "value"]
    if not run_ids:
        return pd.DataFrame(columns=columns)
    with session_scope(engine) as session:
        rows = session.execute(
            select(TrainingRun.run_id, MetricPoint.step, MetricPoint.timestamp, MetricPoint.value)
            .join(TrainingRun, TrainingRun.id == MetricPoint.run_pk)
            .where(TrainingRun.run_id.in_(list(run_ids)), MetricPoint.key == key)
            .order_by(TrainingRun.run_id, MetricPoint.step, MetricPoint.timestamp)
        ).all()
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    parts = []
    for _, group in frame.groupby("run_id", sort=False):
        parts.append(group.iloc[downsample_minmax(group["value"].to_numpy(), max_points)])
    return pd.concat(parts, ignore_index=True)


def metrics_with_history(engine: Engine, run_ids: Sequence[str]) -> list[str]:
    """Metric keys with a logged history among ``run_ids``, alphabetically."""
    if not run_ids:
        return []
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(MetricPoint.key)
                .distinct()
                .join(TrainingRun, TrainingRun.id == MetricPoint.run_pk)
                .where(TrainingRun.run_id.in_(list(run_ids)))
                .order_by(MetricPoint.key)
            )
        )
