"""``impact.kpi_change``: did the business numbers get worse over the window?

For each business KPI of a system (kind ``kpis``), the mean of its values
in the status window ``[since, until)`` is compared with the mean over the
same-length period just before, ``[since - length, since)``:

    change = (mean_now - mean_before) / |mean_before|, negated for a
    ``lower_is_better`` KPI,

so that below 0 is always worse (conversion fell, fraud losses rose) and
the signal is ``higher_is_better``. The system's value is its worst KPI's
change. A KPI with no point in either period, or a mean of 0 before (no
relative change of nothing), has no change; a system with no such KPI is
unknown. Means, not sums: a KPI logged per day or per hour reads the same,
and a period with a missing day is not "worse".

Default bounds, warn -5 % and critical -15 %: the KPIs this is meant for
(conversion, fraud losses, stock-outs) move by a few per cent from one month
to the next with nothing wrong (seasons, campaigns; a daily series' noise
averages out over 30 days to well under 1 %), so a month 5 % worse than the
one before is what a business review asks about, and 15 % is more than
seasons explain. A short window (a few days around a release) is noisier:
widen the bounds for it, or edit them per system like every threshold.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.health.catalog import HIGHER
from app.health.value import SIGNAL as VALUE_SIGNAL
from app.health.value import value_signals
from app.health.window import DEFAULT_DAYS, Window
from app.store.queries.kpis import KpiMean, kpi_means, kpi_points

SIGNAL = "impact.kpi_change"


@dataclass(frozen=True)
class KpiChange:
    """One KPI's mean in the window and the period before, and its signed change."""

    system_id: int
    name: str
    unit: str
    direction: str
    current: float
    previous: float | None
    change: float | None  # below 0 is worse, whatever the KPI's direction


def relative_change(current: float, previous: float, direction: str) -> float | None:
    """``(current - previous) / |previous|``, negated when lower is better; None over 0."""
    if previous == 0 or not (math.isfinite(current) and math.isfinite(previous)):
        return None
    change = (current - previous) / abs(previous)
    return change if direction == HIGHER else -change


def _combined(means: list[KpiMean]) -> tuple[float, KpiMean]:
    """The point-weighted mean of one KPI's entries, and the entry with the newest point."""
    points = sum(m.points for m in means)
    mean = sum(m.mean * m.points for m in means) / points
    return mean, max(means, key=lambda m: m.newest)


def kpi_changes(session: Session, system_ids: Collection[int], window: Window) -> list[KpiChange]:
    """Every KPI with a point in ``window``: its means and change, by system and name.

    Its direction and unit are those of its newest point in the window.
    """
    length = window.until - window.since
    now: dict[tuple[int, str], list[KpiMean]] = {}
    before: dict[tuple[int, str], list[KpiMean]] = {}
    for mean in kpi_means(session, system_ids, window.since, window.until):
        now.setdefault((mean.system_id, mean.name), []).append(mean)
    for mean in kpi_means(session, system_ids, window.since - length, window.since):
        before.setdefault((mean.system_id, mean.name), []).append(mean)
    changes = []
    for key in sorted(now):
        current, newest = _combined(now[key])
        previous = _combined(before[key])[0] if key in before else None
        change = None
        if previous is not None:
            change = relative_change(current, previous, newest.direction)
        changes.append(
            KpiChange(key[0], key[1], newest.unit, newest.direction, current, previous, change)
        )
    return changes


def worst_change(changes: Collection[KpiChange]) -> float | None:
    """The most negative (worst) change among ``changes``; None when none has one."""
    known = [c.change for c in changes if c.change is not None]
    return min(known) if known else None


def impact_signals(
    session: Session, system_ids: Collection[int], window: Window
) -> dict[int, dict[str, float | None]]:
    """The Impact lane's values per system: ``impact.kpi_change`` and ``impact.value_ratio``
    (:mod:`app.health.value`)."""
    by_system: dict[int, list[KpiChange]] = {i: [] for i in system_ids}
    for change in kpi_changes(session, system_ids, window):
        by_system[change.system_id].append(change)
    values = value_signals(session, system_ids, window)
    return {
        i: {SIGNAL: worst_change(changes), VALUE_SIGNAL: values[i]}
        for i, changes in by_system.items()
    }


def _means(stamps: np.ndarray, sums: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Mean of the values whose times fall in each ``[start, end)``, from their running sums."""
    low = np.searchsorted(stamps, start, "left")
    high = np.searchsorted(stamps, end, "left")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((sums[high] - sums[low]) / (high - low), dtype="float64")


def kpi_change_series(
    session: Session, system_id: int, window: Window, days: int = DEFAULT_DAYS
) -> tuple[list[datetime], list[float | None]]:
    """The what-if replay's buckets: one per UTC day ending in ``window``.

    Each day's value is ``impact.kpi_change`` as ``tandem status`` would have
    read it that day with its default window: the ``days`` days ending at the
    day's end against the ``days`` before (each KPI's direction: its newest
    point's), the worst KPI deciding. A day with no KPI change is no bucket.
    """
    first = pd.Timestamp(window.since).floor("D") + pd.Timedelta(days=1)
    ends = pd.date_range(first, pd.Timestamp(window.until).ceil("D"), freq="D")
    if ends.empty:
        return [], []
    length = np.timedelta64(days, "D")
    bucket_ends = ends.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    points = kpi_points(session, system_id, ends[0] - timedelta(days=2 * days), ends[-1])
    worst = np.full(len(ends), np.nan)
    for _, kpi in points.groupby("name", sort=True):
        stamps = kpi["timestamp"].dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        sums = np.concatenate([[0.0], np.cumsum(kpi["value"].to_numpy())])
        now = _means(stamps, sums, bucket_ends - length, bucket_ends)
        before = _means(stamps, sums, bucket_ends - 2 * length, bucket_ends - length)
        sign = 1.0 if kpi["direction"].iloc[-1] == HIGHER else -1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            change = np.where(before != 0, sign * (now - before) / np.abs(before), np.nan)
        worst = np.fmin(worst, change)
    kept = ~np.isnan(worst)
    return [end.to_pydatetime() for end in ends[kept]], [float(v) for v in worst[kept]]
