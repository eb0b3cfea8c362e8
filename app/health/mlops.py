"""MLOps lane signals: data, train, validate, deploy, monitor, retrain.

Like the DevOps lane, every query covers all requested systems at once. A
system without a model gets no MLOps values at all (every signal unknown).

Conventions: production windows count when they are not reference windows
and their ``window_start`` is in the window. Data-quality signals are the
worst (max) window's whole-window (column ``''``) result. Freshness is the
end of the window minus the newest production row before it. Training run
statuses follow MLflow (FINISHED, FAILED, KILLED; compared case-blind).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.health.champion import Champion, champions, lower_is_better, systems_with_model
from app.health.dora import (
    DeploymentRow,
    deployment_signals,
    incident_linked,
    load_deployments,
    systems_that_deployed,
)
from app.health.monitoring import monitoring_signals
from app.health.window import Window
from app.store.models import (
    ModelVersion,
    ProductionWindow,
    QualityResult,
    RunMetric,
    TrainingRun,
)
from app.store.queries.production import is_production, started_in

QUALITY_CHECKS = ("missing_share", "out_of_range_share", "schema_violations")
RUN_OUTCOMES = ("FINISHED", "FAILED", "KILLED")
DAY = 86400.0

Values = dict[str, float | None]


def mlops_signals(
    session: Session,
    system_ids: Collection[int],
    window: Window,
    drift_alert_share: Mapping[int, float],
) -> tuple[dict[int, Values], set[int]]:
    """Every MLOps signal's value per system, and the set of systems that have a model.

    ``drift_alert_share`` is each system's ``monitor.drift_share`` warn bound:
    the drift share that raises the alert ``retrain.retrain_lag_d`` counts from.
    """
    with_model = systems_with_model(session, system_ids)
    values: dict[int, Values] = {i: {} for i in system_ids}
    if not with_model:
        return values, with_model
    ids = sorted(with_model)
    champs = champions(session, ids)

    for system_id, data in _data(session, ids, window).items():
        values[system_id].update(data)
    for system_id, train in _train(session, ids, window, champs).items():
        values[system_id].update(train)

    deployments = with_training_finish(session, load_deployments(session, ids, window, "model"))
    linked = incident_linked(session, ids)
    deployed = systems_that_deployed(session, ids, window.until, "model")
    for system_id in ids:
        dora = deployment_signals(
            deployments.get(system_id, []), linked, window, system_id in deployed
        )
        values[system_id].update(
            {
                "deploy.model_deployment_frequency_per_day": dora.deployment_frequency_per_day,
                "deploy.model_change_lead_time_h": dora.change_lead_time_h,
                "deploy.model_failed_deployment_recovery_time_h": (
                    dora.failed_deployment_recovery_time_h
                ),
                "deploy.model_change_fail_rate": dora.change_fail_rate,
                "deploy.model_deployment_rework_rate": dora.deployment_rework_rate,
            }
        )

    monitored = monitoring_signals(session, ids, window, champs, deployments, drift_alert_share)
    for system_id, monitor in monitored.items():
        values[system_id].update(monitor)
    return values, with_model


def _data(session: Session, ids: list[int], window: Window) -> dict[int, Values]:
    rows = session.execute(
        select(ProductionWindow.system_id, QualityResult.check, func.max(QualityResult.value))
        .join(ProductionWindow, QualityResult.window_id == ProductionWindow.id)
        .where(
            ProductionWindow.system_id.in_(ids),
            started_in(window.since, window.until),
            QualityResult.column == "",
            QualityResult.check.in_(QUALITY_CHECKS),
        )
        .group_by(ProductionWindow.system_id, QualityResult.check)
    ).all()
    result: dict[int, Values] = {i: {} for i in ids}
    for system_id, check, worst in rows:
        result[system_id][f"data.{check}"] = float(worst)

    newest = session.execute(
        select(ProductionWindow.system_id, func.max(ProductionWindow.newest_row_at))
        .where(
            ProductionWindow.system_id.in_(ids),
            is_production(),
            ProductionWindow.newest_row_at < window.until,
        )
        .group_by(ProductionWindow.system_id)
    ).all()
    for system_id, newest_row in newest:
        hours = (window.until - newest_row).total_seconds() / 3600
        result[system_id]["data.freshness_h"] = hours
    return result


def _train(
    session: Session, ids: list[int], window: Window, champs: Mapping[int, Champion]
) -> dict[int, Values]:
    result: dict[int, Values] = {i: {} for i in ids}
    last = session.execute(
        select(TrainingRun.system_id, func.max(TrainingRun.finished_at))
        .where(
            TrainingRun.system_id.in_(ids),
            func.upper(TrainingRun.status) == "FINISHED",
            TrainingRun.finished_at < window.until,
        )
        .group_by(TrainingRun.system_id)
    ).all()
    for system_id, finished in last:
        if finished is not None:
            age = (window.until - finished).total_seconds() / DAY
            result[system_id]["train.last_training_age_d"] = age

    status = func.upper(TrainingRun.status)
    counts = session.execute(
        select(TrainingRun.system_id, status, func.count())
        .where(
            TrainingRun.system_id.in_(ids),
            TrainingRun.started_at >= window.since,
            TrainingRun.started_at < window.until,
            status.in_(RUN_OUTCOMES),
        )
        .group_by(TrainingRun.system_id, status)
    ).all()
    outcomes: dict[int, dict[str, int]] = {}
    for system_id, outcome, count in counts:
        outcomes.setdefault(system_id, {})[outcome] = int(count)
    for system_id, by_outcome in outcomes.items():
        result[system_id]["train.run_success_rate"] = by_outcome.get("FINISHED", 0) / sum(
            by_outcome.values()
        )

    run_ids = {c.run_id for c in champs.values() if c.run_id}
    metrics: dict[str, dict[str, float]] = {}
    if run_ids:
        for run_id, key, value in session.execute(
            select(TrainingRun.run_id, RunMetric.key, RunMetric.value)
            .join(RunMetric, RunMetric.run_pk == TrainingRun.id)
            .where(TrainingRun.run_id.in_(run_ids))
        ):
            metrics.setdefault(run_id, {})[key] = value
    for system_id, champ in champs.items():
        if champ.run_id in metrics:
            gap = overfit_gap(metrics[champ.run_id], champ.metric)
            result[system_id]["train.overfit_gap"] = gap
    return result


def overfit_gap(run_metrics: Mapping[str, float], metric: str | None) -> float | None:
    """Relative train–test gap of one run; positive always means overfitting.

    Uses ``train_<metric>``/``test_<metric>``, else the first ``train_X``/``test_X``
    pair in key order. Higher-is-better: (train − test) / |train|; lower-is-better
    (rmse, loss, ...): (test − train) / |train|. None without a pair or with train 0.
    """
    names = [metric] if metric and f"train_{metric}" in run_metrics else []
    names += sorted(
        k.removeprefix("train_")
        for k in run_metrics
        if k.startswith("train_") and f"test_{k.removeprefix('train_')}" in run_metrics
    )
    for name in names:
        train, test = run_metrics[f"train_{name}"], run_metrics.get(f"test_{name}")
        if test is None or not train:
            continue
        diff = test - train if lower_is_better(name) else train - test
        return diff / abs(train)
    return None


def with_training_finish(
    session: Session, deployments: dict[int, list[DeploymentRow]]
) -> dict[int, list[DeploymentRow]]:
    """Fill a model deployment's missing ``committed_at`` with its training run's finish.

    The change a model deployment ships starts when its training run finished
    (the model's "commit"), unless the deployment names a commit time itself:
    the model lead time of ``deploy.model_change_lead_time_h`` and the DORA report.
    """
    missing = {
        (d.system_id, d.model_version)
        for rows in deployments.values()
        for d in rows
        if d.committed_at is None and d.model_version is not None
    }
    if not missing:
        return deployments
    finished: dict[tuple[int, int], datetime] = {}
    for system_id, version, finished_at in session.execute(
        select(ModelVersion.system_id, ModelVersion.version, TrainingRun.finished_at)
        .join(TrainingRun, TrainingRun.run_id == ModelVersion.run_id)
        .where(
            ModelVersion.system_id.in_({s for s, _ in missing}),
            TrainingRun.finished_at.is_not(None),
        )
    ):
        if finished_at is not None:
            finished[(system_id, version)] = finished_at
    return {
        system_id: [
            replace(d, committed_at=finished.get((d.system_id, d.model_version or -1)))
            if d.committed_at is None
            else d
            for d in rows
        ]
        for system_id, rows in deployments.items()
    }
