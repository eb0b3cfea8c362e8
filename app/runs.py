"""Training runs as plain entities: what ``tandem runs list`` prints.

One query for the runs, one each for their params, tags and final metrics
(never one per run), so listing thousands of runs stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.store.db import get_engine, session_scope
from app.store.models import RunMetric, RunParam, RunTag, System, TrainingRun

__all__ = ["Run", "list_runs", "runs_table"]

# Params, tags and metrics are fetched for this many runs per IN (...) list.
_IN_CHUNK = 900


@dataclass(frozen=True)
class Run:
    """A training run with its params and tags (strings, as logged) and final metric values."""

    run_id: str
    system: str
    experiment: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    code_commit: str | None
    train_dataset: str | None
    eval_dataset: str | None
    trigger: str | None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tandem runs list`` (timestamps as ISO 8601 UTC)."""
        return {
            "run_id": self.run_id,
            "system": self.system,
            "experiment": self.experiment,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "code_commit": self.code_commit,
            "train_dataset": self.train_dataset,
            "eval_dataset": self.eval_dataset,
            "trigger": self.trigger,
            "params": dict(sorted(self.params.items())),
            "tags": dict(sorted(self.tags.items())),
            "metrics": dict(sorted(self.metrics.items())),
        }


def list_runs(
    engine: Engine | None = None,
    *,
    system: str | None = None,
    experiment: str | None = None,
) -> list[Run]:
    """Every run (of ``system`` / ``experiment`` if given), newest first."""
    with session_scope(engine or get_engine()) as session:
        query = (
            select(TrainingRun, System.name)
            .join(System, System.id == TrainingRun.system_id)
            .order_by(TrainingRun.started_at.desc(), TrainingRun.run_id)
        )
        if system is not None:
            query = query.where(System.name == system)
        if experiment is not None:
            query = query.where(TrainingRun.experiment == experiment)
        rows = session.execute(query).all()
        pks = [run.id for run, _ in rows]
        params = _values(session, RunParam, pks)
        tags = _values(session, RunTag, pks)
        metrics = _values(session, RunMetric, pks)
        return [
            Run(
                run_id=run.run_id,
                system=name,
                experiment=run.experiment,
                status=run.status,
                started_at=run.started_at,
                finished_at=run.finished_at,
                code_commit=run.code_commit,
                train_dataset=run.train_dataset,
                eval_dataset=run.eval_dataset,
                trigger=run.trigger,
                params=params.get(run.id, {}),
                tags=tags.get(run.id, {}),
                metrics=metrics.get(run.id, {}),
            )
            for run, name in rows
        ]


def _values(
    session: Session, model: type[RunParam] | type[RunTag] | type[RunMetric], pks: Sequence[int]
) -> dict[int, dict[str, Any]]:
    result: dict[int, dict[str, Any]] = {}
    for start in range(0, len(pks), _IN_CHUNK):
        chunk = pks[start : start + _IN_CHUNK]
        query = select(model.run_pk, model.key, model.value).where(model.run_pk.in_(chunk))
        for run_pk, key, value in session.execute(query):
            result.setdefault(run_pk, {})[key] = value
    return result


def runs_table(runs: Iterable[Run]) -> str:
    """A plain-text table: one line per run, params and metrics compacted."""
    header = ("run_id", "experiment", "status", "started_at", "train_dataset", "metrics")
    lines = [header]
    for run in runs:
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in sorted(run.metrics.items()))
        lines.append(
            (
                run.run_id,
                run.experiment,
                run.status,
                f"{run.started_at:%Y-%m-%d %H:%M}",
                run.train_dataset or "",
                metrics,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True))
        + "  "
        + line[-1]
        for line in lines
    )
