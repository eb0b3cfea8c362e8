"""Stored business values as the signal, the what-if replay and the pages read them.

The read side of :mod:`app.production.business_value`; nothing here writes.

* A window's **value** is its realised value once labels arrived (over its
  labelled rows) and its CBPE estimate until then (over all its rows):
  :attr:`WindowValue.value` and :attr:`WindowValue.rows`.
* A version's **reference value per prediction** is the realised value of its
  reference window over that window's labelled rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.store.db import session_scope
from app.store.models import BusinessValue, ModelVersion, ProductionWindow, System
from app.store.queries.production import started_in


@dataclass(frozen=True)
class WindowValue:
    """A production window's stored value; realised when labelled, else estimated."""

    system_id: int
    window_start: datetime
    model_version: int
    realised: float | None
    realised_rows: int
    estimated: float | None
    lower: float | None
    upper: float | None
    estimated_rows: int

    @property
    def is_realised(self) -> bool:
        return self.realised is not None and self.realised_rows > 0

    @property
    def value(self) -> float | None:
        return self.realised if self.is_realised else self.estimated

    @property
    def rows(self) -> int:
        return self.realised_rows if self.is_realised else self.estimated_rows


def window_values(
    session: Session,
    system_ids: Collection[int],
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, list[WindowValue]]:
    """Per system, the value of each production window starting in ``[since, until)``."""
    if not system_ids:
        return {}
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            ProductionWindow.window_start,
            ProductionWindow.model_version,
            BusinessValue.realised,
            BusinessValue.realised_rows,
            BusinessValue.estimated,
            BusinessValue.lower,
            BusinessValue.upper,
            BusinessValue.estimated_rows,
        )
        .join(ProductionWindow, BusinessValue.window_id == ProductionWindow.id)
        .where(ProductionWindow.system_id.in_(list(system_ids)), started_in(since, until))
        .order_by(ProductionWindow.system_id, ProductionWindow.window_start, ProductionWindow.id)
    ).all()
    found: dict[int, list[WindowValue]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(WindowValue(*row))
    return found


def reference_values(session: Session, system_ids: Collection[int]) -> dict[tuple[int, int], float]:
    """(system id, version) -> the reference's realised value per labelled row."""
    if not system_ids:
        return {}
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            ProductionWindow.model_version,
            BusinessValue.realised,
            BusinessValue.realised_rows,
        )
        .join(ProductionWindow, BusinessValue.window_id == ProductionWindow.id)
        .where(
            ProductionWindow.system_id.in_(list(system_ids)),
            ProductionWindow.is_reference.is_(True),
            BusinessValue.realised.is_not(None),
            BusinessValue.realised_rows > 0,
        )
    ).all()
    return {(s, v): realised / count for s, v, realised, count in rows if realised is not None}


def value_unit(session: Session, system_id: int) -> str:
    """The unit of the system's newest version with a value matrix; '' without one."""
    query = (
        select(ModelVersion.value_unit)
        .where(ModelVersion.system_id == system_id, ModelVersion.value_tp.is_not(None))
        .order_by(ModelVersion.version.desc(), ModelVersion.id.desc())
        .limit(1)
    )
    return session.scalar(query) or ""


VALUE_COLUMNS = [
    "window_start",
    "model_version",
    "realised",
    "estimated",
    "lower",
    "upper",
    "rows",
    "per_prediction",
    "reference_per_prediction",
]


def system_values(engine: Engine, system: str) -> tuple[pd.DataFrame, str]:
    """``system``'s windows with a value, oldest first (``VALUE_COLUMNS``), and the unit.

    ``per_prediction`` is the window's value (realised, else estimated) over
    its rows; ``reference_per_prediction`` its version's reference's.
    """
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        if system_id is None:
            return pd.DataFrame(columns=VALUE_COLUMNS), ""
        windows = window_values(session, [system_id]).get(system_id, [])
        references = reference_values(session, [system_id])
        unit = value_unit(session, system_id)
    records = [
        {
            "window_start": w.window_start,
            "model_version": w.model_version,
            "realised": w.realised if w.is_realised else None,
            "estimated": w.estimated,
            "lower": w.lower,
            "upper": w.upper,
            "rows": w.rows,
            "per_prediction": w.value / w.rows if w.value is not None and w.rows else None,
            "reference_per_prediction": references.get((system_id, w.model_version)),
        }
        for w in windows
    ]
    frame = pd.DataFrame(records, columns=VALUE_COLUMNS)
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    return frame, unit
