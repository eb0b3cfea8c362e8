"""Live-model signals: validate (champion vs baseline), monitor and retrain.

Conventions:

* Live performance is the champion's overall (segment ``''``), measured (not
  estimated) result for its validation metric, in the champion version's
  non-reference windows that start in the window. ``validate`` averages all
  such windows; ``monitor`` uses the latest *labelled* one only. Both are
  live / validation value, inverted for lower-is-better metrics (< 1 = worse).
* Segment gap: in that latest labelled window, max over segments of
  |segment − overall| / |overall|.
* Fairness gap: the champion's latest labelled window with one
  (:mod:`app.health.fairness`).
* Drift: per window, the results against its newest reference. Drift share =
  drifted feature columns / feature columns (column ``prediction`` excluded);
  prediction drift = 1.0 if the ``prediction`` column drifted, else 0.0.
* Multivariate drift: the domain classifier's cross-validated ROC AUC
  (:mod:`app.production.multivariate`) in the latest window that has one.
  Default bounds: warn above 0.65, NannyML's default alert threshold for
  its domain classifier (rows that a classifier tells apart this well have
  moved jointly; with 500 rows a side the AUC's spread under no change is
  about 0.025, so 0.65 is some six spreads away); critical above 0.75, where
  a window row outscores a training row three times in four.
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
from datetime import datetime

from sqlalchemy.orm import Session

from app.health.champion import Champion, relative_to_baseline
from app.health.dora import SUCCESS, DeploymentRow
from app.health.fairness import fairness_signals
from app.health.window import Window
from app.production.read import (
    MIN_JUDGED_SHARE,
    PREDICTION,
    WindowDrift,
    judged_windows,
    measured_performance,
    window_drift,
)
from app.production.read_multivariate import domain_auc_series, most_important_drift

__all__ = [
    "MIN_JUDGED_SHARE",
    "PREDICTION",
    "WindowDrift",
    "judged_windows",
    "monitoring_signals",
    "retrain_lag_days",
    "drift_notes",
    "segment_gap",
    "window_drifts",
]

DAY = 86400.0

Values = dict[str, float | None]


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
    for system_id, gap in fairness_signals(session, window, champs).items():
        result[system_id]["monitor.fairness_gap"] = gap
    for system_id, aucs in domain_auc_series(session, ids, window.since, window.until).items():
        result[system_id]["monitor.multivariate_drift"] = aucs[-1][1]
    for system_id, windows in window_drifts(session, ids, window).items():
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


def drift_notes(session: Session, ids: Collection[int], window: Window) -> dict[int, str]:
    """Per system, the note on ``monitor.drift_share``: the drifted feature that matters most.

    The top of :func:`app.production.read_multivariate.rank_drifted` in the
    system's latest window (importance share × drift strength); systems whose
    latest window has no drifted feature with a stored importance get none.
    """
    return {
        system_id: (
            f"most important drifted feature: {top.feature} ({top.share:.0%} of the model's "
            f"feature importance; {top.drifted} drifted feature{'s' if top.drifted != 1 else ''} "
            "with an importance)"
        )
        for system_id, top in most_important_drift(session, ids, window.since, window.until).items()
    }


def _performance(
    session: Session, window: Window, champs: Mapping[int, Champion]
) -> dict[int, Values]:
    usable = [c for c in champs.values() if c.metric]
    if not usable:
        return {}
    measured = measured_performance(
        session,
        {c.system_id: (c.live_metric or "", c.version) for c in usable},
        window.since,
        window.until,
    )
    # system -> window_start -> (labelled rows, {segment: value})
    by_window = {
        system_id: {w.window_start: (w.labelled_rows, w.segments) for w in windows}
        for system_id, windows in measured.items()
    }
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


def window_drifts(
    session: Session, ids: Collection[int], window: Window
) -> dict[int, list[WindowDrift]]:
    """Per system, the drift of its production windows starting in ``window``, oldest first.

    The read model's :func:`app.production.read.window_drift` (newest reference,
    features only) over a health window.
    """
    return window_drift(session, ids, window.since, window.until)


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
