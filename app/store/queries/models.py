"""The champion: the one lookup of a system's serving model version in the registry.

Convention: a system's champion is the model version with alias
``champion``; if several model names have one, the newest registered wins.
Registries spell the validation metric their way ("auc"); production windows
store Tandem's name for it ("roc_auc"): :data:`LIVE_METRIC_ALIASES` maps one
to the other.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import ModelVersion, System

CHAMPION = "champion"

# Common registry spellings of the metrics Tandem computes per window.
LIVE_METRIC_ALIASES = {
    "auc": "roc_auc",
    "roc-auc": "roc_auc",
    "rocauc": "roc_auc",
    "acc": "accuracy",
    "f1_score": "f1",
}

__all__ = ["CHAMPION", "LIVE_METRIC_ALIASES", "Champion", "champion_of", "champions", "live_name"]


def live_name(metric: str) -> str:
    """The name production windows store ``metric`` under (``AUC`` -> ``roc_auc``)."""
    lowered = metric.lower()
    return LIVE_METRIC_ALIASES.get(lowered, lowered)


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
        return None if self.metric is None else live_name(self.metric)


def champions(session: Session, system_ids: Collection[int]) -> dict[int, Champion]:
    """Each system's champion model version, if it has one (one query)."""
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


def champion_of(session: Session, system: str) -> Champion | None:
    """The champion of the system named ``system`` (None: no such system or no champion)."""
    system_id = session.scalar(select(System.id).where(System.name == system))
    return None if system_id is None else champions(session, [system_id]).get(system_id)
