"""Exactly rounded sums per column on Spark: the same float as the local engine, bit for bit.

Each partition sums its terms exactly (:func:`app.drift.exact.exact_total`,
vectorised NumPy in a ``mapInPandas`` task) and returns one integer per
column, as text; the driver adds the partitions' integers and rounds once.
The result does not depend on how rows are partitioned or ordered, and
equals ``math.fsum`` of the same terms: what the local engine computes.
Only one row per (partition, column) reaches the driver.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from app.drift.exact import exact_total, rounded
from app.spark.aggregates import NUM, REF, C, lookup

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def _by_value() -> None:
    """Ship the partition function and :mod:`app.drift.exact` by value, so a Python worker
    imports NumPy and pandas only, not Tandem (whose ``app.drift`` loads SciPy: seconds)."""
    from pyspark import cloudpickle

    for module in (sys.modules[__name__], sys.modules[exact_total.__module__]):
        cloudpickle.register_pickle_by_value(module)


def exact_sums(
    frame: DataFrame, names: Sequence[str], term: Column, count: Column | None = None
) -> dict[str, float]:
    """``fsum(count * term)`` over ``frame``'s rows of each column ``C`` in ``names``."""
    return exact_sum_sets(frame, [(names, term, count)])[0]


SumSet = tuple[Sequence[str], "Column", "Column | None"]


def exact_sum_sets(frame: DataFrame, sets: Sequence[SumSet]) -> list[dict[str, float]]:
    """:func:`exact_sums` of several ``(names, term, count)`` sets over the same ``frame``,
    in one pass of Python workers (one job) instead of one per set."""
    from pyspark.sql import functions as F

    _by_value()

    out: list[dict[str, float]] = [{} for _ in sets]
    parts = []
    base = 0
    indexes: list[list[tuple[int, str]]] = []
    for names, term, count in sets:
        indexes.append([(base + i, n) for i, n in enumerate(names, start=1)])
        if names:
            # Columns travel to the Python workers as their index, not their name.
            found = F.array_position(F.array(*[F.lit(n) for n in names]), F.col(C))
            weights = F.lit(1).cast("long") if count is None else count.cast("long")
            parts.append(
                frame.where(F.col(C).isin(list(names))).select(
                    (found + F.lit(base)).cast("int").alias("i"),
                    term.cast("double").alias("v"),
                    weights.alias("w"),
                )
            )
        base += len(names)
    if not parts:
        return out
    union = parts[0]
    for part in parts[1:]:
        union = union.unionAll(part)
    rows = union.mapInPandas(_partial_totals, "i int, total string").collect()
    totals = dict.fromkeys(range(1, base + 1), 0)
    for r in rows:
        totals[r["i"]] += int(r["total"])
    return [{name: rounded(totals[i]) for i, name in index} for index in indexes]


def exact_stds(
    values: DataFrame, sizes: Mapping[str, int], sums: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Each column's reference population standard deviation from the value table
    (``num`` and its ``ref`` count), as :func:`app.drift.exact.exact_std` computes it:
    ``sizes[name]`` is the column's count of finite reference values; ``sums[name]``, if
    given, its exactly rounded sum of reference values (else one more pass finds it)."""
    from pyspark.sql import functions as F

    names = list(sizes)
    if not names:
        return {}
    reference = values.where(F.col(REF) > 0)
    if sums is None:
        sums = exact_sums(reference, names, F.col(NUM), F.col(REF))
    means = {n: sums[n] / sizes[n] for n in names}
    centred = lookup(reference, list(means.items()), "mean double")
    deviation = F.col(NUM) - F.col("mean")
    squares = exact_sums(centred, names, deviation * deviation, F.col(REF))
    return {n: float(np.sqrt(squares[n] / sizes[n])) for n in names}


def _partial_totals(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """One partition's exact totals per column index (runs on an executor)."""
    totals: dict[int, int] = {}
    for batch in batches:
        for _, part in batch.groupby("i", sort=False):
            i = int(part["i"].iloc[0])
            values, counts = part["v"].to_numpy(np.float64), part["w"].to_numpy(np.int64)
            totals[i] = totals.get(i, 0) + exact_total(values, counts)
    yield pd.DataFrame(
        {
            "i": pd.Series(list(totals), dtype="int32"),
            "total": pd.Series([str(t) for t in totals.values()], dtype=object),
        }
    )
