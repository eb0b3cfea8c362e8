"""The two Python-worker passes behind :mod:`app.spark.cumulative` (they run on executors).

Shipped by value (:func:`by_value`) with :mod:`app.drift.exact`, so a Python worker
imports NumPy and pandas only, not Tandem (whose ``app.drift`` loads SciPy: seconds).
Rows are the value table's ``(i, bucket, num, ref, cur)``: ``i`` a column's index,
``bucket`` its range bucket, one row per distinct value with each side's count.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator, Mapping

import numpy as np
import pandas as pd

from app.drift.exact import exact_total

TOTALS_SCHEMA = "i int, bucket int, ref long, cur long, first double, total string"
GAPS_SCHEMA = (
    "i int, bucket int, hi double, hi_cr long, hi_cc long, "
    "lo double, lo_cr long, lo_cc long, area string, squares string"
)
# Per (i, bucket): counts before the bucket, the next bucket's first value (NaN: none),
# the column's sizes and its reference mean (NaN: no standard deviation wanted).
Start = tuple[int, int, float, int, int, float]


def by_value() -> None:
    """Pickle this module and :mod:`app.drift.exact` by value for the Python workers."""
    from pyspark import cloudpickle

    for module in (sys.modules[__name__], sys.modules[exact_total.__module__]):
        cloudpickle.register_pickle_by_value(module)


def bucket_totals(
    summed: Collection[int],
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """Pass 1: each (column, bucket)'s counts and first value in one partition, and for the
    columns in ``summed`` the exact total of their reference values (as text)."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        found: dict[tuple[int, int], list[int | float]] = {}
        for batch in batches:
            for _, part in batch.groupby(["i", "bucket"], sort=False):
                key = (int(part["i"].iloc[0]), int(part["bucket"].iloc[0]))
                ref = part["ref"].to_numpy(np.int64)
                num = part["num"].to_numpy(np.float64)
                total = exact_total(num, ref) if key[0] in summed else 0
                row = found.setdefault(key, [0, 0, np.inf, 0])
                row[0] += int(ref.sum())
                row[1] += int(part["cur"].sum())
                row[2] = min(row[2], float(num.min()))
                row[3] += total
        keys = list(found)
        yield pd.DataFrame(
            {
                "i": pd.Series([k[0] for k in keys], dtype="int32"),
                "bucket": pd.Series([k[1] for k in keys], dtype="int32"),
                "ref": pd.Series([found[k][0] for k in keys], dtype="int64"),
                "cur": pd.Series([found[k][1] for k in keys], dtype="int64"),
                "first": pd.Series([found[k][2] for k in keys], dtype="float64"),
                "total": pd.Series([str(found[k][3]) for k in keys], dtype=object),
            }
        )

    return run


def bucket_gaps(
    starts: Mapping[tuple[int, int], Start],
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Pass 2, one whole (column, bucket) at a time: exact cumulative counts at each distinct
    value (the bucket's own running sums plus its offsets), where ``F_ref - F_cur`` peaks
    and dips, the exact total of the area terms ``|F_ref - F_cur| * (x_next - x)`` and of
    the squared deviations from the reference mean (the local engine's terms, same floats)."""

    def run(group: pd.DataFrame) -> pd.DataFrame:
        key = (int(group["i"].iloc[0]), int(group["bucket"].iloc[0]))
        off_ref, off_cur, following, n_ref, n_cur, mean = starts[key]
        order = np.argsort(group["num"].to_numpy(np.float64), kind="stable")
        num = group["num"].to_numpy(np.float64)[order]
        ref = group["ref"].to_numpy(np.int64)[order]
        cur = group["cur"].to_numpy(np.int64)[order]
        cr = np.cumsum(ref) + off_ref
        cc = np.cumsum(cur) + off_cur
        d = cr / n_ref - cc / n_cur
        after = np.append(num[1:], following if not np.isnan(following) else num[-1])
        area = exact_total(np.abs(d) * (after - num))
        squares = 0
        if not np.isnan(mean):
            kept = ref > 0
            deviation = num[kept] - mean
            squares = exact_total(deviation * deviation, ref[kept])
        hi, lo = int(np.argmax(d)), int(np.argmin(d))
        return pd.DataFrame(
            {
                "i": pd.Series([key[0]], dtype="int32"),
                "bucket": pd.Series([key[1]], dtype="int32"),
                "hi": [float(d[hi])],
                "hi_cr": [int(cr[hi])],
                "hi_cc": [int(cc[hi])],
                "lo": [float(d[lo])],
                "lo_cr": [int(cr[lo])],
                "lo_cc": [int(cc[lo])],
                "area": pd.Series([str(area)], dtype=object),
                "squares": pd.Series([str(squares)], dtype=object),
            }
        )

    return run
