"""Data-quality checks that need the reference data, beyond ingest's base measures.

:mod:`app.ingest.window_metrics` stores ``missing_share``,
``out_of_range_share`` and ``schema_violations`` for every window; this
module adds, per window against its resolved reference (see
:mod:`app.drift.store`), the checks below. Conventions:

- ``type_violation_share`` (per column): share of the non-missing values whose
  type does not fit the reference column's kind: non-numeric text in a
  numerical column, or any value of a categorical reference column that
  arrives as a number;
- ``new_category_share`` / ``new_categories`` (per categorical column): share
  of non-missing values, and count of distinct values, absent from the
  reference;
- ``duplicated_share`` (whole window, column ''): share of rows that repeat an
  earlier row on every feature and the prediction (ids and timestamps aside);
- ``added_columns`` / ``removed_columns`` (whole window): feature columns the
  window has and the reference lacks, and the reverse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from app.health.thresholds import effective_thresholds
from app.ingest.window_metrics import CATEGORICAL, NUMERICAL, column_kind
from app.store.db import session_scope
from app.store.models import ProductionWindow, QualityResult, System

EXTRA_CHECKS = (
    "type_violation_share",
    "new_category_share",
    "new_categories",
    "duplicated_share",
    "added_columns",
    "removed_columns",
)


@dataclass(frozen=True)
class QualityProfile:
    """What the checks need of a reference: each feature's kind and categories."""

    kinds: dict[str, str]
    categories: dict[str, frozenset[str]]


def reference_quality_profile(reference: pd.DataFrame, features: Sequence[str]) -> QualityProfile:
    kinds = {c: column_kind(reference[c]) for c in features if c in reference.columns}
    categories = {
        c: frozenset(reference[c].dropna().astype(str).unique())
        for c, kind in kinds.items()
        if kind == CATEGORICAL
    }
    return QualityProfile(kinds, categories)


def _type_violation_share(series: pd.Series, expected: str) -> float:
    present = series.dropna()
    if not len(present):
        return 0.0
    if expected == NUMERICAL:
        if column_kind(series) == NUMERICAL:
            return 0.0
        parsed = pd.to_numeric(present.astype(str), errors="coerce")
        return float(parsed.isna().mean())
    return 1.0 if column_kind(series) == NUMERICAL else 0.0


def window_quality_checks(
    window: pd.DataFrame, features: Sequence[str], profile: QualityProfile
) -> list[tuple[str, str, float]]:
    """(column, check, value) rows of ``EXTRA_CHECKS``; column '' is the whole window."""
    results: list[tuple[str, str, float]] = []
    for name in features:
        expected = profile.kinds.get(name)
        if expected is None or name not in window.columns:
            continue
        series = window[name]
        results.append((name, "type_violation_share", _type_violation_share(series, expected)))
        known = profile.categories.get(name)
        if known is not None:
            present = series.dropna()
            if present.dtype != object:
                present = present.astype(str)
            new = ~present.isin(known)
            share = float(new.mean()) if len(present) else 0.0
            results.append((name, "new_category_share", share))
            results.append((name, "new_categories", float(present[new].nunique())))
    keys = [c for c in (*features, "prediction") if c in window.columns]
    duplicated = window.duplicated(subset=keys).to_numpy() if keys and len(window) else np.array([])
    results.append(("", "duplicated_share", float(duplicated.mean()) if duplicated.size else 0.0))
    results.append(("", "added_columns", float(len(set(features) - set(profile.kinds)))))
    results.append(("", "removed_columns", float(len(set(profile.kinds) - set(features)))))
    return results


# --- reading stored results for the Data quality page ----------------------

WINDOW_CHECKS = {
    "missing_share": "Missing values (worst column)",
    "out_of_range_share": "Out of reference range (worst column)",
    "type_violation_share": "Type violations (worst column)",
    "new_category_share": "New categories (worst column)",
    "duplicated_share": "Duplicated rows",
}
COUNT_CHECKS = {
    "schema_violations": "Schema violations",
    "added_columns": "Added columns",
    "removed_columns": "Removed columns",
}
SIGNAL_OF_CHECK = {
    "missing_share": "data.missing_share",
    "out_of_range_share": "data.out_of_range_share",
    "schema_violations": "data.schema_violations",
}


