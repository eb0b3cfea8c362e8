"""Storing the multivariate measures: detector values per window, importance per reference.

Called inside the ingest's session (:func:`app.production.drift.refresh_window_results`),
so the rows commit or roll back with the windows they describe. A window's
(or a reference's) earlier rows are replaced as a whole, so a detector that
no longer applies (too few rows) leaves no stale value behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.production.importance import Importance
from app.production.multivariate import Measure
from app.store.models import FeatureImportance, MultivariateDriftResult
from app.store.rows import table_of
from app.store.upsert import upsert

_CHUNK = 500


def save_measures(session: Session, measures: Mapping[int, tuple[int, Sequence[Measure]]]) -> None:
    """Replace the multivariate rows of each window id: ``{window: (reference, measures)}``."""
    table = table_of(MultivariateDriftResult)
    _delete(session, table.c.window_id, measures)
    rows: list[dict[str, Any]] = [
        {
            "window_id": window_id,
            "reference_window_id": reference_id,
            "method": m.method,
            "value": m.value,
            "lower": m.lower,
            "upper": m.upper,
            "rows": m.rows,
        }
        for window_id, (reference_id, found) in measures.items()
        for m in found
    ]
    upsert(session, table, rows, key=("window_id", "method"))


def save_importances(session: Session, importances: Mapping[int, Sequence[Importance]]) -> None:
    """Replace the feature importances of each reference window id."""
    table = table_of(FeatureImportance)
    _delete(session, table.c.reference_window_id, importances)
    rows: list[dict[str, Any]] = [
        {
            "reference_window_id": reference_id,
            "column": i.column,
            "importance": i.importance,
            "importance_std": i.importance_std,
        }
        for reference_id, found in importances.items()
        for i in found
    ]
    upsert(session, table, rows, key=("reference_window_id", "column"))


def _delete(session: Session, column: Any, ids: Iterable[int]) -> None:
    targets = list(ids)
    for start in range(0, len(targets), _CHUNK):
        chunk = targets[start : start + _CHUNK]
        session.execute(delete(column.table).where(column.in_(chunk)))
