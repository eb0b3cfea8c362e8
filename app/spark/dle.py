"""DLE on Spark: regression performance without labels, the local engine's nannies.

The two nannies (:mod:`app.production.dle`) are fitted on the driver, as
locally, from the version's labelled reference rows in the local engine's
row order (timestamp, then prediction id): a model is fitted in one process
wherever it runs, and at most ``MAX_FIT_ROWS`` rows fit it. Up to that size
the nannies are the local ones; above it the sample is Spark's (seeded), not
pandas'. Each window's rows are then scored on the executors (the nannies
travel with the task, ``predict`` runs in an Arrow UDF) and only the sums of
the clipped predictions per window come back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from app.production.dle import (
    BAND_SIGMAS,
    MAX_FIT_ROWS,
    MIN_FIT_ROWS,
    Nanny,
    fit_nanny,
)

Banded = tuple[str, str, float, int, bool, float, float]  # a performance row with its band


def _finite(name: str) -> Column:
    column = F.col(name)
    return column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))


def nanny(reference: DataFrame, features: Sequence[str]) -> Nanny | None:
    """:func:`app.production.dle.fit_nanny` of a reference on Spark (see the module docstring)."""
    labelled = reference.where(_finite("label") & _finite("prediction"))
    count = labelled.count()
    if count < MIN_FIT_ROWS:
        return None
    if count > MAX_FIT_ROWS:
        labelled = labelled.orderBy(F.rand(0)).limit(MAX_FIT_ROWS)
    order = ["timestamp"] + (["prediction_id"] if "prediction_id" in reference.columns else [])
    columns = [c for c in features if c in reference.columns]
    picked = labelled.orderBy(*order).select(
        *[F.col(f"`{c}`") for c in columns], "label", "prediction"
    )
    return fit_nanny(picked.toPandas(), columns)  # at most MAX_FIT_ROWS rows: the fit sample


def estimated(rows: DataFrame, nannies: Mapping[str, Nanny]) -> dict[str, list[Banded]]:
    """:func:`app.production.dle.estimate` of every window in ``rows`` with a nanny."""
    if not nannies:
        return {}
    needed = sorted({c for n in nannies.values() for c in n.encoding.columns} - {"prediction"})
    needed = [c for c in needed if c in rows.columns]

    @F.pandas_udf("struct<a: double, s: double>")  # type: ignore[call-overload]
    def predicted(keys: pd.Series, values: pd.DataFrame) -> pd.DataFrame:
        from threadpoolctl import threadpool_limits

        out = pd.DataFrame({"a": np.zeros(len(keys)), "s": np.zeros(len(keys))})
        names = keys.to_numpy(dtype=object)
        for key in pd.unique(names):
            mask = names == key
            model = nannies[str(key)]
            x = model.encoding.matrix(values[mask].reset_index(drop=True))
            with threadpool_limits(limits=1, user_api="openmp"):
                out.loc[mask, "a"] = np.clip(model.absolute.predict(x), 0, None)
                out.loc[mask, "s"] = np.clip(model.squared.predict(x), 0, None)
        return out

    scored = rows.where(F.col("_window").isin(list(nannies)) & _finite("prediction"))
    inputs = F.struct(*[F.col(f"`{c}`") for c in needed], F.col("prediction"))
    with_errors = scored.withColumn("_e", predicted(F.col("_window"), inputs))
    sums = with_errors.groupBy("_window").agg(
        F.count(F.lit(1)).alias("n"), F.sum("_e.a").alias("a"), F.sum("_e.s").alias("s")
    )
    results: dict[str, list[Banded]] = {}
    for r in sums.collect():
        key, n = r["_window"], int(r["n"])
        model = nannies[key]
        mae, rmse = float(r["a"] / n), float(np.sqrt(r["s"] / n))
        mae_error = float(model.absolute_std / np.sqrt(n))
        rmse_error = (
            float(np.sqrt(model.squared_std**2 / (4 * n * model.squared_mean)))
            if model.squared_mean > 0
            else 0.0
        )
        results[key] = [_banded("mae", mae, mae_error, n), _banded("rmse", rmse, rmse_error, n)]
    return results


def _banded(metric: str, value: float, sampling_error: float, n: int) -> Banded:
    half = BAND_SIGMAS * sampling_error
    return (metric, "", value, n, True, float(max(value - half, 0.0)), float(value + half))
