"""Fairness and business value of windows, recomputed when their version's facts move.

Both depend on the version's ``models`` row (its task, its ``sensitive``
list, its value matrix) and business value on its reference too (CBPE's
calibration), and either can arrive after the windows. So, as
:mod:`app.production.performance_refresh` does for performance, they are
computed for:

* every window an ingest wrote (:func:`app.production.pipeline.ingest_production`);
* every production window of a version whose reference the ingest wrote
  (business value only: its fairness does not depend on the reference);
* every window of a version whose ``models`` row was ingested
  (:func:`app.ingest.importers`, through :func:`refresh_model_rows`).

Each runs in the caller's session, so the results commit (or roll back) with
the ingest that made them necessary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.production.business_value import ValueMatrix, replace_value, version_matrix, window_value
from app.production.estimation import Calibrator, fit_calibrator
from app.production.fairness import fairness_results, named_columns, replace_fairness
from app.production.lake_files import window_reader
from app.production.tasks import BINARY, version_task, window_task
from app.store.models import ModelVersion, ProductionWindow
from app.store.rows import table_of


@dataclass(frozen=True)
class _Facts:
    declared: str | None
    sensitive: tuple[str, ...]
    matrix: ValueMatrix | None
    calibrator: Calibrator | None
    reference_task: str | None  # the version's task kind, None when only its windows can say


def _models_row(session: Session, system_id: int, version: int) -> tuple[str | None, str | None]:
    table = table_of(ModelVersion)
    query = select(table.c.task, table.c.sensitive).where(
        table.c.system_id == system_id, table.c.version == version
    )
    found = session.execute(query.order_by(table.c.id).limit(1)).first()
    return (found[0], found[1]) if found is not None else (None, None)


def refresh_version_results(
    session: Session,
    system_id: int,
    data_dir: Path,
    *,
    windows: Iterable[int] = (),
    versions: Iterable[int] = (),
    value_versions: Iterable[int] = (),
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> int:
    """Recompute fairness and value of ``windows`` and of every window of ``versions``;
    only the value of every window of ``value_versions``. Returns the windows touched.

    ``frames`` may hold rows already in memory by window id (others are read
    from their Parquet file).
    """
    table = table_of(ProductionWindow)
    stored = session.execute(
        select(table.c.id, table.c.model_version, table.c.is_reference, table.c.path)
        .where(table.c.system_id == system_id)
        .order_by(table.c.window_start, table.c.id)
    ).all()
    both_ids, both_versions, value_only = set(windows), set(versions), set(value_versions)
    todo = [
        w
        for w in stored
        if w.id in both_ids or w.model_version in both_versions or w.model_version in value_only
    ]
    frames = frames or {}
    references = {w.model_version: w for w in stored if w.is_reference}

    rows_of = window_reader(session, system_id, data_dir, frames)  # lake windows too

    known: dict[int, _Facts] = {}

    def facts_of(version: int) -> _Facts:
        if version not in known:
            declared, listed = _models_row(session, system_id, version)
            matrix = version_matrix(session, system_id, version)
            ref = references.get(version)
            calibrator, kind = None, None
            if matrix is not None:  # the reference is read only to price the windows
                reference = rows_of(ref.id, ref.path) if ref is not None else None
                task = version_task(declared, reference)
                kind = task.kind if task is not None else None
                if reference is not None and kind == BINARY:
                    calibrator = fit_calibrator(
                        reference["label"].to_numpy(dtype=float, na_value=float("nan")),
                        reference["prediction"].to_numpy(dtype=float, na_value=float("nan")),
                    )
            known[version] = _Facts(declared, named_columns(listed), matrix, calibrator, kind)
        return known[version]

    for window in todo:
        facts = facts_of(window.model_version)
        fairness_too = window.id in both_ids or window.model_version in both_versions
        if not fairness_too and facts.matrix is None:
            continue  # a new reference: no value to re-estimate
        rows = rows_of(window.id, window.path)
        if fairness_too:
            results = fairness_results(rows, facts.declared, named=facts.sensitive)
            replace_fairness(session, window.id, results)
        value = None
        if facts.matrix is not None:
            kind = facts.reference_task
            if kind is None:
                task = window_task(None, facts.declared, rows)
                kind = task.kind if task is not None else None
            if kind == BINARY:
                calibrator = None if window.is_reference else facts.calibrator
                value = window_value(rows, facts.matrix, calibrator)
        replace_value(session, window.id, value)
    return len(todo)


def refresh_model_rows(
    session: Session, data_dir: Path, versions: Iterable[tuple[int, int]]
) -> int:
    """Recompute every window of each ``(system_id, model_version)``: a models row changed."""
    by_system: dict[int, set[int]] = {}
    for system_id, version in versions:
        by_system.setdefault(system_id, set()).add(version)
    return sum(
        refresh_version_results(session, system_id, data_dir, versions=wanted)
        for system_id, wanted in sorted(by_system.items())
    )
