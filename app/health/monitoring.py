"""Live-model signals: validate (champion vs baseline), monitor and retrain.

Conventions:

* Live performance is the champion's overall (segment ``''``), measured (not
  estimated) result for its validation metric, in the champion version's
  non-reference windows that start in the window. ``validate`` averages all
  such windows; ``monitor`` uses the latest *labelled* one only. Both are
  live / validation value, inverted for lower-is-better metrics (< 1 = worse).
* Segment gap: in that latest labelled window, max over segments of
  |segment − overall| / |overall|.
* Drift: per window, the results against its newest reference. Drift share =
  drifted feature columns / feature columns (column ``prediction`` excluded);
  prediction drift = 1.0 if the ``prediction`` column drifted, else 0.0.
* Retrain lag: a drift alert is raised at the *end* of the first *judged*
  window whose drift share reaches the system's ``monitor.drift_share`` warn
  bound; the lag runs to the next successful production model deployment, or
  to the end of the window if none followed. 0 when drift results exist but
  none alerted. A window is judged when it is (a) full enough: at least
  ``MIN_JUDGED_SHARE`` of the median rows of the system's windows in range
  (a version's first or last partial day, or a switch-over day, holds a few
  hours of traffic whose hour-of-day mix alone looks like drift), and (b) from
  the version serving then: the version of the latest production model
  deployment (failed ones excepted) before the window's end; a version's rows
  after its successor took over (shadow traffic, draining) raise no alert.
  Before the first deployment in range, every version counts as serving.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.health.champion import Champion, relative_to_baseline
from app.health.dora import SUCCESS, DeploymentRow
from app.health.window import Window
from app.store.models import DriftResult, PerformanceResult, ProductionWindow

PREDICTION = "prediction"
DAY = 86400.0
MIN_JUDGED_SHARE = 0.5  # of the median window's rows: smaller windows raise no drift alert
FAILED = "failed"  # a deployment that never served

Values = dict[str, float | None]


@dataclass(frozen=True)
class WindowDrift:
    window_start: datetime
    window_end: datetime
    features: int
    drifted_features: int
    prediction_drifted: bool | None
    rows: int | None = None  # rows in the window (None: unknown, always judged)
    model_version: int | None = None  # None: unknown, always serving

    @property
    def share(self) -> float | None:
        return self.drifted_features / self.features if self.features else None


def monitoring_signals(
    session: Session,
    ids: Collection[int],
    window: Window,
    champs: Mapping[int, Champion],
    model_deployments: Mapping[int, list[DeploymentRow]],
    drift_alert_share: Mapping[int, float],
) -> dict[int, Values]:
    """validate.*, monitor.* and retrain.* values per system (absent = unknown)."""
    result: dict[int, Values] = {i: {} for i in ids}
    for system_id, perf in _performance(session, window, champs).items():
        result[system_id].update(perf)
    for system_id, windows in _drift(session, ids, window).items():
        latest = windows[-1]
        result[system_id]["monitor.drift_share"] = latest.share
        result[system_id]["monitor.prediction_drift"] = (
            None if latest.prediction_drifted is None else float(latest.prediction_drifted)
        )
        result[system_id]["retrain.retrain_lag_d"] = retrain_lag_days(
            windows,
            model_deployments.get(system_id, []),
            drift_alert_share[system_id],
            window.until,
        )
    return result


def _performance(
    session: Session, window: Window, champs: Mapping[int, Champion]
) -> dict[int, Values]:
    usable = [c for c in champs.values() if c.metric]
    if not usable:
        return {}
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            ProductionWindow.window_start,
            ProductionWindow.labelled_rows,
            PerformanceResult.segment,
            PerformanceResult.value,
        )
        .join(ProductionWindow, PerformanceResult.window_id == ProductionWindow.id)
        .where(
            ProductionWindow.is_reference.is_(False),
            ProductionWindow.window_start >= window.since,
            ProductionWindow.window_start < window.until,
            PerformanceResult.estimated.is_(False),
            or_(
                *(
                    and_(
                        ProductionWindow.system_id == c.system_id,
                        ProductionWindow.model_version == c.version,
                        PerformanceResult.metric == c.live_metric,
                    )
                    for c in usable
                )
            ),
        )
        .order_by(ProductionWindow.system_id, ProductionWindow.window_start)
    ).all()
    # system -> window_start -> (labelled rows, {segment: value})
    by_window: dict[int, dict[datetime, tuple[int, dict[str, float]]]] = {}
    for system_id, start, n_labelled, segment, value in rows:
        windows = by_window.setdefault(system_id, {})
        windows.setdefault(start, (n_labelled, {}))[1][segment] = value

    result: dict[int, Values] = {}
    for system_id, windows in by_window.items():
        champ = champs[system_id]
        metric = champ.metric or ""
        overall = [segs[""] for _, segs in windows.values() if "" in segs]
        labelled = [segs for n_labelled, segs in windows.values() if n_labelled > 0 and "" in segs]
        values: Values = {}
        if overall and champ.validation_value is not None:
            live = sum(overall) / len(overall)
            values["validate.champion_vs_baseline"] = relative_to_baseline(
                live, champ.validation_value, metric
            )
        if labelled:
            latest = labelled[-1]  # windows are in window_start order
            if champ.validation_value is not None:
                values["monitor.performance_ratio"] = relative_to_baseline(
                    latest[""], champ.validation_value, metric
                )
            values["monitor.segment_gap"] = segment_gap(latest)
        result[system_id] = values
    return result


def segment_gap(segments: Mapping[str, float]) -> float | None:
    """max |segment − overall| / |overall| over segments (key '' is overall)."""
    overall = segments.get("")
    gaps = [abs(v - overall) for k, v in segments.items() if k != ""] if overall else []
    return max(gaps) / abs(overall) if gaps and overall else None


def _drift(session: Session, ids: Collection[int], window: Window) -> dict[int, list[WindowDrift]]:
    is_feature = DriftResult.column != PREDICTION
    drifted = DriftResult.drifted.is_(True)
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            ProductionWindow.id,
            ProductionWindow.window_start,
            ProductionWindow.window_end,
            ProductionWindow.rows,
            ProductionWindow.model_version,
            DriftResult.reference_window_id,
            func.sum(case((is_feature, 1), else_=0)),
            func.sum(case((and_(is_feature, drifted), 1), else_=0)),
            func.max(case((~is_feature, case((drifted, 1), else_=0)))),
        )
        .join(ProductionWindow, DriftResult.window_id == ProductionWindow.id)
        .where(
            ProductionWindow.system_id.in_(list(ids)),
            ProductionWindow.is_reference.is_(False),
            ProductionWindow.window_start >= window.since,
            ProductionWindow.window_start < window.until,
        )
        .group_by(
            ProductionWindow.system_id,
            ProductionWindow.id,
            ProductionWindow.window_start,
            ProductionWindow.window_end,
            ProductionWindow.rows,
            ProductionWindow.model_version,
            DriftResult.reference_window_id,
        )
        .order_by(ProductionWindow.window_start, DriftResult.reference_window_id)
    ).all()
    newest_reference: dict[tuple[int, int], WindowDrift] = {}
    for system_id, window_id, start, end, n_rows, version, _ref, *counts in rows:
        features, n_drifted, prediction = counts
        predicted = None if prediction is None else bool(prediction)
        newest_reference[(system_id, window_id)] = WindowDrift(
            start, end, int(features), int(n_drifted), predicted, n_rows, version
        )
    result: dict[int, list[WindowDrift]] = {}
    for (system_id, _), drift in newest_reference.items():
        result.setdefault(system_id, []).append(drift)
    for windows in result.values():
        windows.sort(key=lambda w: w.window_start)
    return result


def retrain_lag_days(
    windows: list[WindowDrift],
    deployments: list[DeploymentRow],
    alert_share: float,
    until: datetime,
) -> float:
    """Days from the first drift alert to the next successful model deployment (or ``until``).

    Only judged windows (see :func:`judged_windows`) can raise the alert.
    """
    alert = next(
        (
            w
            for w in judged_windows(windows, deployments)
            if w.share is not None and w.share >= alert_share
        ),
        None,
    )
    if alert is None:
        return 0.0
    raised = min(alert.window_end, until)
    fix = next(
        (
            d.deployed_at
            for d in deployments
            if d.status == SUCCESS and raised <= d.deployed_at < until
        ),
        until,
    )
    return (fix - raised).total_seconds() / DAY


def judged_windows(
    windows: list[WindowDrift], deployments: list[DeploymentRow]
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
