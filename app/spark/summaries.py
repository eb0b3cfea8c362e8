"""Per-window summaries of lake windows on Spark: the counts the pages draw, from group-bys.

The values of :mod:`app.production.summaries` (same bins, same rules), built
from aggregates so that a lake window draws exactly like a local one:

* column counts on the reference's basis: numerical bins from the reference's
  finite min and max (:func:`app.production.summaries.numeric_edges`), a
  value's bin counted as ``searchsorted(edges, v, "right") - 1`` (the last bin
  closed); categorical values counted per window and kept as
  :func:`app.production.summaries.category_counts_from` keeps them;
* confusion counts (label truncated to an integer, 0/1 only; score ≥ 0.5);
* residual counts: each window's edges from its own min and max (computed on
  the driver from one aggregate), the grid counted on Spark.

One row per (window, column, bin or category) is collected, never a row of data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from app.production.summaries import (
    CATEGORICAL,
    CONFUSION,
    MAX_BINS,
    NUMERICAL,
    RESIDUALS,
    Basis,
    ConfusionCounts,
    NumericCounts,
    ResidualCounts,
    Summary,
    category_counts_from,
    numeric_edges,
)

Summaries = dict[tuple[str, str], Summary]


def _finite(column: Column) -> Column:
    return column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))


_MISSING, _BELOW, _ABOVE = -3, -1, -2  # a value's code when it is in no bin


def _bin(value: Column, edges: Sequence[float]) -> Column:
    """``min(searchsorted(edges, value, side="right") - 1, len(edges) - 2)``."""
    found = F.size(F.filter(F.array(*(F.lit(float(e)) for e in edges)), lambda e: value >= e))
    return F.least(found - 1, F.lit(len(edges) - 2))


def _value_counts(rows: DataFrame, columns: Sequence[str]) -> DataFrame:
    pairs = F.array(
        *(
            F.struct(F.lit(c).alias("column"), F.col(f"`{c}`").cast("string").alias("value"))
            for c in columns
        )
    )
    long = rows.select("_window", F.explode(pairs).alias("pair"))
    long = long.select("_window", "pair.column", "pair.value").where(F.col("value").isNotNull())
    return long.groupBy("_window", "column", "value").count()


def basis(reference: DataFrame, kinds: Mapping[str, str]) -> Basis:
    """:func:`app.production.summaries.basis_of` of a reference on Spark."""
    numerical = [c for c, k in kinds.items() if k == NUMERICAL and c in reference.columns]
    categorical = [c for c, k in kinds.items() if k == CATEGORICAL and c in reference.columns]
    edges: dict[str, tuple[float, ...]] = {}
    if numerical:
        aggregates = []
        for i, name in enumerate(numerical):
            finite = F.when(_finite(F.col(f"`{name}`")), F.col(f"`{name}`"))
            aggregates += [F.min(finite).alias(f"lo{i}"), F.max(finite).alias(f"hi{i}")]
        row = reference.agg(*aggregates).first()
        assert row is not None
        for i, name in enumerate(numerical):
            if row[f"lo{i}"] is not None:
                edges[name] = numeric_edges(float(row[f"lo{i}"]), float(row[f"hi{i}"]))
    keep: dict[str, tuple[str, ...]] = {}
    if categorical:
        counts: dict[str, dict[str, int]] = {c: {} for c in categorical}
        keyed = reference.withColumn("_window", F.lit(""))
        for r in _value_counts(keyed, categorical).collect():
            counts[r["column"]][r["value"]] = int(r["count"])
        keep = {c: tuple(category_counts_from(counts[c], 0).counts) for c in categorical}
    used = {c: k for c, k in kinds.items() if c in edges or c in keep}
    return Basis(used, edges, keep)


def column_summaries(rows: DataFrame, found: Basis) -> dict[str, Summaries]:
    """:func:`app.production.summaries.column_summaries` of every window in ``rows``."""
    columns = [c for c in found.kinds if c in rows.columns]
    numerical = [c for c in columns if found.kinds[c] == NUMERICAL]
    categorical = [c for c in columns if found.kinds[c] == CATEGORICAL]
    # Each row's bin once per column (a projection the aggregates only compare): counting
    # with the bin expression inside every bin's aggregate evaluated it bins x columns times.
    binned: list[Column] = [F.col("_window")]
    for i, name in enumerate(numerical):
        value, edges = F.col(f"`{name}`").cast("double"), found.edges[name]
        code = (
            F.when(~_finite(value), F.lit(_MISSING))
            .when(value < edges[0], F.lit(_BELOW))
            .when(value > edges[-1], F.lit(_ABOVE))
            .otherwise(_bin(value, edges))
        )
        binned.append(code.alias(f"_b{i}"))
    binned += [F.col(f"`{name}`").alias(f"_c{i}") for i, name in enumerate(categorical)]
    aggregates: list[Column] = [F.count(F.lit(1)).alias("n")]
    for i, name in enumerate(numerical):
        code = F.col(f"_b{i}")
        bins = range(len(found.edges[name]) - 1)
        aggregates += [F.count_if(code == b).alias(f"c{i}_{b}") for b in bins]
        aggregates += [
            F.count_if(code == _BELOW).alias(f"below{i}"),
            F.count_if(code == _ABOVE).alias(f"above{i}"),
            F.count_if(code != _MISSING).alias(f"finite{i}"),
        ]
    for i in range(len(categorical)):
        aggregates.append(F.count(F.col(f"_c{i}")).alias(f"present{i}"))
    results: dict[str, Summaries] = {}
    totals = {}
    for r in rows.select(*binned).groupBy("_window").agg(*aggregates).collect():
        key, n = r["_window"], int(r["n"])
        totals[key] = r
        found_here: Summaries = {}
        for i, name in enumerate(numerical):
            edges = found.edges[name]
            counts = tuple(int(r[f"c{i}_{b}"]) for b in range(len(edges) - 1))
            missing = n - int(r[f"finite{i}"])
            found_here[(NUMERICAL, name)] = NumericCounts(
                edges, counts, int(r[f"below{i}"]), int(r[f"above{i}"]), missing
            )
        results[key] = found_here
    if categorical:
        values: dict[tuple[str, str], dict[str, int]] = {}
        for r in _value_counts(rows, categorical).collect():
            values.setdefault((r["_window"], r["column"]), {})[r["value"]] = int(r["count"])
        for key, r in totals.items():
            for i, name in enumerate(categorical):
                missing = int(r["n"]) - int(r[f"present{i}"])
                results[key][(CATEGORICAL, name)] = category_counts_from(
                    values.get((key, name), {}), missing, found.keep[name]
                )
    return results


def performance_summaries(rows: DataFrame) -> dict[str, Summaries]:
    """:func:`app.production.summaries.performance_summaries` of every window in ``rows``."""
    label, prediction = F.col("label"), F.col("prediction")
    both = _finite(label) & prediction.isNotNull() & ~F.isnan(prediction)
    actual = label.cast("long")
    predicted = prediction >= 0.5
    cells = [
        F.count_if(both & (actual == a) & (predicted if p else ~predicted)).alias(f"m{a}{p}")
        for a in (0, 1)
        for p in (0, 1)
    ]
    finite = _finite(label) & _finite(prediction)
    residual = label - prediction
    spans = rows.groupBy("_window").agg(
        *cells,
        F.count_if(finite).alias("rows"),
        F.min(F.when(finite, prediction)).alias("p_lo"),
        F.max(F.when(finite, prediction)).alias("p_hi"),
        F.min(F.when(finite, residual)).alias("r_lo"),
        F.max(F.when(finite, residual)).alias("r_hi"),
        F.avg(F.when(finite, residual)).alias("mean"),
    )
    results: dict[str, Summaries] = {}
    edges: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    means: dict[str, tuple[int, float]] = {}
    for r in spans.collect():
        key = r["_window"]
        confusion = ((int(r["m00"]), int(r["m01"])), (int(r["m10"]), int(r["m11"])))
        results[key] = {(CONFUSION, ""): ConfusionCounts(confusion)}
        if r["rows"]:
            edges[key] = (
                numeric_edges(float(r["p_lo"]), float(r["p_hi"])),
                numeric_edges(float(r["r_lo"]), float(r["r_hi"])),
            )
            means[key] = (int(r["rows"]), float(r["mean"]))
    if not edges:
        return results
    table = rows.sparkSession.createDataFrame(
        [(key, list(p), list(r)) for key, (p, r) in edges.items()],
        "_window string, pe array<double>, re array<double>",
    )
    last = F.lit(MAX_BINS - 1)
    p_bin = F.least(F.size(F.filter("pe", lambda e: prediction >= e)) - 1, last)
    r_bin = F.least(F.size(F.filter("re", lambda e: residual >= e)) - 1, last)
    joined = rows.where(finite).join(F.broadcast(table), "_window")
    grid = joined.groupBy("_window", p_bin.alias("i"), r_bin.alias("j")).count()
    counts = {key: [[0] * MAX_BINS for _ in range(MAX_BINS)] for key in edges}
    for cell in grid.collect():  # at most MAX_BINS² rows per window
        counts[cell["_window"]][int(cell["i"])][int(cell["j"])] = int(cell["count"])
    for key, (p_edges, r_edges) in edges.items():
        n, mean = means[key]
        grid_of = tuple(tuple(row) for row in counts[key])
        results[key][(RESIDUALS, "")] = ResidualCounts(p_edges, r_edges, grid_of, n, mean)
    return results
