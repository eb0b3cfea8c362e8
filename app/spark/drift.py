"""``spark_drift``: ``compute_drift`` on Spark DataFrames, exact, without collecting rows.

For the ingest engine and anything else that measures drift on Spark, call::

    from app.spark.drift import spark_drift
    report = spark_drift(reference_df, current_df, columns=..., column_kinds=...,
                         method=..., threshold=..., per_column=..., drift_share=0.5)

It takes the same keyword arguments as :func:`app.drift.compute_drift` and
returns the same :class:`~app.drift.DriftReport`: the same columns, kinds
(Evidently's inference, applied to the types pandas would see for the same
Parquet), method choice (from exact row and distinct counts), thresholds,
decisions and correction; scores equal the local engine's to rounding.

What is exact and how: chi-square, Z and every binned method (PSI, KL,
Jensen–Shannon, Hellinger) run the local engine's own functions on exact
counts per category or per Sturges bin (edges from exact min, max and count);
KS reads ``max |F_ref - F_cur|`` from exact cumulative counts and takes its
p-value from SciPy with ``ks_2samp``'s own ``method="auto"`` rule;
Wasserstein integrates ``|F_ref - F_cur|`` over the sorted distinct values
(:mod:`app.spark.cumulative`). Its two sums (the area, the reference's
standard deviation) are rounded once on both engines (:mod:`app.drift.exact`,
:mod:`app.spark.exact_sums`), so every score is the local engine's float and
``tandem drift`` prints the same JSON with either engine.

Nothing collects rows, with one exception: a free-text column (Evidently's
``text`` kind, which a classifier tests on the texts themselves) is handed to
the local engine on its values, up to ``TEXT_ROWS_LIMIT`` a side.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.drift.columns import DRIFT_KINDS, INTEGER_CARDINALITY_LIMIT, DriftInputError
from app.drift.engine import CORRECTIONS, PerColumn, _correct, default_method
from app.drift.methods import get_method, redecide
from app.drift.report import ColumnDrift, DriftReport, SkippedColumn
from app.drift.stattests import (
    STATTESTS,
    STURGES_DISTINCT_LIMIT,
    _sturges_edges,
    hellinger_histograms,
)
from app.spark import aggregates as agg
from app.spark.counted import CountedColumn, counted, ks_p_value
from app.spark.cumulative import cdf_gaps
from app.spark.exact_sums import exact_stds

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["spark_drift", "type_class"]

logger = logging.getLogger(__name__)

BINNED = ("jensenshannon", "psi", "kl_div", "hellinger")


def type_class(data_type: object) -> str:
    """float, int, bool, string, datetime or other: what decides a column's kind."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.FloatType | T.DoubleType):
        return "float"
    if isinstance(data_type, T.ByteType | T.ShortType | T.IntegerType | T.LongType):
        return "int"
    if isinstance(data_type, T.BooleanType):
        return "bool"
    if isinstance(data_type, T.StringType):
        return "string"
    if isinstance(data_type, T.TimestampType | T.TimestampNTZType):
        return "datetime"
    return "other"


def _pandas_class(cls: str, stats: agg.SideStats) -> str:
    """The class pandas gives the same Parquet column: ints and bools with nulls change."""
    if stats.non_null < stats.rows and cls == "int":
        return "float"  # int64 with missing values reads as float64
    if stats.non_null < stats.rows and cls == "bool":
        return "other"  # bool with missing values reads as object: Evidently's "unknown"
    return cls


def _infer_kind(cls: str, stats: agg.SideStats, distinct: agg.Distinct | None) -> str:
    """:func:`app.drift.infer_kind` from the current side's counts (see its rules)."""
    cur_distinct = distinct.cur if distinct is not None else 0
    if cls == "float":
        return "numerical"
    if cls == "int":
        return "categorical" if cur_distinct <= INTEGER_CARDINALITY_LIMIT else "numerical"
    if cls == "string":
        if stats.non_null == 0:
            return "unknown"
        return "text" if cur_distinct > stats.non_null * 0.5 else "categorical"
    if cls == "bool":
        return "categorical"
    return "datetime" if cls == "datetime" else "unknown"


