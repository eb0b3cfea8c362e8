"""Reads of the business KPI series (``kpi_points``): one home for their queries.

Both return plain values: per-period means for the ``impact.kpi_change``
signal, and the stored points (optionally bucketed by day) for the charts.
Periods are half-open ``[since, until)`` in UTC, as every window.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import KpiPoint, System

SERIES_COLUMNS = ("system", "name", "timestamp", "value", "unit", "direction")


@dataclass(frozen=True)
class KpiMean:
    """One KPI's mean over one period; ``newest`` is the newest point's time in it."""

    system_id: int
    name: str
    direction: str
    unit: str
    mean: float
    points: int
    newest: datetime


def kpi_means(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime
) -> list[KpiMean]:
    """Each KPI's mean over ``[since, until)`` per system (one query for all systems).

    A KPI whose rows disagree on direction or unit (two files that said
    different things) gives one entry per (direction, unit); the caller picks.
    """
    if not system_ids:
        return []
    query = (
        select(
            KpiPoint.system_id,
            KpiPoint.name,
            KpiPoint.direction,
            KpiPoint.unit,
            func.avg(KpiPoint.value),
            func.count(),
            func.max(KpiPoint.timestamp),
        )
        .where(
            KpiPoint.system_id.in_(sorted(system_ids)),
            KpiPoint.timestamp >= since,
            KpiPoint.timestamp < until,
        )
        .group_by(KpiPoint.system_id, KpiPoint.name, KpiPoint.direction, KpiPoint.unit)
    )
    return [
        KpiMean(int(s), str(n), str(d), str(u), float(mean), int(count), newest)
        for s, n, d, u, mean, count, newest in session.execute(query)
    ]


def kpi_series(
    session: Session, systems: Collection[str] | None, since: datetime, until: datetime
) -> pd.DataFrame:
    """The KPI points of ``systems`` (None: all) in ``[since, until)``, oldest first.

    Columns :data:`SERIES_COLUMNS`; ``timestamp`` is aware UTC.
    """
    query = (
        select(
            System.name,
            KpiPoint.name,
            KpiPoint.timestamp,
            KpiPoint.value,
            KpiPoint.unit,
            KpiPoint.direction,
        )
        .join(System, System.id == KpiPoint.system_id)
        .where(KpiPoint.timestamp >= since, KpiPoint.timestamp < until)
        .order_by(System.name, KpiPoint.name, KpiPoint.timestamp)
    )
    if systems is not None:
        query = query.where(System.name.in_(sorted(systems)))
    frame = pd.DataFrame(session.execute(query).all(), columns=list(SERIES_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["value"] = frame["value"].astype("float64")
    return frame


def kpi_points(session: Session, system_id: int, since: datetime, until: datetime) -> pd.DataFrame:
    """One system's KPI points in ``[since, until)`` (name, timestamp, value, direction)."""
    query = (
        select(KpiPoint.name, KpiPoint.timestamp, KpiPoint.value, KpiPoint.direction)
        .where(
            KpiPoint.system_id == system_id,
            KpiPoint.timestamp >= since,
            KpiPoint.timestamp < until,
        )
        .order_by(KpiPoint.name, KpiPoint.timestamp)
    )
    frame = pd.DataFrame(
        session.execute(query).all(), columns=["name", "timestamp", "value", "direction"]
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["value"] = frame["value"].astype("float64")
    return frame
