"""What the Overview shows of each business KPI: its change and a short trend.

Per system and KPI (:class:`KpiTrend`): the change of ``impact.kpi_change``
(:func:`app.health.impact.kpi_changes`, so the card and the signal cannot
disagree) and the KPI's mean per time bucket over the window, at most
:data:`TREND_POINTS` buckets, averaged in the database: a sparkline 120
pixels wide needs no more, and a KPI logged every minute costs the page no
more than a daily one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.health.golden import bucket_seconds, time_bucket
from app.health.impact import kpi_changes
from app.health.window import Window
from app.store.models import KpiPoint, System

TREND_POINTS = 40


@dataclass(frozen=True)
class KpiTrend:
    """One KPI of one system over a window: its mean, its change, its bucketed trend."""

    name: str
    unit: str
    direction: str
    mean: float  # over the window
    previous: float | None  # over the same-length period before
    change: float | None  # impact.kpi_change of this KPI: below 0 is worse
    trend: tuple[float, ...]  # bucket means over the window, oldest first


def kpi_trends(
    session: Session, systems: Collection[str], window: Window
) -> dict[str, list[KpiTrend]]:
    """Every KPI with a point in ``window`` of ``systems``, by system name then KPI name."""
    query_ids = select(System.id, System.name).where(System.name.in_(sorted(systems)))
    ids: dict[int, str] = {row.id: row.name for row in session.execute(query_ids)}
    if not ids:
        return {}
    step = bucket_seconds(window, TREND_POINTS, minimum=3600)
    bucket = time_bucket(session, KpiPoint.timestamp, step)
    query = (
        select(KpiPoint.system_id, KpiPoint.name, bucket, func.avg(KpiPoint.value))
        .where(
            KpiPoint.system_id.in_(sorted(ids)),
            KpiPoint.timestamp >= window.since,
            KpiPoint.timestamp < window.until,
        )
        .group_by(KpiPoint.system_id, KpiPoint.name, bucket)
        .order_by(KpiPoint.system_id, KpiPoint.name, bucket)
    )
    trends: dict[tuple[int, str], list[float]] = {}
    for system_id, name, _, mean in session.execute(query):
        trends.setdefault((system_id, name), []).append(float(mean))
    result: dict[str, list[KpiTrend]] = {}
    for c in kpi_changes(session, ids, window):
        trend = tuple(trends.get((c.system_id, c.name), ()))
        card = KpiTrend(c.name, c.unit, c.direction, c.current, c.previous, c.change, trend)
        result.setdefault(ids[c.system_id], []).append(card)
    return result
