"""Production data: rows to Parquet windows, metadata and measures to the database.

Order of work, so that a failure loses nothing and leaves nothing half-written:
validate (already done) → take the system's write lock (held to the commit,
so a concurrent ingest into the system waits instead of merging with a stale
copy) → remove files an interrupted ingest left → read the windows the file
touches → write each changed window as a *new* Parquet file → write the
database in one transaction → commit → delete the files the new ones
replaced. On failure the new files are deleted and the old ones are still
what the database points at; a process killed before its commit leaves
files that the next ingest into the system (or ``tandem gc``) removes.

Quality results compare a window with its model version's reference window
as it is at ingest time. Ingesting a reference *after* windows of that
version leaves their ``out_of_range_share`` and ``schema_violations`` as they
were (computed without, or against the older, reference); the seed loads
references first.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.config import load_settings
from app.drift.store import refresh_window_results
from app.ingest import window_metrics
from app.ingest.errors import IngestSummary
from app.ingest.importers import record
from app.ingest.orphans import sweep_system
from app.ingest.prediction_ids import refuse_ids_stored_elsewhere
from app.ingest.source import Source
from app.ingest.validation import Validated
from app.ingest.windows import (
    WindowRows,
    adds_nothing,
    bounds,
    content_hash,
    feature_columns,
    merge,
    new_or_changed,
    production_rows,
    relative_path,
    segment_columns,
    split,
)
from app.performance.estimation import Calibrator, fit_calibrator
from app.performance.measures import window_results
from app.store.db import session_scope
from app.store.models import ModelVersion, PerformanceResult, ProductionWindow, QualityResult
from app.store.rows import PROGRESS_MIN_ROWS, ensure_systems, table_of, upsert_frame
from app.store.types import utc_now
from app.store.upsert import upsert

logger = logging.getLogger(__name__)

_WINDOW_KEY = ("system_id", "model_version", "is_reference", "window_start")


@dataclass
class _Stored:
    """A window row already in the database."""

    id: int
    path: str
    content_hash: str
    feature_columns: list[str]


def ingest_production(
    validated: Validated,
    source: Source,
    *,
    system: str,
    reference: bool,
    engine: Engine,
    progress: bool,
) -> IngestSummary:
    """Store a validated production file as windows of ``system``."""
    data_dir = load_settings().data_dir
    frame = production_rows(validated)
    new_files: list[Path] = []
    replaced: list[Path] = []
    try:
        with session_scope(engine) as session:
            # The system's write lock, held to the commit: everything read from
            # here on (stored windows, their files) is what this ingest replaces.
            ids, created = ensure_systems(session, [system])
            system_id = ids[system]
            sweep_system(session, data_dir, system_id)  # left by an interrupted ingest
            if not reference:
                refuse_ids_stored_elsewhere(session, system_id, validated, source, data_dir)
            writer = _Writer(session, system_id, data_dir, new_files, replaced)
            groups = list(split(frame, reference=reference))
            show = progress and len(frame) >= PROGRESS_MIN_ROWS
            for window in tqdm(groups, desc="windows", unit="window", disable=not show):
                writer.add(window)
            # --- drift and reference-based quality checks (app.drift.store) ---
            refresh_window_results(
                session, ids[system], writer.changed, data_dir, frames=writer.frames
            )
            # --- end drift ---
            summary = IngestSummary(
                "production", source.path, len(frame), writer.rows_written, created, writer.windows
            )
            record(session, summary)
            replaced = _unreferenced(session, data_dir, replaced)
    except BaseException:
        delete_files(new_files)
        raise
    delete_files(replaced)
    return summary


def _unreferenced(session: Session, data_dir: Path, paths: list[Path]) -> list[Path]:
    """The replaced files no window points at any more.

    In the older layout two systems whose names read alike could share a
    file; it is deleted only once neither points at it.
    """
    if not paths:
        return []
    relative = [p.relative_to(data_dir).as_posix() for p in paths]
    table = table_of(ProductionWindow)
    query = select(table.c.path).where(table.c.path.in_(relative))
    kept = set(session.execute(query).scalars())
    return [p for p, r in zip(paths, relative, strict=True) if r not in kept]


def delete_files(paths: list[Path]) -> None:
    """Delete what an ingest wrote (it failed) or replaced (it committed)."""
    for path in paths:
        path.unlink(missing_ok=True)


class _Writer:
    """Writes the windows of one file inside one session, keeping count."""

    def __init__(
        self,
        session: Session,
        system_id: int,
        data_dir: Path,
        new_files: list[Path],
        replaced: list[Path],
    ) -> None:
        self.session, self.system_id = session, system_id
        self.data_dir, self.new_files, self.replaced = data_dir, new_files, replaced
        self.rows_written = 0
        self.windows = 0
        self._references: dict[int, dict[str, window_metrics.ColumnProfile] | None] = {}
        self._calibrators: dict[int, Calibrator | None] = {}
        self.changed: list[tuple[int, bool]] = []  # (window id, is_reference), for drift
        self.frames: dict[int, pd.DataFrame] = {}  # their rows, so drift need not re-read them

    def add(self, window: WindowRows) -> None:
        stored = self._stored(window.model_version, window.is_reference, window.start)
        old = self._read(stored.path) if stored else None
        if old is not None and not window.is_reference and adds_nothing(old, window.rows):
            return
        # A reference replaces the stored one; a day's rows merge with the stored ones.
        rows = merge(None if window.is_reference else old, window.rows)
        digest = content_hash(rows)
        if stored is not None and stored.content_hash == digest:
            return
        relative = relative_path(self.system_id, window, digest)
        target = self.data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".parquet.tmp")
        self.new_files.append(temporary)
        _write_parquet(rows, temporary)
        os.replace(temporary, target)
        self.new_files.append(target)
        window_id = self._save_window(window, stored, rows, relative.as_posix(), digest)
        if stored is not None and stored.path != relative.as_posix():
            self.replaced.append(self.data_dir / stored.path)
        self._save_measures(window_id, window, rows)
        self.changed.append((window_id, window.is_reference))
        self.frames[window_id] = rows
        self.rows_written += new_or_changed(rows, old)
        self.windows += 1

    def _stored(
        self, model_version: int, is_reference: bool, start: pd.Timestamp
    ) -> _Stored | None:
        """The stored window these rows belong to; a version has one reference, any start."""
        table = table_of(ProductionWindow)
        columns = (table.c.id, table.c.path, table.c.content_hash, table.c.feature_columns)
        query = select(*columns).where(
            table.c.system_id == self.system_id,
            table.c.model_version == model_version,
            table.c.is_reference.is_(is_reference),
        )
        if not is_reference:
            query = query.where(table.c.window_start == start.to_pydatetime())
        row = self.session.execute(query.order_by(table.c.id)).first()
        return (
            _Stored(row.id, row.path, row.content_hash, list(row.feature_columns)) if row else None
        )

    def _read(self, relative: str) -> pd.DataFrame | None:
        path = self.data_dir / relative
        if not path.exists():
            logger.warning("window file %s is missing; its rows are replaced by the new ones", path)
            return None
        return pd.read_parquet(path)

    def _save_window(
        self, window: WindowRows, stored: _Stored | None, rows: pd.DataFrame, path: str, digest: str
    ) -> int:
        start, end = bounds(rows, window.start, window.is_reference)
        values: dict[str, Any] = {
            "system_id": self.system_id,
            "model_version": window.model_version,
            "is_reference": window.is_reference,
            "window_start": start.to_pydatetime(),
            "window_end": end.to_pydatetime(),
            "newest_row_at": rows["timestamp"].max().to_pydatetime(),
            "rows": len(rows),
            "labelled_rows": int(rows["label"].notna().sum()),
            "path": path,
            "content_hash": digest,
            "feature_columns": feature_columns(rows),
            "segment_columns": segment_columns(rows),
            "updated_at": utc_now(),
        }
        table = table_of(ProductionWindow)
        if stored is not None:
            self.session.execute(update(table).where(table.c.id == stored.id).values(**values))
            return stored.id
        upsert(self.session, table, [values], key=_WINDOW_KEY)
        query = select(table.c.id).where(*(table.c[k] == values[k] for k in _WINDOW_KEY))
        return int(self.session.execute(query).scalar_one())

    def _reference(self, model_version: int) -> dict[str, window_metrics.ColumnProfile] | None:
        """The profile of the version's stored reference (read once per ingest)."""
        if model_version not in self._references:
            stored = self._stored(model_version, True, pd.Timestamp(0, tz="UTC"))
            rows = self._read(stored.path) if stored else None
            profile, calibrator = None, None
            if stored is not None and rows is not None:
                profile = window_metrics.reference_profile(rows, stored.feature_columns)
                calibrator = _calibrator(rows)
            self._references[model_version] = profile
            self._calibrators[model_version] = calibrator
        return self._references[model_version]

    def _task(self, model_version: int) -> str | None:
        table = table_of(ModelVersion)
        query = select(table.c.task).where(
            table.c.system_id == self.system_id,
            table.c.version == model_version,
            table.c.task.is_not(None),
        )
        return self.session.execute(query.order_by(table.c.id).limit(1)).scalar()

    def _save_measures(self, window_id: int, window: WindowRows, rows: pd.DataFrame) -> None:
        """Replace the window's quality and performance results (measured, per segment, estimated).

        Estimates (CBPE) are for production windows only: a reference calibrates them.
        """
        features = feature_columns(rows)
        reference: dict[str, window_metrics.ColumnProfile] | None
        calibrator: Calibrator | None = None
        if window.is_reference:
            reference = window_metrics.reference_profile(rows, features)
            self._references[window.model_version] = reference
            self._calibrators[window.model_version] = _calibrator(rows)
        else:
            reference = self._reference(window.model_version)
            calibrator = self._calibrators.get(window.model_version)
        quality = window_metrics.quality_results(rows, features, reference)
        labelled = rows[rows["label"].notna()]
        task = self._task(window.model_version)
        if task is None and len(labelled):
            task = window_metrics.infer_task(labelled["label"], labelled["prediction"])
        if task != window_metrics.CLASSIFICATION:
            calibrator = None
        performance = window_results(rows, task, calibrator)
        for model in (QualityResult, PerformanceResult):
            table = table_of(model)
            self.session.execute(delete(table).where(table.c.window_id == window_id))
        quality_rows = pd.DataFrame(quality, columns=["column", "check", "value"])
        upsert_frame(
            self.session,
            table_of(QualityResult),
            quality_rows.assign(window_id=window_id),
            ("window_id", "column", "check"),
        )
        upsert_frame(
            self.session,
            table_of(PerformanceResult),
            performance.assign(window_id=window_id),
            ("window_id", "metric", "segment", "estimated"),
        )


def _calibrator(reference: pd.DataFrame) -> Calibrator | None:
    """CBPE's calibration of a version's scores on its labelled reference rows."""
    return fit_calibrator(
        reference["label"].to_numpy(dtype=float, na_value=np.nan),
        reference["prediction"].to_numpy(dtype=float, na_value=np.nan),
    )


def _write_parquet(rows: pd.DataFrame, path: Path) -> None:
    """Dictionary-encode the text columns only: on floats it costs 4× the write time."""
    text = [c for c in rows.columns if rows[c].dtype == object]
    table = pa.Table.from_pandas(rows, preserve_index=False)
    pq.write_table(table, path, use_dictionary=text)
