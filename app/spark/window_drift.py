"""Drift of production windows against their reference, on Spark, all windows at once.

What :func:`app.production.drift._window_drift` does for one window (the
feature and prediction columns of a numerical or categorical kind that have
values on both sides, tested with the exact engine; a window whose drift
cannot be computed is logged and gets none) for every window of a frame, in
one set of Spark jobs (:func:`app.spark.drift.spark_drift_windows`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from app.drift import METHODS, DriftInputError, DriftReport
from app.production.drift import stored
from app.production.windows import PREDICTION
from app.spark import quality
from app.spark.drift import spark_drift_windows

logger = logging.getLogger(__name__)

Target = str | int  # a new window's key text, or a stored window's id


def windows_drift(
    reference: DataFrame,
    current: DataFrame,
    targets: Sequence[Target],
    features: Sequence[str],
    kinds: Mapping[str, str],
) -> dict[Target, list[dict[str, Any]]]:
    """:func:`app.production.drift._window_drift` on Spark (S1's exact engine), for all of
    ``targets`` (``current``'s ``_window`` values) in one set of jobs."""
    candidates = [
        c
        for c in (*features, PREDICTION)
        if kinds.get(c) in ("numerical", "categorical") and c in current.columns
    ]
    keys = {str(t): t for t in targets}
    current = current.where(F.col("_window").isin(list(keys)))
    in_reference = _valued(reference, candidates, None).get("", set())
    in_current = _valued(current, candidates, "_window")
    asked = {
        key: [c for c in candidates if c in in_reference and c in in_current.get(key, set())]
        for key in keys
    }
    asked = {key: columns for key, columns in asked.items() if columns}
    out: dict[Target, list[dict[str, Any]]] = {t: [] for t in targets}
    if not asked:
        return out
    try:
        reports = _drift_reports(reference, current, asked, kinds)
    except DriftInputError:  # about a column some window does not test: each window alone
        reports = {}
        for key, columns in asked.items():
            try:
                reports |= _drift_reports(reference, current, {key: columns}, kinds)
            except DriftInputError as error:
                reports[key] = error
    for key, report in reports.items():
        if isinstance(report, DriftInputError):
            logger.warning("drift of window %s not computed: %s", keys[key], report)
            continue
        out[keys[key]] = _drift_rows(report)
    return out


def _drift_reports(
    reference: DataFrame,
    current: DataFrame,
    asked: Mapping[str, Sequence[str]],
    kinds: Mapping[str, str],
) -> dict[str, DriftReport | DriftInputError]:
    columns = list(dict.fromkeys(c for cs in asked.values() for c in cs))
    return spark_drift_windows(
        reference.select(*[F.col(f"`{c}`") for c in columns]),
        current.select("_window", *[F.col(f"`{c}`") for c in columns]),
        asked,
        column_kinds={c: kinds[c] for c in columns},
    )


def _drift_rows(report: DriftReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for col in report.columns:
        if math.isnan(col.score):
            continue  # as the local engine: a column without a score has no verdict
        rows.append(stored(col))
    assert all(METHODS.get(r["method"]) for r in rows)
    return rows


def _valued(frame: DataFrame, columns: Sequence[str], by: str | None) -> dict[str, set[str]]:
    """The columns with at least one value (finite, for numbers): ``_has_values``, for the
    whole frame (key ``""``) or each value of column ``by``; one job."""
    if not columns:
        return {}
    aggregates = []
    for i, name in enumerate(columns):
        column = F.col(f"`{name}`")
        if quality.is_numeric(frame, name):
            present = column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))
        else:
            present = column.isNotNull()
        aggregates.append(F.count_if(present).alias(f"v{i}"))
    if by is None:
        found = [("", frame.agg(*aggregates).first())]
    else:
        found = [
            (r["__by"], r)
            for r in frame.groupBy(F.col(by).alias("__by")).agg(*aggregates).collect()
        ]
    return {
        key: {name for i, name in enumerate(columns) if row is not None and row[f"v{i}"]}
        for key, row in found
    }
