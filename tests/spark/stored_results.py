"""The stored results of every production window, keyed so two databases can be compared.

Summaries (the counts pages draw) are compared too, their floats like the others.

Windows are named by (system, model version, reference or not, start), never
by id (ids differ between two databases); floats compare to 1e-9 relative.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, select

from app.store.db import session_scope
from app.store.models import (
    BusinessValue,
    DriftResult,
    FairnessResult,
    FeatureImportance,
    MultivariateDriftResult,
    PerformanceResult,
    ProductionWindow,
    QualityResult,
    System,
    WindowSummary,
)

Results = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]


def stored_results(engine: Engine) -> Results:
    """Windows, drift, quality and performance rows (estimates and segments among them),
    the multivariate pass's rows (its drift measures, the references' importances),
    fairness and business value."""
    with session_scope(engine) as session:
        windows = {
            r.id: (r.name, r.model_version, bool(r.is_reference), r.window_start.isoformat())
            for r in session.execute(
                select(
                    ProductionWindow.id,
                    System.name,
                    ProductionWindow.model_version,
                    ProductionWindow.is_reference,
                    ProductionWindow.window_start,
                ).join(System, System.id == ProductionWindow.system_id)
            )
        }
        meta = {
            windows[r.id]: (
                r.window_end.isoformat(),
                r.newest_row_at.isoformat(),
                r.rows,
                r.labelled_rows,
                tuple(r.feature_columns),
                tuple(r.segment_columns),
            )
            for r in session.scalars(select(ProductionWindow))
        }
        drift = {
            (windows[r.window_id], windows[r.reference_window_id], r.column): (
                r.kind,
                r.method,
                r.score,
                r.threshold,
                bool(r.drifted),
            )
            for r in session.scalars(select(DriftResult))
        }
        quality = {
            (windows[r.window_id], r.column, r.check): (r.value,)
            for r in session.scalars(select(QualityResult))
        }
        performance = {
            (windows[r.window_id], r.metric, r.segment, bool(r.estimated)): (
                r.value,
                r.rows,
                r.lower,
                r.upper,
            )
            for r in session.scalars(select(PerformanceResult))
        }
        summaries = {
            (windows[r.window_id], r.kind, r.column): (r.payload,)
            for r in session.scalars(select(WindowSummary))
        }
        multivariate = {
            (windows[r.window_id], windows[r.reference_window_id], r.method): (
                r.value,
                r.lower,
                r.upper,
                r.rows,
            )
            for r in session.scalars(select(MultivariateDriftResult))
        }
        importances = {
            (windows[r.reference_window_id], r.column): (r.importance, r.importance_std)
            for r in session.scalars(select(FeatureImportance))
        }
        fairness = {
            (windows[r.window_id], r.attribute, r.group_value, r.metric): (r.value, r.rows)
            for r in session.scalars(select(FairnessResult))
        }
        value = {
            (windows[r.window_id],): (
                r.realised,
                r.realised_rows,
                r.estimated,
                r.lower,
                r.upper,
                r.estimated_rows,
            )
            for r in session.scalars(select(BusinessValue))
        }
    return {
        "windows": meta,
        "drift": drift,
        "quality": quality,
        "performance": performance,
        "summaries": summaries,
        "multivariate": multivariate,
        "importances": importances,
        "fairness": fairness,
        "business_value": value,
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def differences(expected: Results, actual: Results) -> list[tuple[Any, ...]]:
    """Every key missing on one side, and every value that differs (floats to 1e-9)."""
    found: list[tuple[Any, ...]] = []
    for table in expected:
        left, right = expected[table], actual[table]
        found += [(table, "only local", key) for key in sorted(left.keys() - right.keys(), key=str)]
        found += [(table, "only spark", key) for key in sorted(right.keys() - left.keys(), key=str)]
        for key in sorted(left.keys() & right.keys(), key=str):
            a, b = left[key], right[key]
            if len(a) != len(b) or not all(_same(x, y) for x, y in zip(a, b, strict=True)):
                found.append((table, key, a, b))
    return found
