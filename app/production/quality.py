"""Data quality of one production window: the checks, and the one writer of their results.

Two sets of checks, stored as ``QualityResult`` rows (column, check, value;
column ``''`` is the whole window) by this module only:

:func:`window_checks`, when a window is written, against its *own* model
version's reference as it is at ingest time:

- ``missing_share`` (per feature and worst feature): NaN, None or ±inf;
- ``out_of_range_share`` (per numerical feature and worst feature, with a
  reference): share of all values that are finite and outside the [min, max]
  of the same column in the reference; missing values are not out of range;
- ``schema_violations`` (whole window): reference feature columns absent from
  the window, plus columns whose kind (numerical or not, Evidently's) differs
  from the reference's; 0 without a reference.

:func:`reference_checks`, with drift, against the window's *resolved*
reference (:func:`app.production.reference.resolve_reference`):

- ``type_violation_share`` (per column): share of the non-missing values whose
  type does not fit the reference column's kind: non-numeric text in a
  numerical column, or any value of a non-numerical reference column that
  arrives as a number;
- ``new_category_share`` / ``new_categories`` (per non-numerical column):
  share of non-missing values, and count of distinct values, absent from the
  reference;
- ``duplicated_share`` (whole window): share of rows that repeat an earlier
  row on every feature and the prediction (ids and timestamps aside);
- ``added_columns`` / ``removed_columns`` (whole window): feature columns the
  window has and the reference lacks, and the reverse.

Ingesting a reference *after* windows of its version recomputes the second
set for them and leaves the first as it was; the seed loads references first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.drift import is_numerical
from app.production.reference import ColumnProfile
from app.store.models import QualityResult
from app.store.rows import table_of, upsert_frame
from app.store.upsert import upsert

QUALITY_KEY = ("window_id", "column", "check")
EXTRA_CHECKS = (
    "type_violation_share",
    "new_category_share",
    "new_categories",
    "duplicated_share",
    "added_columns",
    "removed_columns",
)

Check = tuple[str, str, float]  # (column, check, value)


def missing_mask(series: pd.Series) -> np.ndarray:
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string":
        return np.zeros(len(series), dtype=bool)  # every value a str: isna scans 4x slower
    mask = series.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        mask |= np.isinf(series.to_numpy(dtype=float, na_value=np.nan))
    return mask


def missing_share(series: pd.Series) -> float:
    """Share of values that are NaN, None or infinite."""
    return float(missing_mask(series).mean()) if len(series) else 0.0


def out_of_range_share(series: pd.Series, low: float, high: float) -> float:
    """Share of all values that are finite and outside [low, high]."""
    if not len(series):
        return 0.0
    values = series.to_numpy(dtype=float, na_value=np.nan)
    outside = np.isfinite(values) & ((values < low) | (values > high))
    return float(outside.mean())


def window_checks(
    window: pd.DataFrame,
    features: Sequence[str],
    reference: Mapping[str, ColumnProfile] | None = None,
) -> list[Check]:
    """The checks a window gets when it is written (the module docstring's first set)."""
    results: list[Check] = []
    missing: list[float] = []
    outside: list[float] = []
    numerical = {name: is_numerical(window[name]) for name in features}
    for name in features:
        share = missing_share(window[name])
        missing.append(share)
        results.append((name, "missing_share", share))
        expected = reference.get(name) if reference is not None else None
        if expected is not None and expected.bounds is not None and numerical[name]:
            share = out_of_range_share(window[name], *expected.bounds)
            outside.append(share)
            results.append((name, "out_of_range_share", share))
    results.append(("", "missing_share", max(missing, default=0.0)))
    violations = 0
    if reference is not None:
        results.append(("", "out_of_range_share", max(outside, default=0.0)))
        violations = sum(
            numerical.get(name) != expected.numerical for name, expected in reference.items()
        )
    results.append(("", "schema_violations", float(violations)))
    return results


def _type_violation_share(series: pd.Series, numerical: bool) -> float:
    if is_numerical(series) == numerical:  # the kind expected: no value violates it
        return 0.0
    present = series.dropna()  # only now: a scan of every value
    if not len(present):
        return 0.0
    if numerical:
        parsed = pd.to_numeric(present.astype(str), errors="coerce")
        return float(parsed.isna().mean())
    return 1.0


def reference_checks(
    window: pd.DataFrame, features: Sequence[str], reference: Mapping[str, ColumnProfile]
) -> list[Check]:
    """``EXTRA_CHECKS`` against the resolved reference (the module docstring's second set)."""
    results: list[Check] = []
    for name in features:
        expected = reference.get(name)
        if expected is None or name not in window.columns:
            continue
        series = window[name]
        results.append(
            (name, "type_violation_share", _type_violation_share(series, expected.numerical))
        )
        known = expected.categories
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
    results.append(("", "added_columns", float(len(set(features) - set(reference)))))
    results.append(("", "removed_columns", float(len(set(reference) - set(features)))))
    return results


def replace_window_checks(session: Session, window_id: int, checks: Iterable[Check]) -> None:
    """Store a written window's checks in place of every quality result it had."""
    table = table_of(QualityResult)
    session.execute(delete(table).where(table.c.window_id == window_id))
    rows = pd.DataFrame(list(checks), columns=["column", "check", "value"])
    upsert_frame(session, table, rows.assign(window_id=window_id), QUALITY_KEY)


def save_reference_checks(session: Session, checks: Mapping[int, Iterable[Check]]) -> None:
    """Store (insert or update) the reference checks of each window id."""
    rows: list[dict[str, Any]] = [
        {"window_id": window_id, "column": column, "check": check, "value": float(value)}
        for window_id, results in checks.items()
        for column, check, value in results
    ]
    upsert(session, table_of(QualityResult), rows, key=QUALITY_KEY)
