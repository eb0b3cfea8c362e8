"""Writing rows in a unit of work: the system's write lock, chunked upserts, plain values.

Helpers every writer of the database shares (file ingest, the MLflow and
Prometheus importers, the production-window pipeline). Each runs inside the
caller's session; committing is the caller's unit of work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.store.db import begin_immediate, lock_systems
from app.store.models import Base, System
from app.store.types import utc_now
from app.store.upsert import upsert

logger = logging.getLogger(__name__)

# Rows per upsert call; also the step of the progress bar.
CHUNK = 20_000
# A bar is only worth drawing for files this big.
PROGRESS_MIN_ROWS = 100_000
_NONE: Any = None  # what a missing value binds as (typed Any: the stubs' ``where`` refuses None)


def table_of(model: type[Base]) -> Table:
    """A model's Core table (typed as such, which ``__table__`` is not)."""
    return cast(Table, model.__table__)


def ensure_systems(
    session: Session, names: Iterable[str]
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Ids of the named systems, creating the missing ones: (ids, names created).

    Every caller is a unit of work about to write those systems' rows, so
    this also takes each system's write lock (:func:`app.store.db.lock_systems`),
    held until the transaction ends: whatever the caller reads next is not
    stale, and two ingests creating the same new system at once make it once.
    """
    wanted = sorted(set(names))
    begin_immediate(session)  # SQLite: the lock before the read of what exists
    table = table_of(System)
    existing = dict(
        session.execute(select(table.c.name, table.c.id).where(table.c.name.in_(wanted))).all()
    )
    created = tuple(n for n in wanted if n not in existing)
    if created:
        now = utc_now()
        upsert(
            session,
            table,
            [{"name": n, "created_at": now} for n in created],
            key=["name"],
            update=[],
        )
        rows = session.execute(select(table.c.name, table.c.id).where(table.c.name.in_(created)))
        existing.update(dict(rows.all()))
        logger.info("created systems %s", ", ".join(created))
    lock_systems(session, existing.values())
    return existing, created


def upsert_frame(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    key: Sequence[str],
    *,
    progress: bool = False,
) -> None:
    """Upsert every row of ``frame`` in chunks, with a progress bar on stderr if asked."""
    show = progress and len(frame) >= PROGRESS_MIN_ROWS
    with tqdm(total=len(frame), unit="rows", desc=table.name, disable=not show) as bar:
        for start in range(0, len(frame), CHUNK):
            chunk = to_records(frame.iloc[start : start + CHUNK])
            upsert(session, table, chunk, key=list(key))
            bar.update(len(chunk))


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (None for missing), ready to bind."""
    names = list(frame.columns)
    columns = [_python_values(frame[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _python_values(series: pd.Series) -> list[Any]:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        naive = series.dt.tz_convert(None).to_numpy().astype("datetime64[us]")
        return naive.tolist()  # datetime objects; NaT becomes None
    if pd.api.types.is_extension_array_dtype(series.dtype):
        return series.astype(object).where(series.notna(), _NONE).tolist()
    if series.dtype == object:
        return series.where(series.notna(), _NONE).tolist()
    values = series.astype(object).tolist()
    if series.dtype.kind == "f":
        return [None if v != v else v for v in values]
    return values
