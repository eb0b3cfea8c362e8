"""The performance rows ingest stores per window: overall, per segment, estimated.

One pass over a window's rows gives ``PerformanceResult`` rows
(metric, segment, value, rows, estimated):

* measured, overall (segment ``''``) — over the labelled rows;
* measured, per segment value — segment key ``<name>=<value>`` for a
  ``segment.<name>`` column (what ``monitor.segment_gap`` compares with the
  overall), only for segment values with at least ``MIN_SEGMENT_ROWS``
  labelled rows: a handful of rows gives a gap that is noise, not a finding;
* estimated, overall — CBPE accuracy and ROC AUC (:mod:`app.performance.
  estimation`) over *all* rows, labelled or not, when the model version has a
  calibrator (a binary classifier with labelled reference data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.ingest.window_metrics import performance_metrics
from app.ingest.windows import SEGMENT_PREFIX
from app.performance.estimation import Calibrator, estimate

MIN_SEGMENT_ROWS = 100
RESULT_COLUMNS = ["metric", "segment", "value", "rows", "estimated"]


def segment_key(column: str, value: object) -> str:
    """``segment.region`` and ``US`` → ``region=US``."""
    return f"{column.removeprefix(SEGMENT_PREFIX)}={value}"


def window_results(
    rows: pd.DataFrame,
    task: str | None,
    calibrator: Calibrator | None = None,
    min_segment_rows: int = MIN_SEGMENT_ROWS,
) -> pd.DataFrame:
    """The window's ``RESULT_COLUMNS`` rows (see the module docstring); ``task`` None: no labels."""
    results: list[tuple[str, str, float, int, bool]] = []
    labelled = rows[rows["label"].notna()]
    if len(labelled) and task is not None:
        overall = performance_metrics(labelled["label"], labelled["prediction"], task)
        results += [(m, "", v, len(labelled), False) for m, v in overall.items()]
        # NumPy masks per segment value: a pandas groupby per window costs more than the metrics.
        y = labelled["label"].to_numpy(dtype=float)
        p = labelled["prediction"].to_numpy(dtype=float, na_value=np.nan)
        for column in (c for c in rows.columns if c.startswith(SEGMENT_PREFIX)):
            codes, values = pd.factorize(labelled[column], sort=True)
            counts = np.bincount(codes[codes >= 0], minlength=len(values))
            for code in np.flatnonzero(counts >= min_segment_rows):
                mask = codes == code
                measured = performance_metrics(pd.Series(y[mask]), pd.Series(p[mask]), task)
                key = segment_key(column, values[code])
                results += [(m, key, v, int(counts[code]), False) for m, v in measured.items()]
    if calibrator is not None:
        scores = rows["prediction"].to_numpy(dtype=float, na_value=np.nan)
        estimated = estimate(scores, calibrator)
        results += [(m, "", v, len(rows), True) for m, v in estimated.items()]
    return pd.DataFrame(results, columns=RESULT_COLUMNS)
