"""Model facts the MLOps signals share: which systems have a model, the champion.

Conventions: a system *has a model* when it has any training run, model
version, production window or model deployment. Its champion is the model
version with alias ``champion`` (the newest registered one if several model
names have one). Metric direction follows the metric's name: error-like
metrics (mae, rmse, mape, loss, ...) are lower-is-better, all others higher.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from app.store.models import Deployment, ModelVersion, ProductionWindow, TrainingRun

CHAMPION = "champion"
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


@dataclass(frozen=True)
class Champion:
    system_id: int
    model_name: str
    version: int
    run_id: str | None
    metric: str | None
    validation_value: float | None

    @property
    def live_metric(self) -> str | None:
        """The name production windows store the validation metric under.

        Registries say "auc" where Tandem's window metrics say "roc_auc"; the
        train/test metrics of the run keep the registry's spelling.
        """
        if self.metric is None:
            return None
        return LIVE_METRIC_ALIASES.get(self.metric.lower(), self.metric.lower())


# Common registry spellings of the metrics Tandem computes per window.
LIVE_METRIC_ALIASES = {
    "auc": "roc_auc",
    "roc-auc": "roc_auc",
    "rocauc": "roc_auc",
    "acc": "accuracy",
    "f1_score": "f1",
}


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


def champions(session: Session, system_ids: Collection[int]) -> dict[int, Champion]:
    """Each system's champion model version, if it has one."""
    rows = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.system_id.in_(list(system_ids)), ModelVersion.alias == CHAMPION)
        .order_by(ModelVersion.registered_at, ModelVersion.version)
    ).all()
    return {
        mv.system_id: Champion(
            mv.system_id,
            mv.model_name,
            mv.version,
            mv.run_id,
            mv.validation_metric,
            mv.validation_value,
        )
        for mv in rows  # later rows (newer) win
    }
