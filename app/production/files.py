"""Window files: writing them, deleting what an ingest replaced, and sweeping orphans.

Window files live under ``production/system_id=<id>/`` (paths:
:func:`app.production.windows.relative_path`). A production ingest writes
each window's new Parquet file before its transaction commits and deletes
the files it replaced after. A process killed in between (``kill -9``, a
power cut) leaves files that no ``production_windows`` row points at:
orphans, which only take space.

A file that a running ingest has written but not yet committed looks just
like an orphan, so removal must not race one. In a system's folder
(``production/system_id=<id>/``) files are removed only while holding that
system's write lock (:func:`app.store.db.lock_systems`), which every ingest of
the system holds from before it writes a file until after it commits. The
older layout's folders (named after the system) get no new files from this
version of Tandem; there a file is removed only once it is older than
``GRACE``, in case an older version is still writing beside this one.

An ingest deletes the files it replaced *after* its commit, so after the
lock: a sweep that runs meanwhile lists those files as orphans, and each may
vanish before the sweep measures or removes it. Such a file is already gone,
which is what the sweep wants; it is skipped, not an error.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.production.windows import system_folder
from app.store.db import lock_systems, session_scope
from app.store.models import ProductionWindow
from app.store.rows import table_of

logger = logging.getLogger(__name__)

PRODUCTION = "production"
GRACE = timedelta(hours=1)
_SYSTEM_FOLDER = re.compile(r"system_id=(\d+)")
_PATTERNS = ("*.parquet", "*.parquet.tmp")


@dataclass(frozen=True)
class Orphan:
    """A file under ``production/`` that no window points at."""

    path: str  # relative to the data dir, with forward slashes
    size: int
    modified: float  # st_mtime, seconds since the epoch


def sweep_system(
    session: Session, data_dir: Path, system_id: int, *, dry_run: bool = False
) -> list[Orphan]:
    """The orphans in ``system_id``'s folder, removed unless ``dry_run``.

    The caller holds the system's write lock (``ensure_systems`` or
    ``lock_systems`` in the same session), so no ingest is half-way.
    """
    folder = system_folder(system_id).as_posix()
    files = _files(data_dir, data_dir / folder)
    if not files:
        return []
    table = table_of(ProductionWindow)
    query = select(table.c.path).where(table.c.path.startswith(folder + "/", autoescape=True))
    referenced = set(session.execute(query).scalars())
    orphans = _orphans(data_dir, sorted(files - referenced))
    if not dry_run:
        _remove(data_dir, orphans)
        _prune_empty_folders(data_dir / folder)
    return orphans


def collect_garbage(engine: Engine, data_dir: Path, *, dry_run: bool = False) -> list[Orphan]:
    """Every orphan under ``<data dir>/production/``, removed unless ``dry_run``."""
    root = data_dir / PRODUCTION
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir()]
    ids = sorted(int(m[1]) for p in folders if (m := _SYSTEM_FOLDER.fullmatch(p.name)))
    orphans: list[Orphan] = []
    with session_scope(engine) as session:
        lock_systems(session, ids)  # held until the end: no ingest of these is half-way
        for system_id in ids:
            orphans += sweep_system(session, data_dir, system_id, dry_run=dry_run)
        legacy = [p for p in folders if not _SYSTEM_FOLDER.fullmatch(p.name)]
        orphans += _sweep_legacy(session, data_dir, legacy, dry_run=dry_run)
    return orphans


def _sweep_legacy(
    session: Session, data_dir: Path, folders: Iterable[Path], *, dry_run: bool
) -> list[Orphan]:
    """Orphans in the older layout's folders, once older than ``GRACE``."""
    files: set[str] = set()
    for folder in folders:
        files |= _files(data_dir, folder)
    if not files:
        return []
    table = table_of(ProductionWindow)
    referenced = set(session.execute(select(table.c.path)).scalars())
    cutoff = time.time() - GRACE.total_seconds()
    orphans = [o for o in _orphans(data_dir, sorted(files - referenced)) if o.modified < cutoff]
    if not dry_run:
        _remove(data_dir, orphans)
    return orphans


def _prune_empty_folders(folder: Path) -> None:
    """Remove the empty folders below ``folder`` (a version folder that held only orphans).

    Safe only under the system's write lock: an ingest creates its folder and
    writes its file while holding it, so no folder emptied here is about to be used.
    """
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _files(data_dir: Path, folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {
        path.relative_to(data_dir).as_posix()
        for pattern in _PATTERNS
        for path in folder.rglob(pattern)
        if path.is_file()
    }


def _orphans(data_dir: Path, relative: Iterable[str]) -> list[Orphan]:
    """The files of ``relative`` that are still there, measured.

    One may have been deleted since it was listed, by the ingest that replaced
    it (after its commit): it is gone already, so it is no orphan to report.
    """
    orphans = []
    for path in relative:
        try:
            stat = (data_dir / path).stat()
        except FileNotFoundError:
            continue
        orphans.append(Orphan(path, stat.st_size, stat.st_mtime))
    return orphans


def _remove(data_dir: Path, orphans: Iterable[Orphan]) -> None:
    removed = 0
    for orphan in orphans:
        (data_dir / orphan.path).unlink(missing_ok=True)
        removed += 1
    if removed:
        logger.warning("removed %d window file(s) no window points at", removed)


def write_parquet(rows: pd.DataFrame, path: Path) -> None:
    """Dictionary-encode the text columns only: on floats it costs 4× the write time."""
    text = [c for c in rows.columns if rows[c].dtype == object]
    table = pa.Table.from_pandas(rows, preserve_index=False)
    pq.write_table(table, path, use_dictionary=text)


def delete_files(paths: Iterable[Path]) -> None:
    """Delete what an ingest wrote (it failed) or replaced (it committed)."""
    for path in paths:
        path.unlink(missing_ok=True)


def unreferenced(session: Session, data_dir: Path, paths: list[Path]) -> list[Path]:
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
