"""The runs table: filter options, then one sorted page of runs, all queried in SQL.

Filtering, sorting and paging happen in the database, so the table opens fast
with thousands of runs; only the shown page's names and final metrics are read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session, aliased

from app.experiments.compare import RUN_NAME_TAG, run_label
from app.experiments.filters import RunQuery
from app.store.db import session_scope
from app.store.models import RunMetric, RunTag, TrainingRun

__all__ = ["KEY_METRICS", "RunOptions", "RunPage", "run_options", "runs_page"]

KEY_METRICS = 6  # metric columns the table shows before the user picks others
SORTS = ("started_at", "experiment", "status")


@dataclass(frozen=True)
class RunOptions:
    """The values the filters offer, from the runs of the system and range."""

    experiments: tuple[str, ...]
    statuses: tuple[str, ...]
    triggers: tuple[str, ...]
    metrics: tuple[str, ...]  # most logged first, test metrics before the rest
    total: int


def run_options(engine: Engine, query: RunQuery) -> RunOptions:
    """What the filters offer for the system and range of ``query`` (its filters ignored)."""
    base = query.unfiltered()
    with session_scope(engine) as session:
        runs = base.where(select(TrainingRun.id)).subquery()

        def distinct(column: Any) -> tuple[str, ...]:
            found = session.scalars(
                base.where(select(column).distinct()).where(column.is_not(None)).order_by(column)
            )
            return tuple(found)

        counts = session.execute(
            select(RunMetric.key, func.count())
            .where(RunMetric.run_pk.in_(select(runs.c.id)))
            .group_by(RunMetric.key)
        ).all()
        total = session.scalar(select(func.count()).select_from(runs)) or 0
        return RunOptions(
            experiments=distinct(TrainingRun.experiment),
            statuses=distinct(TrainingRun.status),
            triggers=distinct(TrainingRun.trigger),
            metrics=tuple(
                key
                for key, _ in sorted(
                    counts, key=lambda kc: (-kc[1], not kc[0].startswith("test"), kc[0])
                )
            ),
            total=int(total),
        )


@dataclass(frozen=True)
class RunPage:
    """One page of the runs table and how many runs match in all."""

    rows: pd.DataFrame
    total: int
    page: int
    pages: int


RUN_COLUMNS = [
    "run",
    "run_id",
    "experiment",
    "status",
    "started_at",
    "duration_min",
    "cost",
    "currency",
    "trigger",
    "code_commit",
    "train_dataset",
]


def runs_page(
    engine: Engine,
    query: RunQuery,
    *,
    metrics: Sequence[str] = (),
    sort: str = "started_at",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> RunPage:
    """Page ``page`` (from 1) of the matching runs, sorted by a column or ``metric:<key>``.

    ``run`` is the run's name (its ``mlflow.runName`` tag), else its short id.
    ``metrics`` become columns holding each run's final value (empty if not logged).
    Runs without the sort metric come last either way.
    """
    with session_scope(engine) as session:
        total = int(session.scalar(query.where(select(func.count()).select_from(TrainingRun))) or 0)
        pages = max(1, math.ceil(total / page_size))
        page = min(max(page, 1), pages)
        ordered = _sorted(query.where(select(TrainingRun)), sort, descending)
        runs = session.scalars(ordered.limit(page_size).offset((page - 1) * page_size)).all()
        values = _final_metrics(session, [r.id for r in runs], metrics)
        names = _names(session, [r.id for r in runs])
        rows = [
            {
                "run": run_label(r.run_id, names.get(r.id)),
                "run_id": r.run_id,
                "experiment": r.experiment,
                "status": r.status,
                "started_at": r.started_at,
                "duration_min": (
                    (r.finished_at - r.started_at).total_seconds() / 60 if r.finished_at else None
                ),
                "cost": r.cost,
                "currency": r.currency,
                "trigger": r.trigger,
                "code_commit": (r.code_commit or "")[:8] or None,
                "train_dataset": r.train_dataset,
                **{key: values.get((r.id, key)) for key in metrics},
            }
            for r in runs
        ]
    frame = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *metrics])
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    return RunPage(rows=frame, total=total, page=page, pages=pages)


def _sorted(query: Select[Any], sort: str, descending: bool) -> Select[Any]:
    if sort.startswith("metric:"):
        metric = aliased(RunMetric)
        query = query.outerjoin(
            metric, (metric.run_pk == TrainingRun.id) & (metric.key == sort[len("metric:") :])
        )
        value = metric.value.desc() if descending else metric.value.asc()
        return query.order_by(value.nulls_last(), TrainingRun.run_id)
    if sort not in SORTS:
        raise ValueError(f"cannot sort runs by {sort!r}")
    column = getattr(TrainingRun, sort)
    return query.order_by(column.desc() if descending else column.asc(), TrainingRun.run_id)


def _names(session: Session, run_pks: list[int]) -> dict[int, str]:
    if not run_pks:
        return {}
    rows = session.execute(
        select(RunTag.run_pk, RunTag.value).where(
            RunTag.run_pk.in_(run_pks), RunTag.key == RUN_NAME_TAG
        )
    )
    return dict(rows.all())


def _final_metrics(
    session: Session, run_pks: list[int], keys: Sequence[str]
) -> dict[tuple[int, str], float]:
    if not run_pks or not keys:
        return {}
    rows = session.execute(
        select(RunMetric.run_pk, RunMetric.key, RunMetric.value).where(
            RunMetric.run_pk.in_(run_pks), RunMetric.key.in_(list(keys))
        )
    )
    return {(pk, key): value for pk, key, value in rows}