def stored_quality(
    engine: Engine, system: str, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Every stored quality result of ``system``'s production windows starting in [since, until).

    Columns: window_id, window_start, model_version, rows, column, check, value.
    """
    query = (
        select(
            QualityResult.window_id,
            ProductionWindow.window_start,
            ProductionWindow.model_version,
            ProductionWindow.rows,
            QualityResult.column,
            QualityResult.check,
            QualityResult.value,
        )
        .join(ProductionWindow, ProductionWindow.id == QualityResult.window_id)
        .join(System, System.id == ProductionWindow.system_id)
        .where(System.name == system, ProductionWindow.is_reference.is_(False))
        .order_by(ProductionWindow.window_start, ProductionWindow.id)
    )
    if since is not None:
        query = query.where(ProductionWindow.window_start >= since)
    if until is not None:
        query = query.where(ProductionWindow.window_start < until)
    with session_scope(engine) as session:
        rows = session.execute(query).all()
    columns = ["window_id", "window_start", "model_version", "rows", "column", "check", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    return frame


def window_trends(results: pd.DataFrame) -> pd.DataFrame:
    """One row per window: each ``WINDOW_CHECKS``/``COUNT_CHECKS`` value (worst column for shares).

    Index: window_start; also ``window_id``, ``model_version``, ``rows``. A
    check a window lacks (no reference, no categorical column) is NaN.
    """
    if results.empty:
        return pd.DataFrame(
            columns=["window_id", "model_version", "rows", *WINDOW_CHECKS, *COUNT_CHECKS]
        )
    per_column = results[results["column"] != ""]
    worst = per_column.pivot_table(
        index="window_id", columns="check", values="value", aggfunc="max"
    )
    whole = results[results["column"] == ""].pivot_table(
        index="window_id", columns="check", values="value", aggfunc="max"
    )
    meta = results.drop_duplicates("window_id").set_index("window_id")[
        ["window_start", "model_version", "rows"]
    ]
    out = meta.copy()
    for check in WINDOW_CHECKS:
        source = whole if check in whole.columns and check == "duplicated_share" else worst
        out[check] = source[check] if check in source.columns else np.nan
    for check in COUNT_CHECKS:
        out[check] = whole[check] if check in whole.columns else np.nan
    return out.reset_index().set_index("window_start")


def column_matrix(results: pd.DataFrame, check: str) -> pd.DataFrame:
    """Columns × windows of one per-column ``check`` (rows: column; columns: window start)."""
    subset = results[(results["check"] == check) & (results["column"] != "")]
    if subset.empty:
        return pd.DataFrame()
    return subset.pivot_table(index="column", columns="window_start", values="value", aggfunc="max")


def quality_thresholds(engine: Engine, system: str) -> dict[str, tuple[float, float]]:
    """(warn, critical) in force for each check that is a health signal."""
    with session_scope(engine) as session:
        specs = effective_thresholds(session, system)
    return {check: (specs[s].warn, specs[s].critical) for check, s in SIGNAL_OF_CHECK.items()}


COLUMN_CHECKS = {
    "missing_share": "Missing values",
    "out_of_range_share": "Out of reference range",
    "type_violation_share": "Type violations",
    "new_category_share": "New categories (share of values)",
    "new_categories": "New categories (distinct values)",
}


def worst(results: pd.DataFrame, check: str) -> tuple[float, pd.Timestamp, str] | None:
    """(value, window start, column) of the worst per-column ``check``; None without any."""
    subset = results[(results["check"] == check) & (results["column"] != "")]
    if subset.empty:
        return None
    row = subset.iloc[int(subset["value"].to_numpy().argmax())]
    return float(row["value"]), pd.Timestamp(row["window_start"]), str(row["column"])
