"""Column kinds and the one-pass preparation every drift statistic reads from.

Kind inference matches Evidently 0.7's ``evidently.core.datasets.infer_column_type``,
which ``DataDriftPreset`` applies to the *current* dataset: ``float*`` is
numerical; ``int*`` is categorical with at most 10 distinct values, else
numerical; strings are text when more than half of the non-null values are
distinct, else categorical; ``bool`` and ``category`` are categorical. Other
dtypes (``uint*``, nullable ``Int64``/``Float64``, datetimes, mixed objects) are
not drift-tested by the preset.

Cleaning matches Evidently's ``get_one_column_drift`` (the path the per-column
``ValueDrift`` metrics take): ``±inf`` is treated as missing and missing values
are dropped on each side separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

INTEGER_CARDINALITY_LIMIT = 10  # Evidently's limit for int columns to count as categorical

DRIFT_KINDS = ("numerical", "categorical")


class DriftInputError(ValueError):
    """The data cannot be drift-tested as asked (empty column, wrong kind, bad method)."""


def infer_kind(series: pd.Series) -> str:
    """Evidently 0.7's column type for ``series``.

    Returns ``"numerical"``, ``"categorical"``, ``"text"``, ``"datetime"``,
    ``"list"`` or ``"unknown"``; only the first two are drift-tested.
    """
    name = series.dtype.name
    if name.startswith("float"):
        return "numerical"
    if name.startswith("int"):
        return "categorical" if series.nunique() <= INTEGER_CARDINALITY_LIMIT else "numerical"
    if name in ("string", "str"):
        return "text" if series.nunique() > series.count() * 0.5 else "categorical"
    if name == "object":
        values = series.dropna()
        if values.count() == 0:
            return "unknown"
        first, last = values.iloc[0], values.iloc[-1]
        if isinstance(first, str) and isinstance(last, str):
            return "text" if series.nunique() > series.count() * 0.5 else "categorical"
        if isinstance(first, list | tuple) and isinstance(last, list | tuple):
            return "list"
        return "unknown"
    if name in ("bool", "category"):
        return "categorical"
    if name.startswith("datetime"):
        return "datetime"
    return "unknown"


def is_numerical(series: pd.Series) -> bool:
    """Whether :func:`infer_kind` calls ``series`` numerical.

    The one test data-quality checks use for "a numerical column" (ranges,
    type violations, schema changes), so quality and drift agree on kinds.
    Only ``float*`` and ``int*`` can be numerical, so other columns are
    answered without counting their distinct values.
    """
    if not series.dtype.name.startswith(("float", "int")):
        return False
    return infer_kind(series) == "numerical"


def _numeric_values(series: pd.Series) -> np.ndarray | None:
    """The values as a NumPy numeric array, or None when the column is not numeric."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and isinstance(dtype, np.dtype):
        return series.to_numpy().view(np.uint8)
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype):
        return None
    if isinstance(dtype, np.dtype):
        return series.to_numpy()
    if pd.api.types.is_integer_dtype(dtype) and not series.hasnans:
        return series.to_numpy(dtype=np.int64)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _sorted_finite(values: np.ndarray) -> np.ndarray:
    """Sorted copy with NaN and ±inf cut off (a view into the sorted array, no mask)."""
    ordered = np.sort(values)
    if ordered.dtype.kind != "f":
        return ordered
    # NumPy sorts NaN last, and searchsorted uses the same order, so the finite
    # values are one contiguous slice between the -inf block and the +inf/NaN block.
    lo = int(np.searchsorted(ordered, -np.inf, side="right"))
    hi = int(np.searchsorted(ordered, np.inf, side="left"))
    return ordered[lo:hi]


def count_distinct(ordered: np.ndarray, cap: int) -> int:
    """Distinct values of a sorted array, counting no further than ``cap + 1``.

    One binary search per distinct value, so it costs ``O(cap log n)`` whatever
    the length of the array.
    """
    count, i, n = 0, 0, len(ordered)
    while i < n and count <= cap:
        i = int(np.searchsorted(ordered, ordered[i], side="right"))
        count += 1
    return count


def _distinct(ordered: np.ndarray) -> np.ndarray:
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@dataclass
class ColumnData:
    """One column of reference and current data, cleaned once for every statistic.

    Numeric columns are kept as sorted finite arrays (``np.sort`` once per side;
    distinct values come from the sorted order, never from hashing). Other
    columns are factorised once over both sides (one hash pass) into codes of
    their sorted distinct values.
    """

    name: str
    numeric: bool
    ref: np.ndarray  # numeric: sorted finite values; otherwise: codes into ``_keys``
    cur: np.ndarray
    integer: bool = False  # both sides of integer dtype (NumPy's histogram rule for ints)
    _keys: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_series(cls, name: str, reference: pd.Series, current: pd.Series) -> ColumnData:
        """Clean both sides (±inf as missing, missing dropped per side) and prepare them."""
        ref_values, cur_values = _numeric_values(reference), _numeric_values(current)
        if ref_values is not None and cur_values is not None:
            integer = ref_values.dtype.kind in "iu" and cur_values.dtype.kind in "iu"
            data = cls(name, True, _sorted_finite(ref_values), _sorted_finite(cur_values), integer)
        else:
            both = pd.concat([reference, current], ignore_index=True)
            # Only a float can be ±inf: text alone (the common case) skips replace's
            # element-by-element comparisons.
            if both.dtype == object and pd.api.types.infer_dtype(both, skipna=True) != "string":
                both = both.replace([np.inf, -np.inf], np.nan)
            codes, keys = pd.factorize(np.asarray(both, dtype=object), sort=True)
            ref_codes, cur_codes = codes[: len(reference)], codes[len(reference) :]
            data = cls(name, False, ref_codes[ref_codes >= 0], cur_codes[cur_codes >= 0])
            data._keys = np.asarray(keys, dtype=object)
        if len(data.ref) == 0:
            raise DriftInputError(f"column {name!r} has no finite values in the reference data")
        if len(data.cur) == 0:
            raise DriftInputError(f"column {name!r} has no finite values in the current data")
        return data

    @property
    def n_ref(self) -> int:
        return len(self.ref)

    @property
    def n_cur(self) -> int:
        return len(self.cur)

    def distinct_ref(self, cap: int) -> int:
        """Distinct reference values, counted up to ``cap + 1``."""
        if self.numeric:
            return count_distinct(self.ref, cap)
        return int(np.count_nonzero(self.counts[1]))

    def distinct_union(self, cap: int) -> int:
        """Distinct values over both sides, counted up to ``cap + 1``."""
        if not self.numeric:
            return len(self.counts[0])
        ref_n = count_distinct(self.ref, cap)
        cur_n = count_distinct(self.cur, cap)
        if ref_n > cap or cur_n > cap:
            return cap + 1
        return len(np.union1d(_distinct(self.ref), _distinct(self.cur)))

    @cached_property
    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sorted distinct keys over both sides and each side's count per key."""
        if self.numeric:
            keys = np.union1d(_distinct(self.ref), _distinct(self.cur))
            ref_counts = np.searchsorted(self.ref, keys, "right") - np.searchsorted(self.ref, keys)
            cur_counts = np.searchsorted(self.cur, keys, "right") - np.searchsorted(self.cur, keys)
            return keys, ref_counts, cur_counts
        assert self._keys is not None
        size = len(self._keys)
        ref_counts = np.bincount(self.ref, minlength=size)
        cur_counts = np.bincount(self.cur, minlength=size)
        present = (ref_counts + cur_counts) > 0
        return self._keys[present], ref_counts[present], cur_counts[present]
