"""Model facts the MLOps signals share: which systems have a model, the champion.

Conventions: a system *has a model* when it has any training run, model
version, production window or model deployment. Its champion is the model
version with alias ``champion`` (the newest registered one if several model
names have one), looked up once, in :mod:`app.store.queries.models`. Metric
direction follows the metric's name: error-like metrics (mae, rmse, mape,
loss, ...) are lower-is-better, all others higher.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from app.store.models import Deployment, ModelVersion, ProductionWindow, TrainingRun
from app.store.queries.models import CHAMPION, LIVE_METRIC_ALIASES, Champion, champions

__all__ = [
    "CHAMPION",
    "LIVE_METRIC_ALIASES",
    "Champion",
    "champions",
    "lower_is_better",
    "relative_to_baseline",
    "systems_with_model",
]

LOWER_IS_BETTER_METRICS = frozenset(
    {"mae", "mse", "rmse", "mape", "smape", "loss", "log_loss", "logloss", "error", "brier"}
)


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of ``metric`` is better (``rmse`` yes, ``auc`` no)."""
    name = metric.lower()
    return name in LOWER_IS_BETTER_METRICS or name.endswith(("_loss", "_error"))


def relative_to_baseline(live: float, baseline: float, metric: str) -> float | None:
    """live / baseline, inverted for lower-is-better metrics so that < 1 is always worse."""
    numerator, denominator = (baseline, live) if lower_is_better(metric) else (live, baseline)
    return numerator / denominator if denominator else None


def systems_with_model(session: Session, system_ids: Collection[int]) -> set[int]:
    """The systems among ``system_ids`` that have any model artefact (one query)."""
    ids = list(system_ids)
    query = union(
        select(TrainingRun.system_id).where(TrainingRun.system_id.in_(ids)),
        select(ModelVersion.system_id).where(ModelVersion.system_id.in_(ids)),
        select(ProductionWindow.system_id).where(ProductionWindow.system_id.in_(ids)),
        select(Deployment.system_id).where(
            Deployment.system_id.in_(ids), Deployment.kind == "model"
        ),
    )
    return set(session.scalars(select(query.subquery().c[0])))
