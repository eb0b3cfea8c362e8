"""Write validated rows to a table: only those that are new or changed.

Existing rows are read back by natural key and compared column by column
(vectorised), so a re-ingest writes nothing and can say so (``rows_written``
is 0). What does change goes through :func:`app.store.rows.upsert_frame`
(:func:`app.store.upsert.upsert` underneath), so two ingests racing on the
same keys still never duplicate a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.store.rows import upsert_frame

_IN_CHUNK = 5_000


def read_existing(
    session: Session, table: Table, frame: pd.DataFrame, key: Sequence[str]
) -> pd.DataFrame:
    """Stored rows that may share a key with ``frame``: same first key value, in time range."""
    columns = list(frame.columns)
    first = key[0]
    conditions = []
    for name in key[1:]:
        if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
            conditions += [table.c[name] >= frame[name].min(), table.c[name] <= frame[name].max()]
    values = pd.unique(frame[first].dropna()).tolist()
    rows: list[Any] = []
    for start in range(0, len(values), _IN_CHUNK):
        chunk = values[start : start + _IN_CHUNK]
        query = select(*(table.c[c] for c in columns)).where(table.c[first].in_(chunk), *conditions)
        rows.extend(session.execute(query).all())
    existing = pd.DataFrame(rows, columns=columns)
    for name in columns:
        existing[name] = _like(existing[name], frame[name].dtype)
    return existing


def changed(frame: pd.DataFrame, existing: pd.DataFrame, key: Sequence[str]) -> np.ndarray:
    """Which rows of ``frame`` are not stored, or differ from the stored row."""
    if existing.empty:
        return np.ones(len(frame), dtype=bool)
    left = frame.reset_index(drop=True)
    merged = left.merge(existing, on=list(key), how="left", suffixes=("", "\0old"), indicator=True)
    if len(merged) != len(left):  # a stored duplicate key: cannot happen with the constraints
        raise RuntimeError(f"stored rows are not unique on {key}")
    result = (merged["_merge"] == "left_only").to_numpy()
    for name in frame.columns:
        if name in key:
            continue
        new, old = merged[name], merged[name + "\0old"]
        same = (new == old).fillna(False).astype(bool) | (new.isna() & old.isna())
        result |= ~same.to_numpy()
    return result


def write_rows(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    key: Sequence[str],
    *,
    progress: bool = False,
) -> int:
    """Upsert the rows of ``frame`` that are new or changed; return how many."""
    mask = changed(frame, read_existing(session, table, frame, key), key)
    todo = frame[mask]
    upsert_frame(session, table, todo, key, progress=progress)
    return len(todo)


def _like(series: pd.Series, dtype: Any) -> pd.Series:
    """Stored values in the dtype validation gives the same column, for comparison."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return pd.to_datetime(series, utc=True).astype(dtype)
    return series.astype(dtype)
