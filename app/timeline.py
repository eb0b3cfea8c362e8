"""The shared timeline: what happened to a system, on one time axis.

Events, oldest first: production service deployments, model promotions
(successful production model deployments), rollbacks (of either kind; a
failed deployment counts as one, since it did not stay), incidents, drift
alerts and drift-triggered retrains. Under them run two series: the
system's error rate and, when the model has labelled windows, its live
performance (the champion's validation metric per window).

Conventions: a *drift alert* is a *judged* production window
(:func:`app.production.read.judged_windows`: full enough, from the serving
version) whose drift share reaches the system's ``monitor.drift_share`` warn
bound (the same rule as ``retrain.retrain_lag_d``), placed at the window's end; a *retrain* is a
training run with ``trigger == 'drift'``, placed at its finish (its start
while it runs). Each event names the page that explains it and the query
parameters of that deep link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.health.champion import champions
from app.health.dora import PRODUCTION, SUCCESS, load_deployments
from app.health.golden import bucket_seconds, golden_signals
from app.health.monitoring import window_drifts
from app.health.thresholds import effective_thresholds
from app.health.window import Window
from app.production.read import judged_windows, measured_performance
from app.store.db import get_engine, session_scope
from app.store.models import Deployment, Incident, System, TrainingRun

# Event kinds, in the order their rows are drawn (top to bottom).
KINDS = {
    "service_deploy": "Service deploy",
    "model_promotion": "Model promotion",
    "rollback": "Rollback",
    "incident": "Incident",
    "drift_alert": "Drift alert",
    "retrain": "Retrain",
}
# Which page explains each kind (file under app_pages/); the UI falls back to
# Service health when a page is not there.
PAGES = {
    "service_deploy": "service_health",
    "rollback": "service_health",
    "incident": "service_health",
    "model_promotion": "lineage",
    "drift_alert": "drift",
    "retrain": "experiments",
}
# A timeline with more buckets than this is unreadable and slow.
TIMELINE_POINTS = 1500


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    title: str
    detail: str
    params: dict[str, str] = field(default_factory=dict)
    until: datetime | None = None  # incidents: resolved at (None while open)

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def page(self) -> str:
        return PAGES[self.kind]


@dataclass(frozen=True)
class Timeline:
    system: str
    window: Window
    events: list[Event]
    error_rate: pd.DataFrame  # bucket, error_rate
    performance: pd.DataFrame  # at, value  (empty without labelled windows)
    performance_metric: str | None

    def events_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"at": e.at, "kind": e.kind, "label": e.label, "title": e.title,
                 "detail": e.detail, "page": e.page}
                for e in self.events
            ],
            columns=["at", "kind", "label", "title", "detail", "page"],
        )  # fmt: skip


def timeline(
    engine: Engine | None, system: str, window: Window, error_rate: pd.DataFrame | None = None
) -> Timeline:
    """Events and series of ``system`` over ``window``; ``LookupError`` for an unknown name.

    ``error_rate`` (columns ``bucket``, ``error_rate``) saves the health-sample
    scan when the caller has the golden signals of the same window already.
    """
    with session_scope(engine or get_engine()) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        if system_id is None:
            raise LookupError(f"no system named {system!r}")
        alert_share = effective_thresholds(session, system)["monitor.drift_share"].warn
        events = [
            *_deployments(session, system_id, system, window),
            *_incidents(session, system_id, system, window),
            *_drift_alerts(session, system_id, system, window, alert_share),
            *_retrains(session, system_id, system, window),
        ]
        if error_rate is None:
            step = bucket_seconds(window, TIMELINE_POINTS, minimum=300)
            error_rate = golden_signals(session, system_id, window, step)
        performance, metric = _performance(session, system_id, window)
    events.sort(key=lambda e: (e.at, e.kind))
    series = error_rate[["bucket", "error_rate"]]
    return Timeline(system, window, events, series, performance, metric)


def _deployments(session: Session, sid: int, system: str, window: Window) -> list[Event]:
    rows = session.execute(
        select(
            Deployment.deployment_id, Deployment.kind, Deployment.version,
            Deployment.model_version, Deployment.status, Deployment.deployed_at,
        ).where(
            Deployment.system_id == sid,
            Deployment.environment == PRODUCTION,
            Deployment.deployed_at >= window.since,
            Deployment.deployed_at < window.until,
        )
    ).all()  # fmt: skip
    events = []
    for dep_id, kind, version, model_version, status, deployed_at in rows:
        what = f"model v{model_version}" if kind == "model" else f"service {version or dep_id}"
        if status != SUCCESS:
            event_kind, title = "rollback", f"{what} {status.replace('_', ' ')}"
        elif kind == "model":
            event_kind, title = "model_promotion", f"{what} to production"
        else:
            event_kind, title = "service_deploy", f"{what} deployed"
        params = {"system": system, "deployment": dep_id}
        if kind == "model" and model_version is not None:
            params["version"] = str(model_version)
        events.append(Event(deployed_at, event_kind, title, dep_id, params))
    return events


def _incidents(session: Session, sid: int, system: str, window: Window) -> list[Event]:
    rows = session.execute(
        select(
            Incident.incident_id, Incident.severity, Incident.opened_at, Incident.resolved_at,
            Incident.cause, Incident.title,
        ).where(
            Incident.system_id == sid,
            Incident.opened_at >= window.since,
            Incident.opened_at < window.until,
        )
    ).all()  # fmt: skip
    events = []
    for iid, severity, opened, resolved, cause, title in rows:
        state = "open" if resolved is None else f"restored in {_hours(opened, resolved)}"
        events.append(
            Event(
                opened, "incident", f"{iid} ({severity}): {title or cause}",
                f"cause {cause}, {state}", {"system": system, "incident": iid}, resolved,
            )
        )  # fmt: skip
    return events


def _hours(start: datetime, end: datetime) -> str:
    hours = (end - start).total_seconds() / 3600
    return f"{hours:.1f} h"


def _drift_alerts(
    session: Session, sid: int, system: str, window: Window, alert_share: float
) -> list[Event]:
    deployments = load_deployments(session, [sid], window, "model").get(sid, [])
    windows = window_drifts(session, [sid], window).get(sid, [])
    events = []
    for drift in judged_windows(windows, deployments):
        share = drift.share
        if share is None or share < alert_share:
            continue
        day = drift.window_start.date().isoformat()
        events.append(
            Event(
                min(drift.window_end, window.until), "drift_alert",
                f"{drift.drifted_features} of {drift.features} features drifted ({share:.0%})",
                f"window of {day}", {"system": system, "window": day},
            )
        )  # fmt: skip
    return events


def _retrains(session: Session, sid: int, system: str, window: Window) -> list[Event]:
    at = TrainingRun.finished_at
    rows = session.execute(
        select(TrainingRun.run_id, TrainingRun.started_at, at, TrainingRun.status).where(
            TrainingRun.system_id == sid,
            TrainingRun.trigger == "drift",
            TrainingRun.started_at < window.until,
            (at.is_(None) & (TrainingRun.started_at >= window.since))
            | ((at >= window.since) & (at < window.until)),
        )
    ).all()
    return [
        Event(finished or started, "retrain", f"retraining run {run_id[:8]} ({status.lower()})",
              "triggered by drift", {"system": system, "run": run_id})
        for run_id, started, finished, status in rows
    ]  # fmt: skip


def _performance(session: Session, sid: int, window: Window) -> tuple[pd.DataFrame, str | None]:
    champ = champions(session, [sid]).get(sid)
    metric = champ.live_metric if champ else None
    empty = pd.DataFrame({"at": pd.Series(dtype="datetime64[ns, UTC]"), "value": []})
    if metric is None:
        return empty, None
    measured = measured_performance(
        session, {sid: (metric, None)}, window.since, window.until, overall_only=True
    ).get(sid, [])
    rows = sorted(((w.window_end, w.segments[""]) for w in measured), key=lambda r: r[0])
    if not rows:
        return empty, metric
    return pd.DataFrame(rows, columns=["at", "value"]), metric
