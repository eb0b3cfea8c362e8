"""Stored fairness figures as the signal, the what-if replay and the pages read them.

The read side of :mod:`app.production.fairness`; nothing here writes.

* **Fairness gap of a window**: the largest, over its sensitive attributes,
  of the attribute's gap figure (``FAIRNESS_GAP``: equalized odds difference
  for a classifier, relative MAE gap for a regressor). A window without one
  (no sensitive column, no labels, fewer than two groups kept) has no gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from app.production.fairness import FAIRNESS_GAP, GROUP_METRICS, LEFT_OUT
from app.store.db import session_scope
from app.store.models import FairnessResult, ProductionWindow, System
from app.store.queries.production import started_in

GAP_METRICS = tuple(FAIRNESS_GAP.values())
GROUP_TABLE_METRICS = tuple(m for metrics in GROUP_METRICS.values() for m in metrics)


@dataclass(frozen=True)
class WindowFairness:
    """A production window's fairness gap and the attribute that has it."""

    window_id: int
    window_start: datetime
    model_version: int
    labelled_rows: int
    gap: float
    attribute: str
    metric: str


def fairness_gaps(
    session: Session,
    versions: Mapping[int, int | None],
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, list[WindowFairness]]:
    """Per system, the gap of each production window with one, oldest first.

    ``versions``: system id -> model version, or None for every version.
    """
    if not versions:
        return {}
    per_system = [
        ProductionWindow.system_id == system_id
        if version is None
        else (ProductionWindow.system_id == system_id) & (ProductionWindow.model_version == version)
        for system_id, version in versions.items()
    ]
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            ProductionWindow.id,
            ProductionWindow.window_start,
            ProductionWindow.model_version,
            ProductionWindow.labelled_rows,
            FairnessResult.attribute,
            FairnessResult.metric,
            FairnessResult.value,
        )
        .join(ProductionWindow, FairnessResult.window_id == ProductionWindow.id)
        .where(
            started_in(since, until),
            FairnessResult.group_value == "",
            FairnessResult.metric.in_(GAP_METRICS),
            or_(*per_system),
        )
        .order_by(
            ProductionWindow.system_id,
            ProductionWindow.window_start,
            ProductionWindow.id,
            FairnessResult.attribute,
        )
    ).all()
    found: dict[int, dict[int, WindowFairness]] = {}
    for system_id, window_id, start, version, labelled, attribute, metric, value in rows:
        mine = found.setdefault(system_id, {})
        held = mine.get(window_id)
        if held is None or value > held.gap:
            mine[window_id] = WindowFairness(
                window_id, start, version, labelled, value, attribute, metric
            )
    return {system_id: list(windows.values()) for system_id, windows in found.items()}


def system_fairness_gaps(engine: Engine, system: str) -> pd.DataFrame:
    """Every production window's gap of ``system`` (all versions), oldest first.

    Columns: window_id, window_start (UTC), model_version, labelled_rows, gap,
    attribute, metric. Empty (same columns) when none.
    """
    columns = list(WindowFairness.__dataclass_fields__)
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        found = {} if system_id is None else fairness_gaps(session, {system_id: None})
        windows = found.get(system_id, []) if system_id is not None else []
    frame = pd.DataFrame([w.__dict__ for w in windows], columns=columns)
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    return frame


def window_groups(engine: Engine, window_id: int) -> pd.DataFrame:
    """The per-group figures of one window: attribute, group, rows and one column per metric.

    Also one row per attribute with group ``''`` holding its attribute-wide
    figures (differences, ratio, ``groups_left_out``) in their own columns.
    """
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                FairnessResult.attribute,
                FairnessResult.group_value,
                FairnessResult.metric,
                FairnessResult.value,
                FairnessResult.rows,
            )
            .where(FairnessResult.window_id == window_id)
            .order_by(FairnessResult.attribute, FairnessResult.group_value)
        ).all()
    frame = pd.DataFrame(rows, columns=["attribute", "group", "metric", "value", "rows"])
    if frame.empty:
        return pd.DataFrame(columns=["attribute", "group", "rows"])
    wide = frame.pivot_table(
        index=["attribute", "group"], columns="metric", values="value", aggfunc="first"
    )
    counts = frame[frame["metric"] != LEFT_OUT].groupby(["attribute", "group"])["rows"].max()
    wide.insert(0, "rows", counts)
    wide.columns.name = None
    return wide.reset_index()
