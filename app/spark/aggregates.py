"""The Spark jobs behind the exact drift engine: counts, histograms, cumulative counts.

Every job returns small aggregates to the driver (one row per column, per bin,
per range bucket or per category), never the rows themselves. All columns are
measured together in the *value table*: one row per distinct value of each
column (and window) with its reference and current counts, ``(c, num, key, ref,
cur)`` (``num`` for numeric and boolean columns as a double, ``key`` for
strings). Everything else reads that table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# Below this many distinct values of a column the (value, ref, cur) counts may be
# collected (categories, few-valued numbers); larger ones are only aggregated.
C, NUM, KEY, REF, CUR = "c", "num", "key", "ref", "cur"
WINDOW, VALUE = "w", "v"  # a column grouped alone: its window and value


def quoted(name: str) -> str:
    """A column name as Spark SQL reads it literally (dots and spaces included)."""
    return "`" + name.replace("`", "``") + "`"


def finite(column: Column, floating: bool) -> Column:
    """Not null, and for floating columns not NaN or ±inf (Evidently's missing values)."""
    from pyspark.sql import functions as F

    present = column.isNotNull()
    if floating:
        present = present & ~F.isnan(column) & (F.abs(column) != float("inf"))
    return present


@dataclass(frozen=True)
class SideStats:
    """One side's counts for one column: rows, non-null values, finite values."""

    rows: int
    non_null: int
    finite: int
    std: float | None  # population standard deviation of the finite values (not measured)


NO_ROWS = SideStats(0, 0, 0, None)
SEP = "\x1f"  # between a window and a column name in a cell key (never in a window's key)


def cell_key(window: str, column: str) -> str:
    """The value table's key (its ``c``) of one column in one window."""
    return f"{window}{SEP}{column}"


def cell_window(key: str) -> str:
    return key.split(SEP, 1)[0]


def side_stats(
    frame: DataFrame, columns: Mapping[str, str], by: str | None
) -> dict[str, dict[str, SideStats]]:
    """``columns`` maps a name to its type class (float/int/bool/string/other); one job.

    Keyed by the value of column ``by`` (each window's counts), or ``""`` for the whole
    frame when ``by`` is None.
    """
    from pyspark.sql import functions as F

    exprs = [F.count(F.lit(1)).alias("__rows")]
    for i, (name, cls) in enumerate(columns.items()):
        col = F.col(quoted(name))
        exprs.append(F.count(col).alias(f"n{i}"))
        if cls in ("float", "int", "bool", "string"):
            exprs.append(F.count(F.when(finite(col, cls == "float"), 1)).alias(f"f{i}"))
    if by is None:
        rows = [("", frame.agg(*exprs).collect()[0].asDict())]
    else:
        grouped = frame.groupBy(F.col(quoted(by)).alias("__by")).agg(*exprs).collect()
        rows = [(r["__by"], r.asDict()) for r in grouped]
    return {
        window: {
            name: SideStats(row["__rows"], row[f"n{i}"], row.get(f"f{i}", 0), None)
            for i, name in enumerate(columns)
        }
        for window, row in rows
    }


def value_table(
    reference: DataFrame,
    current: DataFrame,
    classes: tuple[Mapping[str, str], Mapping[str, str]],
    by: str | None,
    windows: Sequence[str],
    alone: Collection[str] = (),
) -> DataFrame:
    """One row per distinct finite value per column and window: ``(c, num, key, ref, cur)``.

    ``c`` is the cell key (:func:`cell_key`) of the column in each of ``windows``: the
    current rows' window is their column ``by`` (all of them are ``windows[0]`` when ``by``
    is None); the reference's counts repeat in every window. Strings go to ``key``;
    numbers and booleans to ``num`` as doubles (exact for integers up to 2**53).

    Two plans, the same rows. The columns in ``alone`` are grouped each on its own
    (:func:`_column_values`): grouping on one value (a double, for numbers) lets Spark's
    generated code count in its fast hash map of primitive keys, twice as fast per cell
    as the shared plan, but each such column costs a stage (about 0.2 s even when it is
    tiny). The other columns share one stage: every cell unpivoted into
    ``(c, num, key)`` and grouped together. :func:`alone_from` chooses.
    """
    from functools import reduce

    from pyspark.sql import functions as F

    ref_classes, cur_classes = classes
    empty = f"{C} string, {NUM} double, {KEY} string, {REF} long, {CUR} long"
    keys = None  # every window, for the reference's counts to repeat in
    if len(windows) > 1:
        keys = reference.sparkSession.createDataFrame([(w,) for w in windows], f"{WINDOW} string")
    shared = [n for n in ref_classes if n not in alone]
    parts = []
    if shared:
        parts.append(_shared_values(reference, current, classes, by, windows, keys, shared))
    window = F.lit(windows[0]) if by is None else F.col(quoted(by))
    prefix = F.col(WINDOW) if keys is not None else F.lit(windows[0])
    parts += [
        _column_values(
            (reference, current),
            name,
            (ref_classes[name], cur_classes[name]),
            window,
            keys,
        ).select(
            F.concat(prefix, F.lit(SEP + name)).alias(C),
            NUM,
            KEY,
            REF,
            CUR,
        )
        for name in ref_classes
        if name in alone
    ]
    if not parts:
        return reference.sparkSession.createDataFrame([], empty)
    return reduce(lambda a, b: a.union(b), parts)


# A column with at least this many finite cells (reference and current together) is
# grouped on its own. Measured on 2 cores: the shared plan costs ~0.35 us more task
# time per cell (~0.17 us of wall time), a stage of its own ~0.2 s; even near 1 M cells.
ALONE_FROM = 1_000_000


def alone_from(cells: Mapping[str, int], threshold: int | None = None) -> set[str]:
    """The columns (of ``cells``: name -> finite cells) worth a stage of their own."""
    limit = ALONE_FROM if threshold is None else threshold
    return {name for name, n in cells.items() if n >= limit}


def _shared_values(
    reference: DataFrame,
    current: DataFrame,
    classes: tuple[Mapping[str, str], Mapping[str, str]],
    by: str | None,
    windows: Sequence[str],
    keys: DataFrame | None,
    names: Sequence[str],
) -> DataFrame:
    """:func:`value_table`'s rows of ``names``, every cell unpivoted and grouped at once."""
    from pyspark.sql import functions as F

    ref_classes = {n: classes[0][n] for n in names}
    cur_classes = {n: classes[1][n] for n in names}

    def long(frame: DataFrame, classes: Mapping[str, str], side: str, window: Column) -> DataFrame:
        cells = []
        for name, cls in classes.items():
            col = F.col(quoted(name))
            num = F.lit(None).cast("double") if cls == "string" else col.cast("double")
            key = col.cast("string") if cls == "string" else F.lit(None).cast("string")
            c = F.concat(window, F.lit(SEP + name))
            cell = F.struct(c.alias(C), num.alias(NUM), key.alias(KEY))
            cells.append(F.when(finite(col, cls == "float"), cell))
        exploded = frame.select(F.explode(F.array(*cells)).alias("v"))
        flags = (F.lit(int(side == REF)).alias(REF), F.lit(int(side == CUR)).alias(CUR))
        return exploded.where(F.col("v").isNotNull()).select("v.*", *flags)

    if keys is None:
        ref = long(reference, ref_classes, REF, F.lit(windows[0]))
    else:  # each distinct reference value once, then once per window
        distinct = long(reference, ref_classes, REF, F.lit("")).groupBy(C, NUM, KEY)
        ref = (
            distinct.agg(F.sum(REF).alias(REF), F.sum(CUR).alias(CUR))
            .crossJoin(F.broadcast(keys))
            .select(F.concat(WINDOW, C).alias(C), NUM, KEY, REF, CUR)
        )
    window = F.lit(windows[0]) if by is None else F.col(quoted(by))
    both = ref.unionByName(long(current, cur_classes, CUR, window))
    return both.groupBy(C, NUM, KEY).agg(F.sum(REF).alias(REF), F.sum(CUR).alias(CUR))


def _column_values(
    sides: tuple[DataFrame, DataFrame],
    name: str,
    classes: tuple[str, str],
    window: Column,
    keys: DataFrame | None,
) -> DataFrame:
    """One column's ``(num, key, ref, cur)`` per distinct finite value, and first ``w``, the
    window (``window``: the current rows'), when there are several: ``keys``, every window,
    for the reference's counts to repeat in (None: one window, all the current rows')."""
    from pyspark.sql import functions as F

    reference, current = sides
    col = F.col(quoted(name))
    text = classes[0] == "string"
    value = col.cast("string" if text else "double").alias(VALUE)
    ref_rows = reference.where(finite(col, classes[0] == "float"))
    cur_rows = current.where(finite(col, classes[1] == "float"))
    one, zero = F.lit(1).alias, F.lit(0).alias
    if keys is None:
        ref = ref_rows.select(value, one(REF), zero(CUR))
        cur = cur_rows.select(value, zero(REF), one(CUR))
        by = [VALUE]
    else:  # each distinct reference value counted once, then repeated in every window
        ref = (
            ref_rows.groupBy(value)
            .agg(F.count(F.lit(1)).alias(REF))
            .crossJoin(F.broadcast(keys))
            .select(WINDOW, VALUE, REF, zero(CUR))
        )
        cur = cur_rows.select(window.alias(WINDOW), value, zero(REF), one(CUR))
        by = [WINDOW, VALUE]
    num = F.lit(None).cast("double") if text else F.col(VALUE)
    key = F.col(VALUE) if text else F.lit(None).cast("string")
    return (
        ref.union(cur)
        .groupBy(*by)
        .agg(F.sum(REF).alias(REF), F.sum(CUR).alias(CUR))
        .select(*by[:-1], num.alias(NUM), key.alias(KEY), REF, CUR)
    )


@dataclass(frozen=True)
class Distinct:
    """Exact distinct counts of one column over the value table, and its numeric range."""

    union: int
    ref: int
    cur: int
    lo: float | None
    hi: float | None
    cuts: tuple[float, ...] = ()  # range bucket boundaries (approximate quantiles), if asked


def distinct_counts(values: DataFrame, buckets: int = 1) -> dict[str, Distinct]:
    """Each column's distinct counts and range; with ``buckets`` > 1 also the boundaries of
    that many range buckets of its numbers (``percentile_approx``: they only balance the
    cumulative counts' work, no result depends on them), in the same job."""
    from pyspark.sql import functions as F

    exprs = [
        F.count(F.lit(1)).alias("u"),
        F.count(F.when(F.col(REF) > 0, 1)).alias("r"),
        F.count(F.when(F.col(CUR) > 0, 1)).alias("k"),
        F.min(NUM).alias("lo"),
        F.max(NUM).alias("hi"),
    ]
    if buckets > 1:
        exprs.append(F.percentile_approx(NUM, [i / buckets for i in range(1, buckets)]).alias("q"))
    rows = values.groupBy(C).agg(*exprs).collect()
    return {
        r[C]: Distinct(
            r["u"],
            r["r"],
            r["k"],
            r["lo"],
            r["hi"],
            tuple(sorted({float(q) for q in r["q"] or ()})) if buckets > 1 else (),
        )
        for r in rows
    }


def category_counts(
    values: DataFrame, names: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Sorted keys and each side's count per key, for columns known to have few values."""
    from pyspark.sql import functions as F

    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    if not names:
        return out
    grouped: dict[str, list[tuple[Any, int, int]]] = {n: [] for n in names}
    for r in values.where(F.col(C).isin(list(names))).collect():
        grouped[r[C]].append((r[NUM] if r[KEY] is None else r[KEY], r[REF], r[CUR]))
    for name, items in grouped.items():
        items.sort(key=lambda item: item[0])
        keys = np.asarray([k for k, _, _ in items], dtype=object)
        if items and not isinstance(items[0][0], str):
            keys = keys.astype(np.float64)
        out[name] = (
            keys,
            np.asarray([r for _, r, _ in items], dtype=np.int64),
            np.asarray([c for _, _, c in items], dtype=np.int64),
        )
    return out


def count_at_or_below(cuts: str, value: str) -> Column:
    """How many of the array column ``cuts`` are ``<=`` the column ``value``."""
    from pyspark.sql import functions as F

    return F.size(F.filter(F.col(cuts), lambda cut: cut <= F.col(value)))


def lookup(values: DataFrame, table: Sequence[tuple[Any, ...]], schema: str) -> DataFrame:
    """``values`` joined on ``c`` with a small table of per-cell constants (broadcast)."""
    from pyspark.sql import functions as F

    small = values.sparkSession.createDataFrame(list(table), f"{C} string, {schema}")
    return values.join(F.broadcast(small), C)


def histograms(
    values: DataFrame, edges: Mapping[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each side's count per bin (empty bins included) for each column's ``edges``; one job."""
    from pyspark.sql import functions as F

    if not edges:
        return {}
    # np.histogram's bin: half-open bins, the last one closed (inner edges <= value)
    inner = [(n, [float(x) for x in e[1:-1]]) for n, e in edges.items()]
    rows = (
        lookup(values.where(F.col(C).isin(list(edges))), inner, "edges array<double>")
        .withColumn("bin", count_at_or_below("edges", NUM))
        .groupBy(C, "bin")
        .agg(F.sum(REF).alias(REF), F.sum(CUR).alias(CUR))
        .collect()
    )
    out = {
        n: (np.zeros(len(e) - 1, np.int64), np.zeros(len(e) - 1, np.int64))
        for n, e in edges.items()
    }
    for r in rows:
        out[r[C]][0][r["bin"]] = r[REF]
        out[r[C]][1][r["bin"]] = r[CUR]
    return out
