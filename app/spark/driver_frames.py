"""Windows' rows on the driver, bounded: for the measures that fit a model in one process.

The multivariate pass (a domain classifier, a PCA, permutation importances;
:mod:`app.production.multivariate_pass`) and fairness
(:mod:`app.production.fairness`) fit scikit-learn models or group small
samples: a model is fitted in one process wherever it runs, and the local
engine samples each side (seeded) before fitting. The Spark ingest runs the
local engine's own functions on the driver, on each window's rows collected
here in the local pipeline's canonical form and order (timestamp, then
prediction id), at most :data:`DRIVER_ROWS` a window. Up to that size the
numbers are the local engine's (same rows, same seeds); above it the window
is Spark's seeded sample of that many rows, not pandas', so its figures
differ from a local run's by sampling noise. The driver holds at most
``DRIVER_ROWS`` rows per window it measures.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from app.production.windows import TIMESTAMP_DTYPE, canonical

DRIVER_ROWS = 20_000
SEED = 0


def driver_frame(rows: DataFrame, size: int | None = None) -> pd.DataFrame:
    """One window's rows (a lake frame, its internal ``_`` columns dropped), canonical;
    ``size``: its row count if known (else one job counts them)."""
    columns = [c for c in rows.columns if not c.startswith("_")]
    picked = rows.select(*[F.col(f"`{c}`") for c in columns])
    if (picked.count() if size is None else size) > DRIVER_ROWS:
        picked = picked.orderBy(F.rand(SEED)).limit(DRIVER_ROWS)
    frame = picked.toPandas()  # at most DRIVER_ROWS rows
    stamps = pd.to_datetime(frame["timestamp"])
    if stamps.dt.tz is None:  # the session's zone is UTC: naive values are UTC
        stamps = stamps.dt.tz_localize("UTC")
    frame["timestamp"] = stamps.astype(TIMESTAMP_DTYPE)
    if "prediction_id" in frame.columns and not frame["prediction_id"].notna().any():
        frame = frame.drop(columns="prediction_id")  # production_rows keeps given ids only
    return canonical(frame)
