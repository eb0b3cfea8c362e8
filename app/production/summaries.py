"""Per-window summaries: what the pages draw of a window, without its rows.

Built at ingest (in the transaction that stores the window's other results)
and stored as JSON (:mod:`app.production.summary_store`); the Drift page's
distributions and the Model performance page's confusion matrix and
residuals are drawn from them, so a window whose rows stay in a lake draws
exactly like a local one.

Every summary is a set of counts that a group-by produces, so the Spark
engine builds the same values from aggregates (the ``*_from_*`` constructors
take those aggregates; the row functions here are the local engine's):

* **numerical**: ``MAX_BINS`` equal-width bins over the *reference's* finite
  range (:func:`numeric_edges` from its min and max, ``np.histogram_bin_edges``'
  rule), counts of a window's finite values per bin (bin ``i`` holds
  ``edges[i] <= v < edges[i+1]``, the last bin also ``v == edges[-1]``: NumPy's
  ``histogram`` and Spark's ``Bucketizer`` rule), finite values below and above
  the range, and missing values (null, NaN, ±inf). Every window of a model
  version shares its reference's edges, so any two of them (and the reference)
  can be drawn side by side.
* **categorical**: counts of the window's ``TOP_CATEGORIES`` most frequent
  values (ties by value) and of the reference's kept ones (0 when absent), each
  value as ``str()`` of what pandas reads; the other values' total as
  ``other``; missing values.
* **confusion**: labelled rows by actual class (0/1) and predicted class
  (score >= 0.5), as ``app.health.performance.confusion_matrix``.
* **residuals**: labelled rows by prediction bin × residual (label −
  prediction) bin, ``MAX_BINS`` equal-width bins over each one's range in the
  window; their count and mean residual.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MAX_BINS = 30
TOP_CATEGORIES = 50
NUMERICAL, CATEGORICAL = "numerical", "categorical"
CONFUSION, RESIDUALS = "confusion", "residuals"
COLUMN_KINDS = (NUMERICAL, CATEGORICAL)


@dataclass(frozen=True)
class NumericCounts:
    """A column's values per bin of ``edges``; see the module docstring."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    below: int
    above: int
    missing: int

    def to_payload(self) -> dict[str, Any]:
        return {
            "edges": list(self.edges),
            "counts": list(self.counts),
            "below": self.below,
            "above": self.above,
            "missing": self.missing,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> NumericCounts:
        return cls(
            tuple(float(e) for e in payload["edges"]),
            tuple(int(c) for c in payload["counts"]),
            int(payload["below"]),
            int(payload["above"]),
            int(payload["missing"]),
        )

    @property
    def finite(self) -> int:
        return sum(self.counts) + self.below + self.above


@dataclass(frozen=True)
class CategoryCounts:
    """Counts of the values kept (by ``str`` of the value), the rest's total, missing."""

    counts: Mapping[str, int]
    other: int
    missing: int

    def to_payload(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "other": self.other, "missing": self.missing}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> CategoryCounts:
        counts = {str(k): int(v) for k, v in payload["counts"].items()}
        return cls(counts, int(payload["other"]), int(payload["missing"]))

    @property
    def present(self) -> int:
        return sum(self.counts.values()) + self.other


@dataclass(frozen=True)
class ConfusionCounts:
    """``counts[actual][predicted]`` of the labelled rows, classes 0 and 1."""

    counts: tuple[tuple[int, int], tuple[int, int]]

    def to_payload(self) -> dict[str, Any]:
        return {"counts": [list(row) for row in self.counts]}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ConfusionCounts:
        (a, b), (c, d) = payload["counts"]
        return cls(((int(a), int(b)), (int(c), int(d))))


@dataclass(frozen=True)
class ResidualCounts:
    """Labelled rows per (prediction bin, residual bin): ``counts[i][j]``."""

    prediction_edges: tuple[float, ...]
    residual_edges: tuple[float, ...]
    counts: tuple[tuple[int, ...], ...]
    rows: int
    mean_residual: float

    def to_payload(self) -> dict[str, Any]:
        return {
            "prediction_edges": list(self.prediction_edges),
            "residual_edges": list(self.residual_edges),
            "counts": [list(row) for row in self.counts],
            "rows": self.rows,
            "mean_residual": self.mean_residual,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ResidualCounts:
        return cls(
            tuple(float(e) for e in payload["prediction_edges"]),
            tuple(float(e) for e in payload["residual_edges"]),
            tuple(tuple(int(c) for c in row) for row in payload["counts"]),
            int(payload["rows"]),
            float(payload["mean_residual"]),
        )


Summary = NumericCounts | CategoryCounts | ConfusionCounts | ResidualCounts
_CLASSES: dict[str, type[Summary]] = {
    NUMERICAL: NumericCounts,
    CATEGORICAL: CategoryCounts,
    CONFUSION: ConfusionCounts,
    RESIDUALS: ResidualCounts,
}


def from_payload(kind: str, payload: Mapping[str, Any]) -> Summary:
    """The summary of ``kind`` stored as ``payload``."""
    return _CLASSES[kind].from_payload(payload)


def numeric_edges(low: float, high: float, bins: int = MAX_BINS) -> tuple[float, ...]:
    """``bins`` equal-width bins over ``[low, high]``: ``np.histogram_bin_edges``' rule
    (a constant column gets ``[low - 0.5, high + 0.5]``)."""
    if low == high:
        low, high = low - 0.5, high + 0.5
    return tuple(float(e) for e in np.linspace(low, high, bins + 1, endpoint=True))


def _finite(values: pd.Series | np.ndarray) -> np.ndarray:
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    return numbers[np.isfinite(numbers)]


def edges_of(values: pd.Series | np.ndarray, bins: int = MAX_BINS) -> tuple[float, ...] | None:
    """:func:`numeric_edges` over the finite values; None without any."""
    finite = _finite(values)
    return numeric_edges(float(finite.min()), float(finite.max()), bins) if finite.size else None


def _bin_indices(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Bin of each value inside ``[edges[0], edges[-1]]`` (the module docstring's rule)."""
    index = np.searchsorted(np.asarray(edges), values, side="right") - 1
    return np.minimum(index, len(edges) - 2)


def numeric_counts(values: pd.Series | np.ndarray, edges: Sequence[float]) -> NumericCounts:
    """The values' :class:`NumericCounts` on ``edges`` (non-numbers count as missing)."""
    finite = _finite(values)
    inside = (finite >= edges[0]) & (finite <= edges[-1])
    counts = np.bincount(_bin_indices(finite[inside], edges), minlength=len(edges) - 1)
    return NumericCounts(
        tuple(float(e) for e in edges),
        tuple(int(c) for c in counts),
        int((finite < edges[0]).sum()),
        int((finite > edges[-1]).sum()),
        len(values) - int(finite.size),
    )


def category_counts_from(
    value_counts: Mapping[str, int],
    missing: int,
    keep: Collection[str] = (),
    top: int = TOP_CATEGORIES,
) -> CategoryCounts:
    """From every value's count (a group-by): the ``top`` most frequent (ties by value) and
    those in ``keep`` (the reference's; 0 when absent), the rest as ``other``."""
    ranked = sorted(value_counts.items(), key=lambda item: (-item[1], item[0]))
    kept = {value: count for value, count in ranked[:top]}
    kept.update({value: value_counts.get(value, 0) for value in keep})
    other = sum(value_counts.values()) - sum(kept.values())
    return CategoryCounts(kept, other, int(missing))


def category_counts(
    values: pd.Series, keep: Collection[str] = (), top: int = TOP_CATEGORIES
) -> CategoryCounts:
    """The values' :class:`CategoryCounts` (see :func:`category_counts_from`)."""
    present = values.dropna()
    counts = present.astype(str).value_counts()
    as_dict = {str(k): int(v) for k, v in counts.items()}
    return category_counts_from(as_dict, len(values) - len(present), keep, top)


def confusion_counts(labels: pd.Series, predictions: pd.Series) -> ConfusionCounts:
    """Rows with a label and a prediction, by actual (label as int, 0/1 only) and predicted
    (prediction >= 0.5) class: ``app.health.performance.confusion_matrix``'s counts."""
    y = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    p = pd.to_numeric(predictions, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    both = np.isfinite(y) & ~np.isnan(p)
    actual = y[both].astype(int)
    predicted = p[both] >= 0.5
    counts = tuple(
        tuple(int(((actual == a) & (predicted == bool(p))).sum()) for p in (0, 1)) for a in (0, 1)
    )
    return ConfusionCounts((counts[0], counts[1]))  # type: ignore[arg-type]


def residual_counts(
    labels: pd.Series, predictions: pd.Series, bins: int = MAX_BINS
) -> ResidualCounts | None:
    """Labelled rows (finite label and prediction) per prediction × residual bin; None
    without any."""
    y = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    p = pd.to_numeric(predictions, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(y) & np.isfinite(p)
    y, p = y[keep], p[keep]
    if not y.size:
        return None
    residual = y - p
    p_edges = numeric_edges(float(p.min()), float(p.max()), bins)
    r_edges = numeric_edges(float(residual.min()), float(residual.max()), bins)
    cells = _bin_indices(p, p_edges) * bins + _bin_indices(residual, r_edges)
    grid = np.bincount(cells, minlength=bins * bins).reshape(bins, bins)
    return ResidualCounts(
        p_edges,
        r_edges,
        tuple(tuple(int(c) for c in row) for row in grid),
        int(y.size),
        float(residual.mean()),
    )


@dataclass(frozen=True)
class Basis:
    """What a version's reference fixes for its windows' column summaries: each column's
    kind, numerical edges and the categories it keeps."""

    kinds: Mapping[str, str]
    edges: Mapping[str, tuple[float, ...]]
    keep: Mapping[str, tuple[str, ...]]


def basis_of(reference: pd.DataFrame, kinds: Mapping[str, str]) -> Basis:
    """The :class:`Basis` a reference's rows give (columns of ``kinds`` it holds, numerical
    or categorical; a numerical column without a finite value is left out)."""
    edges: dict[str, tuple[float, ...]] = {}
    keep: dict[str, tuple[str, ...]] = {}
    used: dict[str, str] = {}
    for column, kind in kinds.items():
        if column not in reference.columns or kind not in COLUMN_KINDS:
            continue
        if kind == NUMERICAL:
            found = edges_of(reference[column])
            if found is None:
                continue
            edges[column] = found
        else:
            keep[column] = tuple(category_counts(reference[column]).counts)
        used[column] = kind
    return Basis(used, edges, keep)


def column_summaries(rows: pd.DataFrame, basis: Basis) -> dict[tuple[str, str], Summary]:
    """``(kind, column) -> summary`` of the columns of ``basis`` that ``rows`` holds."""
    summaries: dict[tuple[str, str], Summary] = {}
    for column, kind in basis.kinds.items():
        if column not in rows.columns:
            continue
        if kind == NUMERICAL:
            summaries[(kind, column)] = numeric_counts(rows[column], basis.edges[column])
        else:
            summaries[(kind, column)] = category_counts(rows[column], basis.keep[column])
    return summaries


def performance_summaries(rows: pd.DataFrame) -> dict[tuple[str, str], Summary]:
    """The confusion counts and residual counts of a window (column ''); residuals None
    without a labelled row. Both are stored; the page draws the one the task calls for."""
    summaries: dict[tuple[str, str], Summary] = {}
    if "label" not in rows.columns or "prediction" not in rows.columns:
        return summaries
    summaries[(CONFUSION, "")] = confusion_counts(rows["label"], rows["prediction"])
    residuals = residual_counts(rows["label"], rows["prediction"])
    if residuals is not None:
        summaries[(RESIDUALS, "")] = residuals
    return summaries
