"""What a Spark ingest reads of the store before its job: the system's windows and tasks.

Read in a plain session, before the job (which may run for hours on a
cluster); :mod:`app.spark.ingest` reads the same again under the system's
write lock and refuses to write if it changed meanwhile. A stored window's
rows are read back on Spark (:func:`window_rows`) whether they are a Parquet
file in the data dir or files of a lake location.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.production.reference import WindowRef
from app.spark.lake import DAY_MICROS, LakeRows, read_lake
from app.store.models import ModelVersion, ProductionWindow, System
from app.store.rows import table_of


@dataclass(frozen=True)
class StoredWindow:
    """A ``production_windows`` row as the Spark ingest needs it."""

    id: int
    model_version: int
    is_reference: bool
    start: datetime
    path: str
    content_hash: str
    source_files: tuple[tuple[Any, ...], ...] | None
    feature_columns: tuple[str, ...]

    @property
    def ref(self) -> WindowRef:
        return WindowRef(
            self.id, self.model_version, self.is_reference, self.path, self.feature_columns
        )


def stored_windows(session: Session, system: str) -> list[StoredWindow]:
    """The system's windows, oldest first (none when the system does not exist)."""
    table = table_of(ProductionWindow)
    query = (
        select(
            table.c.id,
            table.c.model_version,
            table.c.is_reference,
            table.c.window_start,
            table.c.path,
            table.c.content_hash,
            table.c.source_files,
            table.c.feature_columns,
        )
        .join(table_of(System), table_of(System).c.id == table.c.system_id)
        .where(table_of(System).c.name == system)
        .order_by(table.c.window_start, table.c.id)
    )
    return [
        StoredWindow(
            int(r.id),
            int(r.model_version),
            bool(r.is_reference),
            r.window_start,
            str(r.path),
            str(r.content_hash),
            None if r.source_files is None else tuple(tuple(f) for f in r.source_files),
            tuple(r.feature_columns),
        )
        for r in session.execute(query).all()
    ]


def version_tasks(session: Session, system: str) -> dict[int, str]:
    """Each version's task as its ``models`` row says it (versions without one are absent)."""
    table = table_of(ModelVersion)
    query = (
        select(table.c.version, table.c.task)
        .join(table_of(System), table_of(System).c.id == table.c.system_id)
        .where(table_of(System).c.name == system, table.c.task.is_not(None))
        .order_by(table.c.id.desc())
    )
    return {int(version): str(task) for version, task in session.execute(query).all()}


def window_rows(spark: SparkSession, window: StoredWindow, data_dir: Path) -> LakeRows:
    """A stored window's rows on Spark: its Parquet file here, or its files in the lake."""
    if window.source_files is None:
        return read_lake(spark, str(data_dir / window.path))
    files = [str(f[0]) for f in window.source_files]
    lake = read_lake(spark, window.path, files=files)
    rows = lake.frame.where(F.col("model_version") == window.model_version)
    if not window.is_reference:
        day = int(window.start.timestamp() * 1_000_000) // DAY_MICROS
        rows = rows.where(F.col("_day") == day)
    return LakeRows(lake.location, rows, lake.segments, lake.features, lake.has_ids)
