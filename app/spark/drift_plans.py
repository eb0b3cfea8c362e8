"""Each (window, column)'s method and the aggregates its score needs, then its score.

:func:`plan` repeats the local engine's checks and method choice
(``app.drift.engine._column_drift``) on exact counts; :func:`score` runs the
batched jobs every plan needs, for all windows and columns at once, over the
value table (:mod:`app.spark.aggregates`), whose rows are keyed by window and
column together (:func:`app.spark.aggregates.cell_key`), and scores each
column with the local engine's own functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.drift.columns import DriftInputError
from app.drift.engine import chosen_method
from app.drift.methods import get_method, redecide
from app.drift.report import ColumnDrift
from app.drift.stattests import (
    STATTESTS,
    STURGES_DISTINCT_LIMIT,
    _sturges_edges,
    hellinger_histograms,
)
from app.spark import aggregates as agg
from app.spark.counted import CountedColumn, ks_p_value
from app.spark.cumulative import cdf_gaps

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

BINNED = ("jensenshannon", "psi", "kl_div", "hellinger")


@dataclass
class Plan:
    """One column's method and the aggregates its score needs; ``col.name`` is its cell key."""

    column: str
    col: CountedColumn
    kind: str
    method: str
    threshold: float
    need: str  # "counts", "data_bins", "key_bins" or "cdf"
    edges: np.ndarray | None = None


def plan(
    name: str,
    kind: str,
    method: str | None,
    threshold: float | None,
    col: CountedColumn,
    distinct: agg.Distinct | None,
) -> Plan:
    """What ``_column_drift`` of the local engine checks, in its order, and what to compute."""
    if col.n_ref == 0:
        raise DriftInputError(f"column {name!r} has no finite values in the reference data")
    if col.n_cur == 0:
        raise DriftInputError(f"column {name!r} has no finite values in the current data")
    if kind == "numerical" and not col.numeric:
        raise DriftInputError(f"column {name!r} is numerical but holds non-numeric values")
    chosen, used = chosen_method(name, col, kind, method, threshold)
    found = Plan(name, col, kind, chosen.name, used, "counts")
    if chosen.name in ("ks", "wasserstein"):
        found.need = "cdf"
    elif chosen.name in BINNED and kind == "numerical" and distinct is not None:
        if chosen.name == "hellinger":
            found.need = "key_bins"
            found.edges = _sturges_edges(distinct.lo, distinct.hi, distinct.union, col.integer)
        elif distinct.ref > STURGES_DISTINCT_LIMIT:
            found.need = "data_bins"
            found.edges = _sturges_edges(
                distinct.lo, distinct.hi, col.n_ref + col.n_cur, col.integer
            )
    return found


def score(
    values: DataFrame, plans: list[Plan], cuts: Mapping[str, Sequence[float]]
) -> dict[str, ColumnDrift]:
    """Run the batched jobs every plan needs, then score each column as the local engine does;
    keyed by each plan's cell key. ``cuts``: each cell's range bucket boundaries
    (:func:`app.spark.aggregates.distinct_counts`) for the cumulative counts."""
    counts = agg.category_counts(values, [p.col.name for p in plans if p.need == "counts"])
    bins = agg.histograms(values, {p.col.name: p.edges for p in plans if p.edges is not None})
    # Wasserstein's norm, the reference's standard deviation from exactly rounded sums as the
    # local engine computes it (app.drift.exact.exact_std), comes in the same two passes.
    gaps = cdf_gaps(
        values,
        {p.col.name: p.col.sizes for p in plans if p.need == "cdf"},
        cuts,
        stds=[p.col.name for p in plans if p.method == "wasserstein"],
    )
    out = {}
    for p in plans:
        key, col = p.col.name, p.col
        if p.need == "counts":
            col.table = counts[key]
            found = STATTESTS[p.method](col, p.kind)
        elif p.need == "key_bins":
            assert p.edges is not None
            found = hellinger_histograms(p.edges, *bins[key])
        elif p.need == "data_bins":
            col.table = (np.arange(len(bins[key][0])), *bins[key])
            found = STATTESTS[p.method](col, "categorical")
        elif p.method == "ks":
            g = gaps[key]
            at = g.low if min(max(-g.low_diff, 0.0), 1.0) > g.high_diff else g.high
            found = ks_p_value(col.n_ref, col.n_cur, at)
        else:
            found = gaps[key].area / max(gaps[key].std, 0.001)
        out[key] = ColumnDrift(
            column=p.column,
            kind=p.kind,
            method=p.method,
            score=float(found),
            threshold=p.threshold,
            drifted=redecide(float(found), p.method, p.threshold),
            p_value_test=get_method(p.method).family == "p_value",
        )
    return out
