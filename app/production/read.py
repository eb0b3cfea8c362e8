"""The read model of production windows: the one definition of each concept the
signals, the timeline, lineage, the what-if replay and the pages read.

Definitions (docs/definitions.md says the same for readers):

* **Production window**: a non-reference window. It belongs to a range
  ``[since, until)`` when it *starts* in it.
* **Drift of a window**: its stored results against its *newest* reference.
* **Drift share**: drifted *feature* columns / feature columns. ``prediction``
  is not a feature and never counts (it is "prediction drift", on its own). No
  features: no share (unknown), never 0. :func:`drift_share`.
* **Judged window**: a window whose drift may raise an alert
  (``retrain.retrain_lag_d``, the timeline's drift alerts): full enough (at
  least ``MIN_JUDGED_SHARE`` of the median window's rows; a version's first
  or last partial day holds a few hours whose hour-of-day mix alone looks like
  drift) and from the version serving then (that of the latest production
  model deployment, failed ones excepted, before the window's end; before any
  deployment every version serves). :func:`judged_windows`.
* **Champion**: the model version aliased ``champion`` (the newest registered
  if several). :func:`app.store.queries.models.champions`.
* **Version drift share** (Lineage's version diff): the mean of its windows'
  drift shares. :func:`version_drift_share`.

Whether a value is healthy is not decided here: that is
:func:`app.health.status.evaluate` against the thresholds in force.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from app.store.queries.models import Champion, champion_of, champions
from app.store.queries.production import (
    PREDICTION,
    WindowDrift,
    WindowPerformance,
    drift_share,
    measured_performance,
    window_drift,
    window_quality,
)

MIN_JUDGED_SHARE = 0.5  # of the median window's rows: smaller windows raise no drift alert
FAILED = "failed"  # a deployment that never served

__all__ = [
    "FAILED",
    "MIN_JUDGED_SHARE",
    "PREDICTION",
    "Champion",
    "WindowDrift",
    "WindowPerformance",
    "champion_of",
    "champions",
    "drift_share",
    "judged_windows",
    "measured_performance",
    "version_drift_share",
    "window_drift",
    "window_quality",
]


class ModelDeployment(Protocol):
    """What :func:`judged_windows` reads of a production model deployment."""

    @property
    def deployed_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def model_version(self) -> int | None: ...


def judged_windows(
    windows: Sequence[WindowDrift], deployments: Sequence[ModelDeployment]
) -> list[WindowDrift]:
    """The windows whose drift may raise an alert: full enough, from the serving version.

    Full enough: at least ``MIN_JUDGED_SHARE`` × the median ``rows`` of
    ``windows``. Serving: ``model_version`` is that of the latest deployment in
    ``deployments`` (oldest first; failed ones skipped) made before the
    window's end; with none before it, or an unknown version, it counts.
    """
    sizes = sorted(w.rows for w in windows if w.rows is not None)
    median = (sizes[(len(sizes) - 1) // 2] + sizes[len(sizes) // 2]) / 2 if sizes else 0.0
    served = [d for d in deployments if d.status != FAILED and d.model_version is not None]
    judged = []
    for w in windows:
        if w.rows is not None and w.rows < MIN_JUDGED_SHARE * median:
            continue
        before = [d.model_version for d in served if d.deployed_at < w.window_end]
        if w.model_version is not None and before and before[-1] != w.model_version:
            continue
        judged.append(w)
    return judged


def version_drift_share(session: Session, system_id: int, version: int) -> float | None:
    """The mean :func:`drift_share` over the version's production windows (all time).

    Windows without a share (no feature results) are left out; None without any.
    """
    windows: Collection[WindowDrift] = window_drift(
        session, [system_id], model_version=version
    ).get(system_id, [])
    shares = [w.share for w in windows if w.share is not None]
    return sum(shares) / len(shares) if shares else None
