"""Drift of production windows against reference data, computed at ingest and stored.

Which reference a window is tested against (``resolve_reference``): the
reference window of the same system and the same model version; when that
version has no reference, the reference of the newest *older* version of the
system (a model deployed without its training data logged is compared with
the data its predecessor was trained on). A window older than every reference
has none and gets no drift results.

Each window keeps results against exactly one reference, its resolved one, so
``monitor.*`` signals never mix references. Scores are stored with the
threshold in force at computation time (Evidently's default per method
unless given); pages re-decide from the stored score with
:func:`apply_family_thresholds`, so moving a threshold never recomputes a
statistic.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from app.drift.columns import DriftInputError, infer_kind
from app.drift.engine import compute_drift
from app.drift.methods import METHODS, Family
from app.drift.quality import (
    QualityProfile,
    reference_quality_profile,
    window_quality_checks,
)
from app.store.db import session_scope
from app.store.models import DriftResult, ProductionWindow, QualityResult, System
from app.store.rows import table_of
from app.store.upsert import upsert

logger = logging.getLogger(__name__)

PREDICTION = "prediction"
WORKERS = min(4, os.cpu_count() or 1)
DRIFT_KEY = ("window_id", "reference_window_id", "column")
MATRIX_COLUMNS = [
    "window_id",
    "window_start",
    "model_version",
    "reference_window_id",
    "column",
    "kind",
    "method",
    "family",
    "score",
    "threshold",
    "drifted",
]


@dataclass(frozen=True)
class WindowRef:
    """A production or reference window's metadata, as drift needs it."""

    id: int
    model_version: int
    is_reference: bool
    path: str
    feature_columns: tuple[str, ...]


def _windows(session: Session, system_id: int) -> list[WindowRef]:
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


def resolve_reference(references: Iterable[WindowRef], model_version: int) -> WindowRef | None:
    """The version's own reference, else the newest reference of an older version."""
    own = None
    older = None
    for ref in references:
        if ref.model_version == model_version:
            own = ref
        elif ref.model_version < model_version and (
            older is None or ref.model_version > older.model_version
        ):
            older = ref
    return own or older


def refresh_window_results(
    session: Session,
    system_id: int,
    changed: Iterable[tuple[int, bool]],
    data_dir: Path,
    thresholds: Mapping[Family, float] | None = None,
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> int:
    """Recompute drift (and the reference-based quality checks) of the windows ``changed`` touches.

    ``changed`` holds ``(window_id, is_reference)`` of the windows an ingest
    wrote. Recomputed: every changed production window, and every production
    window whose resolved reference is a changed reference (a reference
    ingested after its windows). ``frames`` may hold rows already in memory
    by window id (others are read from their Parquet file). Runs inside the
    caller's session, so the results commit (or roll back) with the ingest.
    Returns the number of windows recomputed.
    """
    changed = list(changed)
    if not changed:
        return 0
    frames = frames or {}
    windows = _windows(session, system_id)
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

    def rows_of(window: WindowRef) -> pd.DataFrame:
        frame = frames.get(window.id)
        return frame if frame is not None else pd.read_parquet(data_dir / window.path)

    drift_rows: list[dict[str, Any]] = []
    quality_rows: list[dict[str, Any]] = []
    targets: list[int] = []
    for ref_id, windows_of_ref in plan.items():
        reference = rows_of(by_id[ref_id])
        ref_features = by_id[ref_id].feature_columns
        kinds = {c: infer_kind(reference[c]) for c in (*ref_features, PREDICTION)}
        profile = reference_quality_profile(reference, ref_features)

        measure = partial(
            _measure_window,
            reference_id=ref_id,
            reference=reference,
            kinds=kinds,
            profile=profile,
            thresholds=thresholds,
            rows_of=rows_of,
        )
        # Windows are independent and the work is mostly NumPy sorting and
        # Parquet reading, which release the GIL: one thread per core.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for window, (drift, quality) in zip(
                windows_of_ref, pool.map(measure, windows_of_ref), strict=True
            ):
                drift_rows += drift
                quality_rows += quality
                targets.append(window.id)
    drift = table_of(DriftResult)
    for start in range(0, len(targets), 500):
        # One reference per window: earlier results (another reference, or
        # columns since gone) are replaced as a whole.
        chunk = targets[start : start + 500]
        session.execute(delete(drift).where(drift.c.window_id.in_(chunk)))
    upsert(session, drift, drift_rows, key=DRIFT_KEY)
    quality = table_of(QualityResult)
    upsert(session, quality, quality_rows, key=("window_id", "column", "check"))
    return len(targets)


