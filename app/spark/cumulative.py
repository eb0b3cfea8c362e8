"""Exact KS and Wasserstein inputs from cumulative counts, over range buckets with offsets.

Both statistics read the two empirical CDFs at every distinct value of the
union. The value table is split into range buckets per column (boundaries
from ``percentile_approx``: they only balance the work, the result does not
depend on them); the driver collects each bucket's totals and turns them into
the counts *before* the bucket (its offsets) and the bucket's successor value.
A window partitioned by (column, bucket) then gives every distinct value its
exact cumulative counts, so no task ever holds more than one bucket and no
window runs over a whole column.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.spark.aggregates import CUR, NUM, REF, C, count_at_or_below, lookup
from app.spark.exact_sums import exact_sum_sets

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession


@dataclass(frozen=True)
class CdfGaps:
    """For one column: where ``F_ref - F_cur`` is largest and smallest, and the L1 area.

    ``high``/``low`` are the cumulative (reference, current) counts at the
    first... any distinct value where the difference peaks; ``area`` is
    ``sum |F_ref(x_k) - F_cur(x_k)| * (x_{k+1} - x_k)`` over the distinct values, summed
    exactly (:mod:`app.spark.exact_sums`): the local engine's float.
    """

    high: tuple[int, int]
    high_diff: float
    low: tuple[int, int]
    low_diff: float
    area: float
    ref_sum: float = 0.0  # the exact sum of reference values, if asked for (else 0)


def cdf_gaps(
    spark: SparkSession,
    values: DataFrame,
    sizes: Mapping[str, tuple[int, int]],
    buckets: int,
    ref_sums: Collection[str] = (),
) -> dict[str, CdfGaps]:
    """``sizes[name] = (n_ref, n_cur)`` for each column to measure; four small jobs.

    ``ref_sums``: columns (of ``sizes``) whose exactly rounded sum of reference values
    (the first of Wasserstein's two standard deviation sums) to find in the same pass of
    Python workers as the areas."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if not sizes:
        return {}
    names = list(sizes)
    table = values.where(F.col(C).isin(names))
    boundaries: dict[str, list[float]] = {n: [] for n in names}
    if buckets > 1:
        probs = [i / buckets for i in range(1, buckets)]
        for r in table.groupBy(C).agg(F.percentile_approx(NUM, probs).alias("q")).collect():
            boundaries[r[C]] = sorted({float(q) for q in r["q"]})
    # The range bucket of ``num``: how many of its column's boundaries lie at or below it.
    cuts = [(n, b) for n, b in boundaries.items()]
    table = (
        lookup(table, cuts, "cuts array<double>")
        .withColumn("bucket", count_at_or_below("cuts", NUM))
        .drop("cuts")
    )
    totals = (
        table.groupBy(C, "bucket")
        .agg(F.sum(REF).alias(REF), F.sum(CUR).alias(CUR), F.min(NUM).alias("first"))
        .collect()
    )
    offsets = []
    by_name: dict[str, list[Row]] = {n: [] for n in names}
    for r in totals:
        by_name[r[C]].append(r)
    for name in names:
        rows = sorted(by_name[name], key=lambda r: r["bucket"])
        before_ref = before_cur = 0
        for i, r in enumerate(rows):
            following = rows[i + 1]["first"] if i + 1 < len(rows) else None
            n_ref, n_cur = sizes[name]
            offsets.append((name, r["bucket"], before_ref, before_cur, following, n_ref, n_cur))
            before_ref += r[REF]
            before_cur += r[CUR]
    starts = spark.createDataFrame(
        offsets,
        f"{C} string, bucket int, off_ref long, off_cur long, following double, "
        "n_ref long, n_cur long",
    )
    window = Window.partitionBy(C, "bucket").orderBy(NUM)
    running = window.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    cum = table.join(F.broadcast(starts), [C, "bucket"]).select(
        C,
        (F.sum(REF).over(running) + F.col("off_ref")).alias("cr"),
        (F.sum(CUR).over(running) + F.col("off_cur")).alias("cc"),
        (F.coalesce(F.lead(NUM).over(window), F.col("following")) - F.col(NUM)).alias("gap"),
        "n_ref",
        "n_cur",
        NUM,
        REF,
    )
    diff = F.col("cr") / F.col("n_ref") - F.col("cc") / F.col("n_cur")
    counts = F.struct(F.col("cr"), F.col("cc"))
    cum = cum.withColumn("d", diff).persist()
    try:
        rows = (
            cum.groupBy(C)
            .agg(
                F.max("d").alias("hi"),
                F.max_by(counts, "d").alias("at_hi"),
                F.min("d").alias("lo"),
                F.min_by(counts, "d").alias("at_lo"),
            )
            .collect()
        )
        # The local engine's terms, summed exactly: the same float (app.drift.exact).
        area_term = F.abs(F.col("d")) * F.coalesce(F.col("gap"), F.lit(0.0))
        summed = [n for n in names if n in ref_sums]
        area, ref_sum = exact_sum_sets(
            cum, [(names, area_term, None), (summed, F.col(NUM), F.col(REF))]
        )
    finally:
        cum.unpersist()
    return {
        r[C]: CdfGaps(
            (r["at_hi"]["cr"], r["at_hi"]["cc"]),
            r["hi"],
            (r["at_lo"]["cr"], r["at_lo"]["cc"]),
            r["lo"],
            area[r[C]],
            ref_sum.get(r[C], 0.0),
        )
        for r in rows
    }
