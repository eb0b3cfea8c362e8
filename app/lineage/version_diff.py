"""Two model versions lined up: code, data, params, metrics and how each behaved in production."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.health.champion import LIVE_METRIC_ALIASES
from app.lineage.datasets import dataset_ref, dataset_versions
from app.production.read import version_drift_share
from app.store.db import session_scope
from app.store.models import (
    Deployment,
    ModelVersion,
    PerformanceResult,
    ProductionWindow,
    RunMetric,
    RunParam,
    System,
    TrainingRun,
)
from app.store.queries.production import is_production

__all__ = ["version_diff"]


def version_diff(
    engine: Engine,
    system: str,
    model_name: str,
    versions: Sequence[int],
    *,
    diff_only: bool = True,
) -> pd.DataFrame:
    """Two (or more) versions of a model side by side: ``aspect``, then a column per version.

    Aspects: registration, code commit, training/evaluation data (reference, rows,
    hash, schema columns), params, final metrics, and production behaviour: the
    mean drift share of its windows (:func:`app.production.read.version_drift_share`:
    features only, as every drift share in Tandem), the mean live value of the
    validation metric over labelled windows, and the deployments' outcomes.
    With ``diff_only`` rows equal in every version are left out.
    """
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        if system_id is None:
            return pd.DataFrame(columns=["aspect"])
        mvs = {
            mv.version: mv
            for mv in session.scalars(
                select(ModelVersion).where(
                    ModelVersion.system_id == system_id,
                    ModelVersion.model_name == model_name,
                    ModelVersion.version.in_(list(versions)),
                )
            )
        }
        columns = {v: _version_facts(session, system_id, mvs[v]) for v in versions if v in mvs}
    labels = {v: f"v{v}" for v in columns}
    aspects: list[str] = []
    for facts in columns.values():
        aspects += [a for a in facts if a not in aspects]
    rows = [
        {"aspect": aspect, **{labels[v]: columns[v].get(aspect) for v in columns}}
        for aspect in aspects
    ]
    frame = pd.DataFrame(rows, columns=["aspect", *labels.values()])
    if diff_only and len(columns) > 1:
        values = frame[list(labels.values())].astype(object)
        text = values.astype(str).mask(values.isna(), "None")
        frame = frame[(text.nunique(axis=1) > 1).to_numpy()].reset_index(drop=True)
    return frame


def _version_facts(session: Session, system_id: int, mv: ModelVersion) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "registered": f"{mv.registered_at:%Y-%m-%d %H:%M}",
        "alias": mv.alias,
        "validation metric": (
            f"{mv.validation_metric} = {mv.validation_value:.4g}"
            if mv.validation_metric and mv.validation_value is not None
            else None
        ),
    }
    run = (
        session.scalar(select(TrainingRun).where(TrainingRun.run_id == mv.run_id))
        if mv.run_id
        else None
    )
    facts["run"] = mv.run_id
    if run is not None:
        facts["code commit"] = run.code_commit
        for role, reference in (
            ("training data", run.train_dataset),
            ("evaluation data", run.eval_dataset),
        ):
            facts[role] = reference
            ref = dataset_ref(reference)
            dataset = dataset_versions(session, [ref]).get(ref) if ref else None
            if dataset is not None:
                facts[f"{role}: rows"] = dataset.rows
                facts[f"{role}: hash"] = (dataset.content_hash or "")[:12] or None
                facts[f"{role}: schema"] = ", ".join(
                    f"{c}:{t}" for c, t in sorted((dataset.schema or {}).items())
                )
        for key, text in session.execute(
            select(RunParam.key, RunParam.value).where(RunParam.run_pk == run.id)
        ):
            facts[f"param: {key}"] = text
        for key, number in session.execute(
            select(RunMetric.key, RunMetric.value).where(RunMetric.run_pk == run.id)
        ):
            facts[f"metric: {key}"] = round(number, 6)
    facts.update(_production(session, system_id, mv))
    return facts


def _production(session: Session, system_id: int, mv: ModelVersion) -> dict[str, Any]:
    windows = select(ProductionWindow.id).where(
        ProductionWindow.system_id == system_id,
        ProductionWindow.model_version == mv.version,
        is_production(),
    )
    drift = version_drift_share(session, system_id, mv.version)
    metric = (mv.validation_metric or "").lower()
    live_metric = LIVE_METRIC_ALIASES.get(metric, metric)
    live = session.scalar(
        select(func.avg(PerformanceResult.value)).where(
            PerformanceResult.window_id.in_(windows),
            PerformanceResult.metric == live_metric,
            PerformanceResult.segment == "",
            PerformanceResult.estimated.is_(False),
        )
    )
    counts = session.execute(
        select(Deployment.status, func.count())
        .where(
            Deployment.system_id == system_id,
            Deployment.kind == "model",
            Deployment.model_version == mv.version,
            Deployment.environment == "production",
        )
        .group_by(Deployment.status)
        .order_by(Deployment.status)
    ).all()
    return {
        "production: windows": session.scalar(select(func.count()).select_from(windows.subquery())),
        "production: mean drift share": None if drift is None else round(float(drift), 4),
        f"production: mean live {live_metric or 'metric'}": (
            None if live is None else round(float(live), 4)
        ),
        "production: deployments": ", ".join(f"{n} {s}" for s, n in counts) or None,
    }
