"""Performance results of a system's windows, recomputed whenever their version's task may move.

A window is scored with its version's task (:mod:`app.production.tasks`),
which depends on the version's reference and ``models`` row; either can arrive
after the windows. So performance is computed here, after an ingest's windows
are written, for:

* every window the ingest wrote (production or reference);
* every production window of a version whose reference the ingest wrote
  (:func:`app.production.pipeline.ingest_production`);
* every window of a version whose ``models`` row was ingested
  (:func:`app.ingest.importers`, through :func:`refresh_versions`).

Each runs in the caller's session, under the system's write lock, so the
results commit (or roll back) with the ingest that made them necessary.
Estimates (CBPE) are for production windows only: a reference calibrates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.production.dle import Nanny, nanny_of, with_dle
from app.production.lake_files import window_reader
from app.production.performance import Estimator, estimator_of, replace_performance, window_results
from app.production.tasks import REGRESSION, Task, version_task, window_task
from app.store.models import ModelVersion, ProductionWindow
from app.store.rows import table_of


@dataclass(frozen=True)
class _Version:
    declared: str | None  # the models row's task
    task: Task | None  # from rules 1-3, None when only the windows can say
    estimator: Estimator | None
    nanny: Nanny | None = None  # DLE's, for a regression version with a labelled reference


def _declared_task(session: Session, system_id: int, version: int) -> str | None:
    table = table_of(ModelVersion)
    query = select(table.c.task).where(
        table.c.system_id == system_id, table.c.version == version, table.c.task.is_not(None)
    )
    return session.execute(query.order_by(table.c.id).limit(1)).scalar()


def refresh_performance(
    session: Session,
    system_id: int,
    data_dir: Path,
    *,
    windows: Iterable[int] = (),
    versions: Iterable[int] = (),
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> int:
    """Recompute the results of ``windows`` (ids) and of every window of ``versions``.

    ``frames`` may hold rows already in memory by window id (others are read
    from their Parquet file). Returns the number of windows recomputed.
    """
    table = table_of(ProductionWindow)
    stored = session.execute(
        select(table.c.id, table.c.model_version, table.c.is_reference, table.c.path)
        .where(table.c.system_id == system_id)
        .order_by(table.c.window_start, table.c.id)
    ).all()
    wanted_ids, wanted_versions = set(windows), set(versions)
    todo = [w for w in stored if w.id in wanted_ids or w.model_version in wanted_versions]
    if not todo:
        return 0
    frames = frames or {}
    references = {w.model_version: w for w in stored if w.is_reference}

    rows_of = window_reader(session, system_id, data_dir, frames)  # lake windows too

    known: dict[int, _Version] = {}

    def version_of(version: int) -> _Version:
        if version not in known:
            declared = _declared_task(session, system_id, version)
            ref = references.get(version)
            rows = rows_of(ref.id, ref.path) if ref is not None else None
            task = version_task(declared, rows)
            estimator = estimator_of(rows, task) if rows is not None else None
            regression = rows is not None and task is not None and task.kind == REGRESSION
            nanny = nanny_of(rows) if regression and rows is not None else None
            known[version] = _Version(declared, task, estimator, nanny)
        return known[version]

    for window in todo:
        version = version_of(window.model_version)
        rows = rows_of(window.id, window.path)
        task = window_task(version.task, version.declared, rows)
        estimator = None if window.is_reference else version.estimator
        results = window_results(rows, task, estimator)
        if not window.is_reference:  # a reference fits the nannies, it is not estimated
            results = with_dle(results, rows, version.nanny)
        replace_performance(session, window.id, results)
    return len(todo)


def refresh_versions(session: Session, data_dir: Path, versions: Iterable[tuple[int, int]]) -> int:
    """Recompute every window of each ``(system_id, model_version)``: a models row changed."""
    by_system: dict[int, set[int]] = {}
    for system_id, version in versions:
        by_system.setdefault(system_id, set()).add(version)
    return sum(
        refresh_performance(session, system_id, data_dir, versions=wanted)
        for system_id, wanted in sorted(by_system.items())
    )