def spark_drift(
    reference: DataFrame,
    current: DataFrame,
    *,
    columns: Iterable[str] | None = None,
    column_kinds: Mapping[str, str] | None = None,
    method: str | None = None,
    threshold: float | None = None,
    per_column: PerColumn | None = None,
    drift_share: float = 0.5,
    correction: str | None = None,
) -> DriftReport:
    """Column and dataset drift of ``current`` against ``reference``, as ``compute_drift``.

    Raises :class:`DriftInputError` for unusable input (a column in one side
    only, kinds that do not fit, no finite values) exactly where the local
    engine does, with the same messages.
    """
    column_kinds = dict(column_kinds or {})
    per_column = dict(per_column or {})
    for name, kind in column_kinds.items():
        if kind not in (*DRIFT_KINDS, "text"):
            raise DriftInputError(
                f"column {name!r}: kind must be numerical or categorical, not {kind!r}"
            )
    for m in [method, *(m for m, _ in per_column.values())]:
        if m is not None:
            get_method(m)
    if correction is not None and correction not in CORRECTIONS:
        raise DriftInputError(f"unknown correction {correction!r}; available: {CORRECTIONS}")

    skipped: list[SkippedColumn] = []
    if columns is None:
        names = [c for c in current.columns if c in reference.columns]
        skipped += [SkippedColumn(c, "not in reference") for c in current.columns if c not in names]
        skipped += [SkippedColumn(c, "not in current") for c in reference.columns if c not in names]
    else:
        names = list(columns)
        for name in names:
            if name not in reference.columns or name not in current.columns:
                raise DriftInputError(f"column {name!r} is not in both reference and current data")
    if not names:
        raise DriftInputError("reference and current data have no column in common")

    ref_types = {f.name: type_class(f.dataType) for f in reference.schema.fields}
    cur_types = {f.name: type_class(f.dataType) for f in current.schema.fields}
    for name in names:
        pair = {ref_types[name], cur_types[name]}
        if len(pair) > 1 and not pair <= NUMBERS:
            raise DriftInputError(
                f"column {name!r} is {ref_types[name]} in the reference data "
                f"but {cur_types[name]} in the current data"
            )
    ref_stats = agg.side_stats(reference, {n: ref_types[n] for n in names}, with_std=False)
    cur_stats = agg.side_stats(current, {n: cur_types[n] for n in names}, with_std=False)
    valued = [n for n in names if cur_types[n] in VALUED]
    values = agg.value_table(
        reference.select(*[agg.quoted(n) for n in valued]),
        current.select(*[agg.quoted(n) for n in valued]),
        {n: ref_types[n] for n in valued},
        {n: cur_types[n] for n in valued},
    ).persist()
    try:
        distinct = agg.distinct_counts(values) if valued else {}
        plans: list[_Plan] = []
        outcome: dict[str, ColumnDrift | SkippedColumn] = {}
        texts: list[str] = []
        for name in names:
            ref_cls = _pandas_class(ref_types[name], ref_stats[name])
            cur_cls = _pandas_class(cur_types[name], cur_stats[name])
            kind = column_kinds.get(name) or _infer_kind(
                cur_cls, cur_stats[name], distinct.get(name)
            )
            if kind == "text":
                texts.append(name)
                continue
            if kind not in DRIFT_KINDS:
                outcome[name] = SkippedColumn(name, f"{kind} column")
                continue
            col_method, col_threshold = per_column.get(name, (None, None))
            plans.append(
                _plan(
                    name,
                    kind,
                    col_method or method,
                    col_threshold if col_threshold is not None else threshold,
                    counted(
                        name,
                        cur_types[name] != "string",
                        ref_cls in INTEGERS and cur_cls in INTEGERS,
                        (ref_stats[name].finite, cur_stats[name].finite),
                        _distinct_pair(distinct.get(name)),
                    ),
                    distinct.get(name),
                )
            )
        if plans:
            outcome.update({c.column: c for c in _score(values, plans)})
    finally:
        values.unpersist()
    if texts:
        outcome.update(
            _text_columns(reference, current, texts, column_kinds, method, threshold, per_column)
        )
    results = [o for o in (outcome[n] for n in names) if isinstance(o, ColumnDrift)]
    skipped += [o for o in (outcome[n] for n in names) if isinstance(o, SkippedColumn)]
    if correction == "bh":
        results = _correct(results, correction)
    for s in skipped:
        logger.info("drift: skipped column %r (%s)", s.column, s.reason)
    return DriftReport(tuple(results), float(drift_share), tuple(skipped), correction)


def _text_columns(
    reference: DataFrame,
    current: DataFrame,
    names: list[str],
    column_kinds: Mapping[str, str],
    method: str | None,
    threshold: float | None,
    per_column: PerColumn,
) -> dict[str, ColumnDrift | SkippedColumn]:
    """Free-text columns, left to the local engine on their values (the one collect).

    Evidently tests text with a classifier trained on the texts themselves, so
    there is no aggregate to compute on Spark: the columns' values (and only
    theirs, at most ``TEXT_ROWS_LIMIT`` a side) come to the driver and
    ``compute_drift`` decides and scores them, so both engines agree by
    construction, whatever the local engine does with text.
    """
    from app.drift import compute_drift

    selected = [agg.quoted(n) for n in names]
    sides = []
    for frame, label in ((reference, "reference"), (current, "current")):
        rows = frame.select(*selected).limit(TEXT_ROWS_LIMIT + 1).toPandas()
        if len(rows) > TEXT_ROWS_LIMIT:
            raise DriftInputError(
                f"text column(s) {', '.join(map(repr, names))}: over {TEXT_ROWS_LIMIT:,} "
                f"{label} rows, too many to test as text; leave them out (--column-types)"
            )
        sides.append(rows)
    report = compute_drift(
        sides[0],
        sides[1],
        columns=names,
        column_kinds={n: k for n, k in column_kinds.items() if n in names},
        method=method,
        threshold=threshold,
        per_column={n: v for n, v in per_column.items() if n in names},
    )
    return {**{c.column: c for c in report.columns}, **{s.column: s for s in report.skipped}}


