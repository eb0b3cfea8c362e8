"""Drift of production windows against their reference, computed at ingest and stored.

Each window is tested against exactly one reference, its resolved one
(:func:`app.production.reference.resolve_reference`), so ``monitor.*``
signals never mix references; the same pass stores the window's
reference-based quality checks (:func:`app.production.quality.reference_checks`)
and the summaries the pages draw instead of its rows
(:mod:`app.production.summaries`: column counts on the reference's bins, the
confusion and residual counts).
The statistics are :func:`app.drift.compute_drift`'s (Evidently 0.7's
``DataDriftPreset``). Scores are stored with the threshold in force at
computation time (Evidently's default per method unless given); pages
re-decide from the stored score with :func:`app.drift.apply_family_thresholds`,
so moving a threshold never recomputes a statistic.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.drift import METHODS, DriftInputError, compute_drift, infer_kind
from app.drift.engine import TESTED_KINDS
from app.drift.methods import Family
from app.drift.report import ColumnDrift
from app.production.lake_files import window_reader
from app.production.quality import Check, reference_checks, save_reference_checks
from app.production.reference import ColumnProfile, WindowRef, profile_reference, resolve_reference
from app.production.summaries import (
    COLUMN_KINDS,
    CONFUSION,
    RESIDUALS,
    Basis,
    basis_of,
    column_summaries,
    performance_summaries,
)
from app.production.summary_store import Summaries, replace_summaries
from app.production.windows import PREDICTION
from app.store.models import DriftResult, ProductionWindow
from app.store.rows import table_of
from app.store.upsert import upsert

logger = logging.getLogger(__name__)

WORKERS = min(4, os.cpu_count() or 1)
DRIFT_KEY = ("window_id", "reference_window_id", "column")


def window_refs(session: Session, system_id: int) -> list[WindowRef]:
    """The system's windows (references too), oldest first: what a refresh pass plans over."""
    rows = session.execute(
        select(
            ProductionWindow.id,
            ProductionWindow.model_version,
            ProductionWindow.is_reference,
            ProductionWindow.path,
            ProductionWindow.feature_columns,
        )
        .where(ProductionWindow.system_id == system_id)
        .order_by(ProductionWindow.window_start, ProductionWindow.id)
    ).all()
    return [
        WindowRef(r.id, r.model_version, bool(r.is_reference), r.path, tuple(r[4])) for r in rows
    ]


def refresh_window_results(
    session: Session,
    system_id: int,
    changed: Iterable[tuple[int, bool]],
    data_dir: Path,
    thresholds: Mapping[Family, float] | None = None,
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> int:
    """Recompute drift (and the reference-based quality checks and column summaries) of the
    windows ``changed`` touches, and the confusion and residual summaries of those it names.

    ``changed`` holds ``(window_id, is_reference)`` of the windows an ingest
    wrote. Recomputed: every changed production window, and every production
    window whose resolved reference is a changed reference (a reference
    ingested after its windows). ``frames`` may hold rows already in memory
    by window id (others are read from their Parquet file). Runs inside the
    caller's session, so the results commit (or roll back) with the ingest.
    Returns the number of windows recomputed.
    """
    return start_window_results(session, system_id, changed, data_dir, thresholds, frames).save(
        session
    )


@dataclass
class PendingWindowResults:
    """:func:`refresh_window_results` under way in a thread pool; :meth:`save` waits and writes.

    The ingest measures performance in its own thread meanwhile (the pool's
    sorting and Parquet reading release the GIL).
    """

    windows: list[WindowRef] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)
    measured: list[tuple[WindowRef, Future[_Measured]]] = field(default_factory=list)
    summaries: dict[int, Summaries] = field(default_factory=dict)
    rows_of: Callable[[WindowRef], pd.DataFrame] | None = None
    pool: ThreadPoolExecutor | None = None

    def cancel(self) -> None:
        """Stop: windows not started are dropped, the pool's threads end."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def save(self, session: Session) -> int:
        """Wait for every window's results and store them; how many windows."""
        drift_rows: list[dict[str, Any]] = []
        checks: dict[int, list[Check]] = {}
        summaries = dict(self.summaries)
        try:
            for window, future in self.measured:
                drift, quality, columns = future.result()
                drift_rows += drift
                checks[window.id] = quality
                summaries[window.id] = columns
        finally:
            self.cancel()
        if self.rows_of is None:
            return 0
        results = table_of(DriftResult)
        targets = list(checks)
        for start in range(0, len(targets), 500):
            # One reference per window: earlier results (another reference, or
            # columns since gone) are replaced as a whole.
            chunk = targets[start : start + 500]
            session.execute(delete(results).where(results.c.window_id.in_(chunk)))
        upsert(session, results, drift_rows, key=DRIFT_KEY)
        save_reference_checks(session, checks)
        replace_summaries(session, COLUMN_KINDS, summaries)
        written = {w.id: w for w in self.windows if w.id in self.changed}
        rows_of = self.rows_of
        replace_summaries(
            session,
            (CONFUSION, RESIDUALS),
            {wid: performance_summaries(rows_of(w)) for wid, w in written.items()},
        )
        return len(targets)


