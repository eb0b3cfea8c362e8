"""Stored results of production windows as the Drift and Data quality pages read them.

The read side of :mod:`app.production.drift` and :mod:`app.production.quality`:
every query returns a DataFrame; nothing here writes.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from app.drift import METHODS
from app.store.db import session_scope
from app.store.models import DriftResult, ProductionWindow, QualityResult, System

MATRIX_COLUMNS = [
    "window_id",
    "window_start",
    "model_version",
    "reference_window_id",
    "column",
    "kind",
    "method",
    "family",
    "score",
    "threshold",
    "drifted",
]


def drift_matrix(
    engine: Engine,
    system: str,
    model_version: int | None = None,
    reference_window_id: int | None = None,
) -> pd.DataFrame:
    """Stored drift of ``system``'s production windows, one row per (window, column).

    Columns: ``MATRIX_COLUMNS`` (``family`` is ``p_value`` or ``distance``;
    ``threshold``/``drifted`` as stored). Sorted by window start, then column.
    ``model_version`` keeps the windows of that version; ``reference_window_id``
    the results against that reference. Empty (same columns) when none.
    """
    current = ProductionWindow.__table__.alias("current")
    query = (
        select(
            DriftResult.window_id,
            current.c.window_start,
            current.c.model_version,
            DriftResult.reference_window_id,
            DriftResult.column,
            DriftResult.kind,
            DriftResult.method,
            DriftResult.score,
            DriftResult.threshold,
            DriftResult.drifted,
        )
        .join(current, DriftResult.window_id == current.c.id)
        .join(System, System.id == current.c.system_id)
        .where(System.name == system, current.c.is_reference.is_(False))
    )
    if model_version is not None:
        query = query.where(current.c.model_version == model_version)
    if reference_window_id is not None:
        query = query.where(DriftResult.reference_window_id == reference_window_id)
    with session_scope(engine) as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=[c for c in MATRIX_COLUMNS if c != "family"])
    frame["family"] = frame["method"].map(lambda m: METHODS[m].family).astype(object)
    frame["drifted"] = frame["drifted"].astype(bool)
    if len(frame):
        frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    return frame[MATRIX_COLUMNS].sort_values(["window_start", "column"], ignore_index=True)


WINDOW_CHECKS = {
    "missing_share": "Missing values (worst column)",
    "out_of_range_share": "Out of reference range (worst column)",
    "type_violation_share": "Type violations (worst column)",
    "new_category_share": "New categories (worst column)",
    "duplicated_share": "Duplicated rows",
}
COUNT_CHECKS = {
    "schema_violations": "Schema violations",
    "added_columns": "Added columns",
    "removed_columns": "Removed columns",
}
SIGNAL_OF_CHECK = {
    "missing_share": "data.missing_share",
    "out_of_range_share": "data.out_of_range_share",
    "schema_violations": "data.schema_violations",
}


def stored_quality(
    engine: Engine, system: str, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Every stored quality result of ``system``'s production windows starting in [since, until).

    Columns: window_id, window_start, model_version, rows, column, check, value.
    """
    query = (
        select(
            QualityResult.window_id,
            ProductionWindow.window_start,
            ProductionWindow.model_version,
            ProductionWindow.rows,
            QualityResult.column,
            QualityResult.check,
            QualityResult.value,
        )
        .join(ProductionWindow, ProductionWindow.id == QualityResult.window_id)
        .join(System, System.id == ProductionWindow.system_id)
        .where(System.name == system, ProductionWindow.is_reference.is_(False))
        .order_by(ProductionWindow.window_start, ProductionWindow.id)
    )
    if since is not None:
        query = query.where(ProductionWindow.window_start >= since)
    if until is not None:
        query = query.where(ProductionWindow.window_start < until)
    with session_scope(engine) as session:
        rows = session.execute(query).all()
    columns = ["window_id", "window_start", "model_version", "rows", "column", "check", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    return frame


def window_trends(results: pd.DataFrame) -> pd.DataFrame:
    """One row per window: each ``WINDOW_CHECKS``/``COUNT_CHECKS`` value (worst column for shares).

    Index: window_start; also ``window_id``, ``model_version``, ``rows``. A
    check a window lacks (no reference, no categorical column) is NaN.
    """
    if results.empty:
        return pd.DataFrame(
            columns=["window_id", "model_version", "rows", *WINDOW_CHECKS, *COUNT_CHECKS]
        )
    per_column = results[results["column"] != ""]
    worst = per_column.pivot_table(
        index="window_id", columns="check", values="value", aggfunc="max"
    )
    whole = results[results["column"] == ""].pivot_table(
        index="window_id", columns="check", values="value", aggfunc="max"
    )
    meta = results.drop_duplicates("window_id").set_index("window_id")[
        ["window_start", "model_version", "rows"]
    ]
    out = meta.copy()
    for check in WINDOW_CHECKS:
        source = whole if check in whole.columns and check == "duplicated_share" else worst
        out[check] = source[check] if check in source.columns else np.nan
    for check in COUNT_CHECKS:
        out[check] = whole[check] if check in whole.columns else np.nan
    return out.reset_index().set_index("window_start")


def column_matrix(results: pd.DataFrame, check: str) -> pd.DataFrame:
    """Columns × windows of one per-column ``check`` (rows: column; columns: window start)."""
    subset = results[(results["check"] == check) & (results["column"] != "")]
    if subset.empty:
        return pd.DataFrame()
    return subset.pivot_table(index="column", columns="window_start", values="value", aggfunc="max")


COLUMN_CHECKS = {
    "missing_share": "Missing values",
    "out_of_range_share": "Out of reference range",
    "type_violation_share": "Type violations",
    "new_category_share": "New categories (share of values)",
    "new_categories": "New categories (distinct values)",
}


def worst(results: pd.DataFrame, check: str) -> tuple[float, pd.Timestamp, str] | None:
    """(value, window start, column) of the worst per-column ``check``; None without any."""
    subset = results[(results["check"] == check) & (results["column"] != "")]
    if subset.empty:
        return None
    row = subset.iloc[int(subset["value"].to_numpy().argmax())]
    return float(row["value"]), pd.Timestamp(row["window_start"]), str(row["column"])
