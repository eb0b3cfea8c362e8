"""The Spark jobs behind the exact drift engine: counts, histograms, cumulative counts.

Every job returns small aggregates to the driver (one row per column, per bin,
per range bucket or per category), never the rows themselves. All columns are
measured together: each side is unpivoted once into ``(column, num, key)``
(``num`` for numeric and boolean columns as a double, ``key`` for strings) and
grouped into the *value table*: one row per distinct value of each column with
its reference and current counts. Everything else reads that table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# Below this many distinct values of a column the (value, ref, cur) counts may be
# collected (categories, few-valued numbers); larger ones are only aggregated.
C, NUM, KEY, REF, CUR = "c", "num", "key", "ref", "cur"


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
    std: float | None  # population standard deviation of the finite values (numerics)


def side_stats(
    frame: DataFrame, columns: Mapping[str, str], with_std: bool
) -> dict[str, SideStats]:
    """``columns`` maps a name to its type class (float/int/bool/string/other); one job."""
    from pyspark.sql import functions as F

    exprs = [F.count(F.lit(1)).alias("__rows")]
    for i, (name, cls) in enumerate(columns.items()):
        col = F.col(quoted(name))
        exprs.append(F.count(col).alias(f"n{i}"))
        if cls in ("float", "int", "bool", "string"):
            ok = finite(col, cls == "float")
            exprs.append(F.count(F.when(ok, 1)).alias(f"f{i}"))
            if with_std and cls in ("float", "int", "bool"):
                exprs.append(F.stddev_pop(F.when(ok, col.cast("double"))).alias(f"s{i}"))
    row = frame.agg(*exprs).collect()[0].asDict()
    out = {}
    for i, name in enumerate(columns):
        std = row.get(f"s{i}")
        out[name] = SideStats(
            row["__rows"], row[f"n{i}"], row.get(f"f{i}", 0), None if std is None else float(std)
        )
    return out


def value_table(
    reference: DataFrame,
    current: DataFrame,
    ref_classes: Mapping[str, str],
    cur_classes: Mapping[str, str],
) -> DataFrame:
    """One row per distinct finite value per column: ``(c, num, key, ref, cur)`` counts.

    Strings go to ``key``; numbers and booleans to ``num`` as doubles (exact for
    integers up to 2**53).
    """
    from pyspark.sql import functions as F

    def long(frame: DataFrame, classes: Mapping[str, str], side: str) -> DataFrame:
        cells = []
        for name, cls in classes.items():
            col = F.col(quoted(name))
            num = F.lit(None).cast("double") if cls == "string" else col.cast("double")
            key = col.cast("string") if cls == "string" else F.lit(None).cast("string")
            cell = F.struct(F.lit(name).alias(C), num.alias(NUM), key.alias(KEY))
            cells.append(F.when(finite(col, cls == "float"), cell))
        exploded = frame.select(F.explode(F.array(*cells)).alias("v"))
        flags = (F.lit(int(side == REF)).alias(REF), F.lit(int(side == CUR)).alias(CUR))
        return exploded.where(F.col("v").isNotNull()).select("v.*", *flags)

    if not ref_classes:
        schema = f"{C} string, {NUM} double, {KEY} string, {REF} long, {CUR} long"
        return reference.sparkSession.createDataFrame([], schema)
    both = long(reference, ref_classes, REF).unionByName(long(current, cur_classes, CUR))
    return both.groupBy(C, NUM, KEY).agg(F.sum(REF).alias(REF), F.sum(CUR).alias(CUR))


@dataclass(frozen=True)
class Distinct:
    """Exact distinct counts of one column over the value table, and its numeric range."""

    union: int
    ref: int
    cur: int
    lo: float | None
    hi: float | None


def distinct_counts(values: DataFrame) -> dict[str, Distinct]:
    from pyspark.sql import functions as F

    rows = (
        values.groupBy(C)
        .agg(
            F.count(F.lit(1)).alias("u"),
            F.count(F.when(F.col(REF) > 0, 1)).alias("r"),
            F.count(F.when(F.col(CUR) > 0, 1)).alias("k"),
            F.min(NUM).alias("lo"),
            F.max(NUM).alias("hi"),
        )
        .collect()
    )
    return {r[C]: Distinct(r["u"], r["r"], r["k"], r["lo"], r["hi"]) for r in rows}


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


def by_column(exprs: Mapping[str, Column]) -> Column:
    """One expression that evaluates ``exprs[c]`` on the value table's rows of column ``c``."""
    from pyspark.sql import functions as F

    items = iter(exprs.items())
    name, expr = next(items)
    out = F.when(F.col(C) == name, expr)
    for name, expr in items:
        out = out.when(F.col(C) == name, expr)
    return out


def _bin_index(edges: np.ndarray) -> Column:
    """``np.histogram``'s bin of ``num`` for these edges: half-open bins, the last one closed."""
    from pyspark.sql import functions as F

    index = F.lit(0)
    for edge in edges[1:-1]:
        index = index + F.when(F.col(NUM) >= F.lit(float(edge)), 1).otherwise(0)
    return index


def histograms(
    values: DataFrame, edges: Mapping[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each side's count per bin (empty bins included) for each column's ``edges``; one job."""
    from pyspark.sql import functions as F

    if not edges:
        return {}
    bins = by_column({name: _bin_index(e) for name, e in edges.items()})
    rows = (
        values.where(F.col(C).isin(list(edges)))
        .withColumn("bin", bins)
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
