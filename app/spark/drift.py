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
:mod:`app.spark.cdf_passes`), so every score is the local engine's float and
``tandem drift`` prints the same JSON with either engine.

Nothing collects rows, with one exception: a free-text column (Evidently's
``text`` kind, which a classifier tests on the texts themselves) is handed to
the local engine on its values, up to ``TEXT_ROWS_LIMIT`` a side.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.drift.columns import DRIFT_KINDS, INTEGER_CARDINALITY_LIMIT, DriftInputError
from app.drift.engine import CORRECTIONS, PerColumn, _correct
from app.drift.methods import get_method
from app.drift.report import ColumnDrift, DriftReport, SkippedColumn
from app.spark import aggregates as agg
from app.spark.counted import counted
from app.spark.drift_plans import Plan, plan, score

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["spark_drift", "spark_drift_windows", "type_class"]

logger = logging.getLogger(__name__)


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
    options = _Options(column_kinds, method, threshold, per_column)
    _check(options, correction)
    skipped: list[SkippedColumn] = []
    if columns is None:
        names = [c for c in current.columns if c in reference.columns]
        skipped += [SkippedColumn(c, "not in reference") for c in current.columns if c not in names]
        skipped += [SkippedColumn(c, "not in current") for c in reference.columns if c not in names]
    else:
        names = list(columns)
    if not names:
        raise DriftInputError("reference and current data have no column in common")
    found = _measure(reference, current, None, {"": names}, options)[""]
    if isinstance(found, DriftInputError):
        raise found
    return _report(names, found, skipped, drift_share, correction)


def spark_drift_windows(
    reference: DataFrame,
    current: DataFrame,
    windows: Mapping[str, Sequence[str]],
    *,
    window_column: str = "_window",
    column_kinds: Mapping[str, str] | None = None,
    method: str | None = None,
    threshold: float | None = None,
    per_column: PerColumn | None = None,
    drift_share: float = 0.5,
    correction: str | None = None,
) -> dict[str, DriftReport | DriftInputError]:
    """:func:`spark_drift` of each window of ``current`` against the same ``reference``, in
    one set of jobs for all windows and columns (not a set per window).

    ``windows`` maps a value of ``current[window_column]`` to the columns to test in that
    window. Each window gets the report ``spark_drift`` would return for its rows, or the
    :class:`DriftInputError` it would raise; an error that concerns every window (an
    unknown method, a column in one side only, types that differ) is raised.
    """
    options = _Options(column_kinds, method, threshold, per_column)
    _check(options, correction)
    ending = (drift_share, correction)
    return {
        w: found if isinstance(found, DriftInputError) else _report(windows[w], found, [], *ending)
        for w, found in _measure(reference, current, window_column, windows, options).items()
    }


@dataclass(frozen=True)
class _Options:
    """The caller's choices, as ``compute_drift`` takes them."""

    column_kinds: Mapping[str, str] | None
    method: str | None
    threshold: float | None
    per_column: PerColumn | None

    def kind(self, name: str) -> str | None:
        return (self.column_kinds or {}).get(name)

    def choice(self, name: str) -> tuple[str | None, float | None]:
        col_method, col_threshold = (self.per_column or {}).get(name, (None, None))
        return (
            col_method or self.method,
            col_threshold if col_threshold is not None else self.threshold,
        )


def _check(options: _Options, correction: str | None) -> None:
    for name, kind in (options.column_kinds or {}).items():
        if kind not in (*DRIFT_KINDS, "text"):
            raise DriftInputError(
                f"column {name!r}: kind must be numerical or categorical, not {kind!r}"
            )
    for m in [options.method, *(m for m, _ in (options.per_column or {}).values())]:
        if m is not None:
            get_method(m)
    if correction is not None and correction not in CORRECTIONS:
        raise DriftInputError(f"unknown correction {correction!r}; available: {CORRECTIONS}")


Outcome = dict[str, ColumnDrift | SkippedColumn]


