"""A model version's reference data: which one a window is compared with, and its profile.

Which reference a window is tested against (:func:`resolve_reference`): the
reference window of the same system and the same model version; when that
version has no reference, the reference of the newest *older* version of the
system (a model deployed without its training data logged is compared with
the data its predecessor was trained on). A window older than every
reference has none and gets no drift results.

A reference is profiled once (:func:`profile_reference`) and every window of
its versions is checked against that profile. Column kinds are Evidently's
(:func:`app.drift.is_numerical`), so data quality and drift agree on which
columns are numerical.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.drift import is_numerical


@dataclass(frozen=True)
class WindowRef:
    """A production or reference window's metadata, as measuring it needs."""

    id: int
    model_version: int
    is_reference: bool
    path: str
    feature_columns: tuple[str, ...]


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


@dataclass(frozen=True)
class ColumnProfile:
    """What quality checks need of a reference column.

    ``numerical`` is Evidently's kind; ``bounds`` the [min, max] of its finite
    values (numerical columns with any); ``categories`` the distinct values as
    text (columns that are not numerical).
    """

    numerical: bool
    bounds: tuple[float, float] | None = None
    categories: frozenset[str] | None = None


ReferenceProfile = Mapping[str, ColumnProfile]


def value_range(series: pd.Series) -> tuple[float, float] | None:
    """[min, max] of the finite values, None if there are none."""
    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else None


def profile_reference(reference: pd.DataFrame, features: Sequence[str]) -> dict[str, ColumnProfile]:
    """Profile a reference's ``features`` (those it has), once for all windows checked with it."""
    profile = {}
    for name in features:
        if name not in reference.columns:
            continue
        series = reference[name]
        if is_numerical(series):
            profile[name] = ColumnProfile(True, bounds=value_range(series))
        else:
            categories = frozenset(series.dropna().astype(str).unique())
            profile[name] = ColumnProfile(False, categories=categories)
    return profile
