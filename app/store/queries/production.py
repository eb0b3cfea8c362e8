"""Production windows joined with their stored results: the queries several modules share.

Conventions (the read model, :mod:`app.production.read`, documents them for
readers of the signals):

* A *production window* is a non-reference window (``is_reference`` false);
  a window belongs to a range ``[since, until)`` when it *starts* in it.
* A window's drift is read against its **newest reference** (the highest
  ``reference_window_id`` it has results for): ingest stores one, the
  version's own training data or the newest older version's.
* **Drift share** = drifted *feature* columns / feature columns. The column
  ``prediction`` is not a feature and never counts; it is reported on its own
  (prediction drifted: True/False, None without a prediction column).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.store.models import DriftResult, PerformanceResult, ProductionWindow, QualityResult

PREDICTION = "prediction"

__all__ = [
    "PREDICTION",
    "WindowDrift",
    "WindowPerformance",
    "drift_share",
    "is_production",
    "measured_performance",
    "started_in",
    "window_drift",
    "window_quality",
]


def is_production() -> ColumnElement[bool]:
    """The filter for production windows (references are training data, not traffic)."""
    return ProductionWindow.is_reference.is_(False)


def started_in(since: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    """Windows that start in ``[since, until)`` (an open side when None)."""
    clauses = [is_production()]
    if since is not None:
        clauses.append(ProductionWindow.window_start >= since)
    if until is not None:
        clauses.append(ProductionWindow.window_start < until)
    return and_(*clauses)


def drift_share(drifted_features: int, features: int) -> float | None:
    """Drifted feature columns / feature columns; None without features (unknown, never 0)."""
    return drifted_features / features if features else None


@dataclass(frozen=True)
class WindowDrift:
    """One production window's drift against its newest reference."""

    window_start: datetime
    window_end: datetime
    features: int
    drifted_features: int
    prediction_drifted: bool | None
    rows: int | None = None  # rows in the window (None: unknown, always judged)
    model_version: int | None = None  # None: unknown, always serving
    window_id: int | None = None

    @property
    def share(self) -> float | None:
        """:func:`drift_share` of this window (features only, ``prediction`` excluded)."""
        return drift_share(self.drifted_features, self.features)


def window_drift(
    session: Session,
    system_ids: Collection[int],
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    model_version: int | None = None,
) -> dict[int, list[WindowDrift]]:
    """Per system, its production windows with drift results, oldest first (one query).

    Windows starting in ``[since, until)``; ``model_version`` keeps one version's.
    """
    is_feature = DriftResult.column != PREDICTION
    drifted = DriftResult.drifted.is_(True)
    where = [ProductionWindow.system_id.in_(list(system_ids)), started_in(since, until)]
    if model_version is not None:
        where.append(ProductionWindow.model_version == model_version)
    keys = (
        ProductionWindow.system_id,
        ProductionWindow.id,
        ProductionWindow.window_start,
        ProductionWindow.window_end,
        ProductionWindow.rows,
        ProductionWindow.model_version,
        DriftResult.reference_window_id,
    )
    rows = session.execute(
        select(
            *keys,
            func.sum(case((is_feature, 1), else_=0)),
            func.sum(case((and_(is_feature, drifted), 1), else_=0)),
            func.max(case((~is_feature, case((drifted, 1), else_=0)))),
        )
        .join(ProductionWindow, DriftResult.window_id == ProductionWindow.id)
        .where(*where)
        .group_by(*keys)
        .order_by(ProductionWindow.window_start, DriftResult.reference_window_id)
    ).all()
    newest_reference: dict[tuple[int, int], WindowDrift] = {}
    for system_id, window_id, start, end, n_rows, version, _ref, *counts in rows:
        features, n_drifted, prediction = counts
        predicted = None if prediction is None else bool(prediction)
        newest_reference[(system_id, window_id)] = WindowDrift(
            start, end, int(features), int(n_drifted), predicted, n_rows, version, window_id
        )
    result: dict[int, list[WindowDrift]] = {}
    for (system_id, _), drift in newest_reference.items():
        result.setdefault(system_id, []).append(drift)
    for windows in result.values():
        windows.sort(key=lambda w: w.window_start)
    return result


@dataclass(frozen=True)
class WindowPerformance:
    """One production window's measured (not estimated) values of one metric, by segment.

    ``segments`` maps ``''`` (the whole window) and ``column=value`` to the value.
    """

    window_id: int
    window_start: datetime
    window_end: datetime
    model_version: int
    labelled_rows: int
    segments: Mapping[str, float]


def measured_performance(
    session: Session,
    metrics: Mapping[int, tuple[str, int | None]],
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    overall_only: bool = False,
) -> dict[int, list[WindowPerformance]]:
    """Per system, its production windows' measured values of a metric, oldest first.

    ``metrics``: system id -> (metric as windows store it, model version or
    None for every version). ``overall_only`` reads segment ``''`` only.
    """
    if not metrics:
        return {}
    where = [started_in(since, until), PerformanceResult.estimated.is_(False)]
    if overall_only:
        where.append(PerformanceResult.segment == "")
    per_system = [
        and_(
            ProductionWindow.system_id == system_id,
            PerformanceResult.metric == metric,
            *([] if version is None else [ProductionWindow.model_version == version]),
        )
        for system_id, (metric, version) in metrics.items()
    ]
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            ProductionWindow.id,
            ProductionWindow.window_start,
            ProductionWindow.window_end,
            ProductionWindow.model_version,
            ProductionWindow.labelled_rows,
            PerformanceResult.segment,
            PerformanceResult.value,
        )
        .join(ProductionWindow, PerformanceResult.window_id == ProductionWindow.id)
        .where(*where, or_(*per_system))
        .order_by(ProductionWindow.system_id, ProductionWindow.window_start, ProductionWindow.id)
    ).all()
    found: dict[int, dict[int, tuple[tuple[datetime, datetime, int, int], dict[str, float]]]] = {}
    for system_id, window_id, start, end, version, labelled, segment, value in rows:
        mine = found.setdefault(system_id, {})
        mine.setdefault(window_id, ((start, end, version, labelled), {}))[1][segment] = value
    return {
        system_id: [WindowPerformance(wid, *facts, segs) for wid, (facts, segs) in mine.items()]
        for system_id, mine in found.items()
    }


def window_quality(
    session: Session, system_id: int, check: str, since: datetime, until: datetime
) -> list[tuple[datetime, float | None]]:
    """(window start, value) of one whole-window quality check, oldest first."""
    rows = session.execute(
        select(ProductionWindow.window_start, QualityResult.value)
        .join(ProductionWindow, QualityResult.window_id == ProductionWindow.id)
        .where(
            ProductionWindow.system_id == system_id,
            started_in(since, until),
            QualityResult.column == "",
            QualityResult.check == check,
        )
        .order_by(ProductionWindow.window_start)
    ).all()
    return [(start, value) for start, value in rows]