def _measure(
    reference: DataFrame,
    current: DataFrame,
    window_column: str | None,
    windows: Mapping[str, Sequence[str]],
    options: _Options,
) -> dict[str, Outcome | DriftInputError]:
    """Every window's outcome per column, from one set of jobs (``window_column`` None: all
    of ``current`` is the one window)."""
    from pyspark.sql import functions as F

    names = list(dict.fromkeys(n for cols in windows.values() for n in cols))
    for name in names:
        if name not in reference.columns or name not in current.columns:
            raise DriftInputError(f"column {name!r} is not in both reference and current data")
    ref_types = {f.name: type_class(f.dataType) for f in reference.schema.fields}
    cur_types = {f.name: type_class(f.dataType) for f in current.schema.fields}
    for name in names:
        pair = {ref_types[name], cur_types[name]}
        if len(pair) > 1 and not pair <= NUMBERS:
            raise DriftInputError(
                f"column {name!r} is {ref_types[name]} in the reference data "
                f"but {cur_types[name]} in the current data"
            )
    if window_column is not None:
        current = current.where(F.col(agg.quoted(window_column)).isin(list(windows)))
    ref_stats = agg.side_stats(reference, {n: ref_types[n] for n in names}, None)[""]
    cur_stats = agg.side_stats(current, {n: cur_types[n] for n in names}, window_column)
    valued = [n for n in names if cur_types[n] in VALUED]
    cells = {
        n: ref_stats[n].finite + sum(s[n].finite for s in cur_stats.values() if n in s)
        for n in valued
    }
    values = agg.value_table(
        reference,
        current,
        ({n: ref_types[n] for n in valued}, {n: cur_types[n] for n in valued}),
        window_column,
        list(windows),
        agg.alone_from(cells),
    ).persist()
    out: dict[str, Outcome | DriftInputError] = {}
    texts: dict[str, list[str]] = {}
    try:
        buckets = int(values.sparkSession.conf.get("spark.sql.shuffle.partitions") or 1)
        distinct = agg.distinct_counts(values, buckets) if valued else {}
        plans: list[Plan] = []
        for window, columns in windows.items():
            found = _window_plans(
                window, columns, (ref_types, cur_types), ref_stats, cur_stats, distinct, options
            )
            if isinstance(found, DriftInputError):
                out[window] = found
                continue
            out[window], mine, texts[window] = found
            plans += mine
        cuts = {key: d.cuts for key, d in distinct.items()}
        scored = score(values, plans, cuts) if plans else {}
    finally:
        values.unpersist()
    for p in plans:
        window = agg.cell_window(p.col.name)
        outcome = out[window]
        assert not isinstance(outcome, DriftInputError)
        outcome[p.column] = scored[p.col.name]
    for window, names_of_text in texts.items():
        outcome = out[window]
        if names_of_text and not isinstance(outcome, DriftInputError):
            rows = current
            if window_column is not None:
                rows = current.where(F.col(agg.quoted(window_column)) == window)
            outcome.update(_text_columns(reference, rows, names_of_text, options))
    return out


def _window_plans(
    window: str,
    columns: Sequence[str],
    types: tuple[Mapping[str, str], Mapping[str, str]],
    ref_stats: Mapping[str, agg.SideStats],
    cur_stats: Mapping[str, Mapping[str, agg.SideStats]],
    distinct: Mapping[str, agg.Distinct],
    options: _Options,
) -> tuple[Outcome, list[Plan], list[str]] | DriftInputError:
    """One window's plans (skipped columns and text columns aside), or the error that
    ``compute_drift`` would raise for it, checking columns in the same order."""
    ref_types, cur_types = types
    outcome: Outcome = {}
    plans: list[Plan] = []
    texts: list[str] = []
    mine = cur_stats.get(window, {})
    try:
        for name in columns:
            key = agg.cell_key(window, name)
            stats = mine.get(name, agg.NO_ROWS)
            ref_cls = _pandas_class(ref_types[name], ref_stats[name])
            cur_cls = _pandas_class(cur_types[name], stats)
            kind = options.kind(name) or _infer_kind(cur_cls, stats, distinct.get(key))
            if kind == "text":
                texts.append(name)
                continue
            if kind not in DRIFT_KINDS:
                outcome[name] = SkippedColumn(name, f"{kind} column")
                continue
            col_method, col_threshold = options.choice(name)
            col = counted(
                key,
                cur_types[name] != "string",
                ref_cls in INTEGERS and cur_cls in INTEGERS,
                (ref_stats[name].finite, stats.finite),
                _distinct_pair(distinct.get(key)),
            )
            plans.append(plan(name, kind, col_method, col_threshold, col, distinct.get(key)))
    except DriftInputError as error:
        return error
    return outcome, plans, texts


def _report(
    names: Sequence[str],
    outcome: Outcome,
    skipped: list[SkippedColumn],
    drift_share: float,
    correction: str | None,
) -> DriftReport:
    results = [o for o in (outcome[n] for n in names) if isinstance(o, ColumnDrift)]
    skipped = skipped + [o for o in (outcome[n] for n in names) if isinstance(o, SkippedColumn)]
    if correction == "bh":
        results = _correct(results, correction)
    for s in skipped:
        logger.info("drift: skipped column %r (%s)", s.column, s.reason)
    return DriftReport(tuple(results), float(drift_share), tuple(skipped), correction)


def _text_columns(
    reference: DataFrame,
    current: DataFrame,
    names: list[str],
    options: _Options,
) -> Outcome:
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
        column_kinds={n: k for n, k in (options.column_kinds or {}).items() if n in names},
        method=options.method,
        threshold=options.threshold,
        per_column={n: v for n, v in (options.per_column or {}).items() if n in names},
    )
    return {**{c.column: c for c in report.columns}, **{s.column: s for s in report.skipped}}


TEXT_ROWS_LIMIT = 1_000_000
NUMBERS = {"float", "int", "bool"}
INTEGERS = ("int", "bool")  # NumPy's histogram rule for integer data holds for both
VALUED = ("float", "int", "bool", "string")


def _distinct_pair(d: agg.Distinct | None) -> tuple[int, int]:
    return (d.union, d.ref) if d is not None else (0, 0)
