"""Exact KS and Wasserstein inputs from cumulative counts, over range buckets with offsets.

Both statistics read the two empirical CDFs at every distinct value of the
union. The value table is split into range buckets per column (boundaries
from ``percentile_approx``, found with the distinct counts: they only balance
the work, the result does not depend on them). Two passes of Python workers
(:mod:`app.spark.cdf_passes`), two jobs for all columns: the first gives each
bucket's totals (the driver turns them into the counts *before* the bucket, its
offsets, and its successor value) and the reference's exact sums; the second
takes one whole bucket at a time, so every distinct value gets its exact
cumulative counts, no task ever holds more than one bucket and nothing runs over
a whole column. The same pass sums Wasserstein's area and the reference's
squared deviations exactly (:mod:`app.drift.exact`): the local engine's floats.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.drift.exact import rounded
from app.spark.aggregates import CUR, NUM, REF, C, lookup
from app.spark.cdf_passes import GAPS_SCHEMA, TOTALS_SCHEMA, Start, bucket_gaps, by_value
from app.spark.cdf_passes import bucket_totals as totals_pass

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class CdfGaps:
    """For one column: where ``F_ref - F_cur`` is largest and smallest, and the L1 area.

    ``high``/``low`` are the cumulative (reference, current) counts at a
    distinct value where the difference peaks; ``area`` is
    ``sum |F_ref(x_k) - F_cur(x_k)| * (x_{k+1} - x_k)`` over the distinct values, summed
    exactly: the local engine's float; ``std`` the reference's population standard
    deviation as :func:`app.drift.exact.exact_std` gives it, if asked for (else 0).
    """

    high: tuple[int, int]
    high_diff: float
    low: tuple[int, int]
    low_diff: float
    area: float
    std: float = 0.0


def cdf_gaps(
    values: DataFrame,
    sizes: Mapping[str, tuple[int, int]],
    cuts: Mapping[str, Sequence[float]],
    stds: Collection[str] = (),
) -> dict[str, CdfGaps]:
    """``sizes[name] = (n_ref, n_cur)`` for each column to measure, ``cuts[name]`` its
    range buckets' boundaries (none: one bucket); two jobs.

    ``stds``: columns (of ``sizes``) whose reference standard deviation to compute
    (Wasserstein's norm) in the same two passes."""
    from pyspark.sql import functions as F

    if not sizes:
        return {}
    names = list(sizes)
    by_value()
    table = (
        lookup(
            values.where(F.col(C).isin(names)),
            [(n, i, [float(x) for x in cuts.get(n, ())]) for i, n in enumerate(names)],
            "i int, cuts array<double>",
        )
        # The range bucket of ``num``: how many of its column's boundaries lie at or below it.
        .select(
            "i",
            F.size(F.filter(F.col("cuts"), lambda cut: cut <= F.col(NUM))).alias("bucket"),
            NUM,
            REF,
            CUR,
        )
    )
    summed = {i for i, n in enumerate(names) if n in stds}
    per_bucket: dict[int, list[tuple[int, int, int, float]]] = {i: [] for i in range(len(names))}
    ref_totals = dict.fromkeys(range(len(names)), 0)
    merged: dict[tuple[int, int], list[float]] = {}
    for r in table.mapInPandas(totals_pass(summed), TOTALS_SCHEMA).collect():
        row = merged.setdefault((r["i"], r["bucket"]), [0, 0, math.inf])
        row[0] += r[REF]
        row[1] += r[CUR]
        row[2] = min(row[2], r["first"])
        ref_totals[r["i"]] += int(r["total"])
    for (i, bucket), (ref, cur, first) in merged.items():
        per_bucket[i].append((bucket, int(ref), int(cur), first))
    starts: dict[tuple[int, int], Start] = {}
    for i, name in enumerate(names):
        n_ref, n_cur = sizes[name]
        mean = rounded(ref_totals[i]) / n_ref if i in summed else math.nan
        rows = sorted(per_bucket[i])
        before_ref = before_cur = 0
        for k, (bucket, ref, cur, _) in enumerate(rows):
            following = rows[k + 1][3] if k + 1 < len(rows) else math.nan
            starts[(i, bucket)] = (before_ref, before_cur, following, n_ref, n_cur, mean)
            before_ref += ref
            before_cur += cur
    found = table.groupBy("i", "bucket").applyInPandas(bucket_gaps(starts), GAPS_SCHEMA).collect()
    out: dict[str, CdfGaps] = {}
    for i, name in enumerate(names):
        mine = sorted((r for r in found if r["i"] == i), key=lambda r: r["bucket"])
        if not mine:
            continue
        high = max(mine, key=lambda r: r["hi"])
        low = min(mine, key=lambda r: r["lo"])
        area = rounded(sum(int(r["area"]) for r in mine))
        std = 0.0
        if i in summed:
            std = math.sqrt(rounded(sum(int(r["squares"]) for r in mine)) / sizes[name][0])
        out[name] = CdfGaps(
            (high["hi_cr"], high["hi_cc"]),
            high["hi"],
            (low["lo_cr"], low["lo_cc"]),
            low["lo"],
            area,
            std,
        )
    return out
