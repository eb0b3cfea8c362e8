"""The joint-drift day: every column looks as usual, the rows do not.

On :data:`JOINT_DRIFT_DAY` the fraud service's nightly feature export ran
with a bad ``ORDER BY``: it sorted ``amount`` and ``distance_km``
independently before writing the day's batch. Each logged column holds that
day's values (so every per-column drift test stays quiet), but a row's amount
and distance no longer belong together: large amounts now come with long
distances and late hours. Predictions were made at serving time on the true
rows, so prediction drift stays quiet too; only the multivariate detectors
(the domain classifier, ``monitor.multivariate_drift``) see it.

Planted in fraud-scoring, not demand-forecast: every demand-forecast daily
window already differs per column from its training data (a day has one
``day_of_week`` and a day's slice of the season's temperature), so no
demand-forecast window could show a joint change with every column quiet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .story import DAY, START

JOINT_DRIFT_DAY = 20
SORTED_COLUMNS = ("amount", "distance_km")


def sorted_export(ts: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the joint-drift day's ``SORTED_COLUMNS`` each sorted in time order."""
    start = START + JOINT_DRIFT_DAY * DAY
    rows = np.flatnonzero((ts >= start) & (ts < start + DAY))
    logged = frame.copy()
    for column in SORTED_COLUMNS:
        values = logged[column].to_numpy().copy()
        values[rows] = np.sort(values[rows])
        logged[column] = values
    return logged
