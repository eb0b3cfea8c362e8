"""Production data: validated rows to Parquet windows, metadata and measures to the database.

:func:`ingest_production` is the pipeline's entry point; :mod:`app.ingest`
reads and validates a file and hands its rows here.

Order of work, so that a failure loses nothing and leaves nothing
half-written: validate (already done) → take the system's write lock (held to the
commit, so a concurrent ingest into the system waits instead of merging with a
stale copy) → remove files an interrupted ingest left → the caller's ``check``
(ingest refuses prediction ids stored in another window) → read the windows
the file touches → write each changed window as a *new* Parquet file (a thread
writes them while the measures below are computed from the rows in memory; all
are in place before the commit) → write the database in one transaction
(windows, their quality, performance — of the windows written and, when a
reference came, of its version's other windows — drift, fairness, value and
multivariate drift, whose classifier fits run in a worker process meanwhile;
the caller's ``record``) → commit → delete the files the new ones replaced. On
failure the new files are deleted and the old ones are still what the database
points at; a process killed before its commit leaves files that the next
ingest into the system (or ``tandem gc``) removes.

Quality results compare a window with its model version's reference window
as it is at ingest time (:mod:`app.production.quality`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.config import load_settings
from app.production.domain_classifier import warm
from app.production.drift import start_window_results
from app.production.files import delete_files, sweep_system, unreferenced
from app.production.multivariate_pass import EarlyWindows, start_multivariate
from app.production.performance_refresh import refresh_performance
from app.production.version_results import refresh_version_results
from app.production.windows import production_rows, split
from app.production.writer import WindowWriter
from app.store.db import session_scope
from app.store.rows import PROGRESS_MIN_ROWS, ensure_systems


@dataclass(frozen=True)
class WindowsWritten:
    """What one file changed: rows new or changed, windows written, systems created."""

    rows_read: int
    rows_written: int
    windows: int
    created: tuple[str, ...]


def ingest_production(
    frame: pd.DataFrame,
    *,
    segments: Sequence[str],
    features: Sequence[str],
    system: str,
    reference: bool,
    engine: Engine,
    progress: bool = False,
    check: Callable[[Session, int], None] | None = None,
    record: Callable[[Session, WindowsWritten], None] | None = None,
    sensitive: Sequence[str] = (),
    scores: Sequence[str] = (),
) -> WindowsWritten:
    """Store a validated production file's rows as windows of ``system``.

    ``frame`` holds the validated columns, ``segments``, ``features`` and
    ``sensitive`` name its ``segment.*``, feature and ``sensitive.*`` columns.
    ``check(session, system_id)`` runs under the system's write lock before
    anything is written (raising stops the ingest); ``record(session,
    written)`` runs in the same transaction just before it commits. Fairness
    (:mod:`app.production.fairness`) is measured on the windows written.
    ``scores`` name its ``score.<class>`` columns (a multiclass version's CBPE).
    """
    data_dir = load_settings().data_dir
    rows = production_rows(frame, segments, features, sensitive, scores)
    new_files: list[Path] = []
    replaced: list[Path] = []
    try:
        with session_scope(engine) as session:
            # The system's write lock, held to the commit: everything read from
            # here on (stored windows, their files) is what this ingest replaces.
            ids, created = ensure_systems(session, [system])
            system_id = ids[system]
            sweep_system(session, data_dir, system_id)  # left by an interrupted ingest
            if check is not None:
                check(session, system_id)
            if reference:
                warm()  # the multivariate pass's worker: starts while windows are written
            writer = WindowWriter(session, system_id, data_dir, new_files, replaced)
            # A file without a reference: each window's classifier fits go to the worker as
            # it is written, so they run while the next windows are split and written.
            early = None if reference else EarlyWindows(session, system_id, data_dir)
            try:
                groups = list(split(rows, reference=reference))
                show = progress and len(rows) >= PROGRESS_MIN_ROWS
                for window in tqdm(groups, desc="windows", unit="window", disable=not show):
                    window_id = writer.add(window)
                    if early is not None and window_id is not None:
                        early.add(window_id, window.model_version, writer.frames[window_id])
                _measure(session, system_id, data_dir, writer, early)
            except BaseException:
                writer.wait(raise_error=False)  # no file appears after they are deleted
                raise
            writer.wait()  # the window files (written meanwhile) are in place before the commit
            written = WindowsWritten(len(rows), writer.rows_written, writer.windows, created)
            if record is not None:
                record(session, written)
            replaced = unreferenced(session, data_dir, replaced)
    except BaseException:
        delete_files(new_files)
        raise
    delete_files(replaced)
    return written


def _measure(
    session: Session,
    system_id: int,
    data_dir: Path,
    writer: WindowWriter,
    early: EarlyWindows | None,
) -> None:
    """Every measure of the windows ``writer`` wrote, from their rows in memory."""
    frames = writer.frames  # the passes read these rows, not the files (written meanwhile)
    changed = [window_id for window_id, _ in writer.changed]
    # The domain classifier's fits go to a worker process, the per-column drift to a
    # thread pool: both run while performance, fairness and value are measured here.
    multivariate = start_multivariate(
        session, system_id, writer.changed, data_dir, frames=frames, early=early
    )
    drift = start_window_results(session, system_id, writer.changed, data_dir, frames=frames)
    try:
        refresh_performance(
            session,
            system_id,
            data_dir,
            windows=changed,
            versions=writer.versions_with_new_reference,
            frames=frames,
        )
        refresh_version_results(  # fairness and business value
            session,
            system_id,
            data_dir,
            windows=changed,
            value_versions=writer.versions_with_new_reference,
            frames=frames,
        )
    except BaseException:
        drift.cancel()  # the pool's threads end before the error propagates
        raise
    drift.save(session)  # waits for the pool
    multivariate.save(session)  # waits for the worker's fits