def start_window_results(
    session: Session,
    system_id: int,
    changed: Iterable[tuple[int, bool]],
    data_dir: Path,
    thresholds: Mapping[Family, float] | None = None,
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> PendingWindowResults:
    """:func:`refresh_window_results`'s measures handed to a thread pool; the caller does
    other work, then calls :meth:`PendingWindowResults.save` in the same session."""
    changed = list(changed)
    pending = PendingWindowResults()
    if not changed:
        return pending
    frames = frames or {}
    windows = window_refs(session, system_id)
    references = [w for w in windows if w.is_reference]
    changed_windows = {wid for wid, is_ref in changed if not is_ref}
    changed_refs = {wid for wid, is_ref in changed if is_ref}
    plan: dict[int, list[WindowRef]] = {}  # reference id -> windows to test against it
    by_id = {r.id: r for r in references}
    for window in windows:
        if window.is_reference:
            continue
        ref = resolve_reference(references, window.model_version)
        if ref is None:
            continue
        if window.id in changed_windows or ref.id in changed_refs:
            plan.setdefault(ref.id, []).append(window)

    read = window_reader(session, system_id, data_dir, frames)

    def rows_of(window: WindowRef) -> pd.DataFrame:
        return read(window.id, window.path)

    pending.windows, pending.rows_of = windows, rows_of
    pending.changed = {wid for wid, _ in changed}
    # Windows are independent and the work is mostly NumPy sorting and
    # Parquet reading, which release the GIL: one thread per core.
    pending.pool = ThreadPoolExecutor(max_workers=WORKERS)
    for ref_id, windows_of_ref in plan.items():
        reference = rows_of(by_id[ref_id])
        ref_features = by_id[ref_id].feature_columns
        kinds = {c: infer_kind(reference[c]) for c in (*ref_features, PREDICTION)}
        basis = basis_of(reference, kinds)
        pending.summaries[ref_id] = column_summaries(reference, basis)
        measure = partial(
            _measure_window,
            reference_id=ref_id,
            reference=reference,
            kinds={c: k for c, k in kinds.items() if _has_values(reference[c])},  # once a ref
            profile=profile_reference(reference, ref_features),
            thresholds=thresholds,
            rows_of=rows_of,
            basis=basis,
        )
        pending.measured += [(w, pending.pool.submit(measure, w)) for w in windows_of_ref]
    return pending


_Measured = tuple[list[dict[str, Any]], list[Check], Summaries]


def _measure_window(
    window: WindowRef,
    *,
    reference_id: int,
    reference: pd.DataFrame,
    kinds: Mapping[str, str],
    profile: Mapping[str, ColumnProfile],
    thresholds: Mapping[Family, float] | None,
    rows_of: Callable[[WindowRef], pd.DataFrame],
    basis: Basis,
) -> _Measured:
    """One window's DriftResult rows, reference-based quality checks and column summaries."""
    current = rows_of(window)
    drift = _window_drift(window, reference_id, reference, current, kinds, thresholds)
    checks = reference_checks(current, list(window.feature_columns), profile)
    return drift, checks, column_summaries(current, basis)


def _window_drift(
    window: WindowRef,
    reference_id: int,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, str],
    thresholds: Mapping[Family, float] | None,
) -> list[dict[str, Any]]:
    """DriftResult rows of one window: features the reference has values of, and the prediction.

    ``kinds`` holds the reference's columns that have a value.
    """
    columns = [
        c
        for c in (*window.feature_columns, PREDICTION)
        if kinds.get(c) in TESTED_KINDS  # free text too, as Evidently's preset
        and c in current.columns
        and _has_values(current[c])
    ]
    if not columns:
        return []
    try:
        report = compute_drift(
            reference, current, columns=columns, column_kinds={c: kinds[c] for c in columns}
        )
    except DriftInputError as error:
        logger.warning("drift of window %s not computed: %s", window.id, error)
        return []
    rows: list[dict[str, Any]] = []
    for col in report.columns:
        if math.isnan(col.score):
            continue  # SQLite cannot store NaN; a column without a score has no verdict
        family = METHODS[col.method].family
        if thresholds is not None and family in thresholds:
            col = col.with_threshold(float(thresholds[family]))
        rows.append({"window_id": window.id, "reference_window_id": reference_id, **stored(col)})
    return rows


def stored(col: ColumnDrift) -> dict[str, Any]:
    """A column's drift as its ``drift_results`` row holds it (less the windows): one shape
    for the local and the Spark engine."""
    return {
        "column": col.column,
        "kind": col.kind,
        "method": col.method,
        "score": float(col.score),
        "threshold": float(col.threshold),
        "drifted": bool(col.drifted),
    }


def _has_values(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return bool(np.isfinite(values).any())
    return bool(series.notna().any())