TEXT_ROWS_LIMIT = 1_000_000
NUMBERS = {"float", "int", "bool"}
INTEGERS = ("int", "bool")  # NumPy's histogram rule for integer data holds for both
VALUED = ("float", "int", "bool", "string")


def _distinct_pair(d: agg.Distinct | None) -> tuple[int, int]:
    return (d.union, d.ref) if d is not None else (0, 0)


@dataclass
class _Plan:
    """One column's method and the aggregates its score needs."""

    col: CountedColumn
    kind: str
    method: str
    threshold: float
    need: str  # "counts", "data_bins", "key_bins" or "cdf"
    edges: np.ndarray | None = None


def _plan(
    name: str,
    kind: str,
    method: str | None,
    threshold: float | None,
    col: CountedColumn,
    distinct: agg.Distinct | None,
) -> _Plan:
    """What ``_column_drift`` of the local engine checks, in its order, and what to compute."""
    if col.n_ref == 0:
        raise DriftInputError(f"column {name!r} has no finite values in the reference data")
    if col.n_cur == 0:
        raise DriftInputError(f"column {name!r} has no finite values in the current data")
    if kind == "numerical" and not col.numeric:
        raise DriftInputError(f"column {name!r} is numerical but holds non-numeric values")
    chosen = get_method(method or default_method(col, kind))
    if method is not None and kind not in chosen.kinds:
        raise DriftInputError(
            f"method {chosen.name!r} does not apply to {kind} column {name!r} "
            f"(it takes {' or '.join(chosen.kinds)} columns)"
        )
    used = chosen.default_threshold if threshold is None else float(threshold)
    plan = _Plan(col, kind, chosen.name, used, "counts")
    if chosen.name in ("ks", "wasserstein"):
        plan.need = "cdf"
    elif chosen.name in BINNED and kind == "numerical" and distinct is not None:
        if chosen.name == "hellinger":
            plan.need = "key_bins"
            plan.edges = _sturges_edges(distinct.lo, distinct.hi, distinct.union, col.integer)
        elif distinct.ref > STURGES_DISTINCT_LIMIT:
            plan.need = "data_bins"
            plan.edges = _sturges_edges(
                distinct.lo, distinct.hi, col.n_ref + col.n_cur, col.integer
            )
    return plan


def _score(values: DataFrame, plans: list[_Plan]) -> list[ColumnDrift]:
    """Run the batched jobs every plan needs, then score each column as the local engine does."""
    counts = agg.category_counts(values, [p.col.name for p in plans if p.need == "counts"])
    bins = agg.histograms(values, {p.col.name: p.edges for p in plans if p.edges is not None})
    buckets = int(values.sparkSession.conf.get("spark.sql.shuffle.partitions") or 1)
    gaps = cdf_gaps(
        values.sparkSession,
        values,
        {p.col.name: p.col.sizes for p in plans if p.need == "cdf"},
        buckets,
    )
    # Wasserstein's norm: the reference's standard deviation from exactly rounded sums
    # over the value table, as the local engine computes it (app.drift.exact.exact_std).
    stds = exact_stds(values, {p.col.name: p.col.n_ref for p in plans if p.method == "wasserstein"})
    out = []
    for p in plans:
        name, col = p.col.name, p.col
        if p.need == "counts":
            col.table = counts[name]
            score = STATTESTS[p.method](col, p.kind)
        elif p.need == "key_bins":
            assert p.edges is not None
            score = hellinger_histograms(p.edges, *bins[name])
        elif p.need == "data_bins":
            col.table = (np.arange(len(bins[name][0])), *bins[name])
            score = STATTESTS[p.method](col, "categorical")
        elif p.method == "ks":
            g = gaps[name]
            at = g.low if min(max(-g.low_diff, 0.0), 1.0) > g.high_diff else g.high
            score = ks_p_value(col.n_ref, col.n_cur, at)
        else:
            score = gaps[name].area / max(stds[name], 0.001)
        out.append(
            ColumnDrift(
                column=name,
                kind=p.kind,
                method=p.method,
                score=float(score),
                threshold=p.threshold,
                drifted=redecide(float(score), p.method, p.threshold),
                p_value_test=get_method(p.method).family == "p_value",
            )
        )
    return out