def _measure_window(
    window: WindowRef,
    *,
    reference_id: int,
    reference: pd.DataFrame,
    kinds: Mapping[str, str],
    profile: QualityProfile,
    thresholds: Mapping[Family, float] | None,
    rows_of: Callable[[WindowRef], pd.DataFrame],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One window's DriftResult and reference-based QualityResult rows."""
    current = rows_of(window)
    drift = _window_drift(window, reference_id, reference, current, kinds, thresholds)
    checks = window_quality_checks(current, list(window.feature_columns), profile)
    quality = [
        {"window_id": window.id, "column": column, "check": check, "value": float(value)}
        for column, check, value in checks
    ]
    return drift, quality


def _window_drift(
    window: WindowRef,
    reference_id: int,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, str],
    thresholds: Mapping[Family, float] | None,
) -> list[dict[str, Any]]:
    """DriftResult rows of one window: features the reference has, and the prediction."""
    columns = [
        c
        for c in (*window.feature_columns, PREDICTION)
        if kinds.get(c) in ("numerical", "categorical")
        and c in current.columns
        and _has_values(reference[c])
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
        rows.append(
            {
                "window_id": window.id,
                "reference_window_id": reference_id,
                "column": col.column,
                "kind": col.kind,
                "method": col.method,
                "score": float(col.score),
                "threshold": float(col.threshold),
                "drifted": bool(col.drifted),
            }
        )
    return rows


def _has_values(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return bool(np.isfinite(values).any())
    return bool(series.notna().any())


def drift_matrix(
    engine: Engine,
    system: str,
    model_version: int | None = None,
    reference_window_id: int | None = None,
) -> pd.DataFrame:
    """Stored drift of ``system``'s production windows, one row per (window, column).

    Columns: ``MATRIX_COLUMNS`` (``family`` is ``p_value`` or ``distance``;
    ``threshold``/``drifted`` as stored). Sorted by window start, then column.
    ``model_version`` keeps the windows of that version; ``reference_window_id``
    the results against that reference. Empty (same columns) when none.
    """
    current = ProductionWindow.__table__.alias("current")
    query = (
        select(
            DriftResult.window_id,
            current.c.window_start,
            current.c.model_version,
            DriftResult.reference_window_id,
            DriftResult.column,
            DriftResult.kind,
            DriftResult.method,
            DriftResult.score,
            DriftResult.threshold,
            DriftResult.drifted,
        )
        .join(current, DriftResult.window_id == current.c.id)
        .join(System, System.id == current.c.system_id)
        .where(System.name == system, current.c.is_reference.is_(False))
    )
    if model_version is not None:
        query = query.where(current.c.model_version == model_version)
    if reference_window_id is not None:
        query = query.where(DriftResult.reference_window_id == reference_window_id)
    with session_scope(engine) as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=[c for c in MATRIX_COLUMNS if c != "family"])
    frame["family"] = frame["method"].map(lambda m: METHODS[m].family).astype(object)
    frame["drifted"] = frame["drifted"].astype(bool)
    if len(frame):
        frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    return frame[MATRIX_COLUMNS].sort_values(["window_start", "column"], ignore_index=True)


def apply_family_thresholds(
    frame: pd.DataFrame, thresholds: Mapping[str, float | None]
) -> pd.DataFrame:
    """``frame`` (with method/score/threshold) re-decided with one threshold per method family.

    A family missing from ``thresholds`` (or mapped to None) keeps each row's
    stored threshold. Adds ``relative``: threshold / p for p-value tests and
    score / threshold for distances, so > 1 means drifted on both scales
    (``ks`` drifts at exactly 1 too). Vectorised: this is what a threshold
    slider reruns, and no statistic is recomputed.
    """
    out = frame.copy()
    if out.empty:
        out["relative"] = pd.Series(dtype=float)
        return out
    family = out["method"].map(lambda m: METHODS[m].family)
    for name, value in thresholds.items():
        if value is not None:
            out.loc[family == name, "threshold"] = float(value)
    score = out["score"].to_numpy(dtype=float)
    threshold = out["threshold"].to_numpy(dtype=float)
    inclusive = out["method"].map(lambda m: METHODS[m].inclusive).to_numpy(dtype=bool)
    p_value = (family == "p_value").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        drifted = np.where(
            p_value,
            np.where(inclusive, score <= threshold, score < threshold),
            score >= threshold,
        )
        relative = np.where(p_value, threshold / score, score / threshold)
    out["drifted"] = drifted & ~np.isnan(score)
    out["relative"] = relative
    return out
