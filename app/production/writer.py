"""Writing the windows of one file: Parquet files, window rows and their own measures.

:class:`WindowWriter` runs inside the pipeline's session (the system's write
lock held): for each window the file touches it merges the rows with the
stored ones, writes a *new* Parquet file when the content changed, updates
the ``production_windows`` row, and replaces the window's quality checks
(against its own version's reference). Performance and drift are measured
after every window is written (:mod:`app.production.performance_refresh`,
:mod:`app.production.drift`): both may depend on a reference the same file
brings.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.production import files
from app.production.lake_files import is_lake_path, lake_windows, read_lake_window
from app.production.quality import replace_window_checks, window_checks
from app.production.reference import ColumnProfile, profile_reference
from app.production.windows import (
    WindowRows,
    adds_nothing,
    bounds,
    content_hash,
    feature_columns,
    merge,
    new_or_changed,
    relative_path,
    segment_columns,
)
from app.store.models import ProductionWindow
from app.store.rows import table_of
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


class WindowWriter:
    """Writes the windows of one file inside one session, keeping count.

    Files it writes are appended to ``new_files`` (deleted if the ingest
    fails), files they replace to ``replaced`` (deleted once it commits).
    The files are written by a thread of its own while the caller measures
    the windows from their rows in memory (Parquet's encoding and compression
    release the GIL: the other core's work); :meth:`wait` before committing.
    """

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
        self._references: dict[int, dict[str, ColumnProfile] | None] = {}
        self.changed: list[tuple[int, bool]] = []  # (window id, is_reference), for drift
        self.versions_with_new_reference: set[int] = set()  # their windows' tasks may move
        self.frames: dict[int, pd.DataFrame] = {}  # their rows, so drift need not re-read them
        self._lake = lake_windows(session, system_id)  # windows the Spark engine stored
        self._files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="window-files")
        self._writes: list[Future[None]] = []

    def wait(self, *, raise_error: bool = True) -> None:
        """Wait until every window file is written; raise the first write's error.

        ``raise_error=False`` after a failure: the files stop changing before
        the caller deletes them.
        """
        self._files.shutdown(wait=True)
        for write in self._writes:
            if raise_error:
                write.result()

    def add(self, window: WindowRows) -> int | None:
        """Merge and write ``window``; its id when it changed (its rows in :attr:`frames`)."""
        stored = self._stored(window.model_version, window.is_reference, window.start)
        old = self._read(stored) if stored else None
        if old is not None and not window.is_reference and adds_nothing(old, window.rows):
            return None
        # A reference replaces the stored one; a day's rows merge with the stored ones.
        rows = merge(None if window.is_reference else old, window.rows)
        digest = content_hash(rows)
        if stored is not None and stored.content_hash == digest:
            return None
        relative = relative_path(self.system_id, window, digest)
        target = self.data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".parquet.tmp")
        self.new_files += [temporary, target]  # deleted if the ingest fails, written or not
        self._writes.append(self._files.submit(_write_file, rows, temporary, target))
        window_id = self._save_window(window, stored, rows, relative.as_posix(), digest)
        if stored is not None and stored.path != relative.as_posix():
            if not is_lake_path(stored.path):  # a lake's files are never Tandem's to delete
                self.replaced.append(self.data_dir / stored.path)
        self._save_measures(window_id, window, rows)
        self.changed.append((window_id, window.is_reference))
        if window.is_reference:
            self.versions_with_new_reference.add(window.model_version)
        self.frames[window_id] = rows
        self.rows_written += new_or_changed(rows, old)
        self.windows += 1
        return window_id

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

    def _read(self, stored: _Stored) -> pd.DataFrame | None:
        if stored.id in self._lake:  # a lake window (a reference this file replaces)
            return read_lake_window(self._lake[stored.id])
        path = self.data_dir / stored.path
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
            "source_files": None,  # a file in the data dir (it may replace a lake window)
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

    def _reference(self, model_version: int) -> dict[str, ColumnProfile] | None:
        """The profile of the version's stored reference (read once per ingest)."""
        if model_version not in self._references:
            stored = self._stored(model_version, True, pd.Timestamp(0, tz="UTC"))
            rows = self._read(stored) if stored else None
            profile = None
            if stored is not None and rows is not None:
                profile = profile_reference(rows, stored.feature_columns)
            self._references[model_version] = profile
        return self._references[model_version]

    def _save_measures(self, window_id: int, window: WindowRows, rows: pd.DataFrame) -> None:
        """Replace the window's quality checks (against its version's reference profile)."""
        features = feature_columns(rows)
        reference: dict[str, ColumnProfile] | None
        if window.is_reference:
            reference = profile_reference(rows, features)
            self._references[window.model_version] = reference
        else:
            reference = self._reference(window.model_version)
        quality = window_checks(rows, features, reference)
        replace_window_checks(self.session, window_id, quality)


def _write_file(rows: pd.DataFrame, temporary: Path, target: Path) -> None:
    files.write_parquet(rows, temporary)
    os.replace(temporary, target)
