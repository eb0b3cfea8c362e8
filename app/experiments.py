"""What the Experiments page shows: a runs table, metric histories, a run comparison.

Filtering, sorting and paging of runs happen in SQL, so the table opens fast
with thousands of runs; only the shown page's metrics are read. Histories are
downsampled per run with min/max per bucket, so that spikes survive and the
first and last points are always kept.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session, aliased

from app.health.champion import lower_is_better
from app.health.mlops import overfit_gap
from app.health.status import evaluate
from app.health.thresholds import effective_thresholds_for
from app.store.db import session_scope
from app.store.models import MetricPoint, RunMetric, RunParam, System, TrainingRun

__all__ = [
    "MetricCondition",
    "RunOptions",
    "RunPage",
    "RunQuery",
    "best_cells",
    "compare_runs",
    "downsample_minmax",
    "metric_histories",
    "overfit_checks",
    "parse_condition",
    "run_labels",
    "run_options",
    "runs_page",
]

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "=": operator.eq,
}
_CONDITION = re.compile(r"^\s*([\w.\-/]+)\s*(>=|<=|!=|==|=|>|<)\s*([-+\w.]+)\s*$")
KEY_METRICS = 6
SORTS = ("started_at", "experiment", "status")


@dataclass(frozen=True)
class MetricCondition:
    """A filter on a run's final metric, such as ``test_auc > 0.9``."""

    key: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.value:g}"


def parse_condition(text: str) -> MetricCondition | None:
    """``"test_auc > 0.9"`` → a condition; ``""`` → None; anything else raises ValueError."""
    if not text.strip():
        return None
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(f"expected METRIC OP NUMBER such as 'test_auc > 0.9', got {text!r}")
    key, op, raw = match.groups()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return MetricCondition(key, op, value)


@dataclass(frozen=True)
class RunQuery:
    """Which runs: a system (None = all), a start-time range and the page's filters."""

    system: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    experiments: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    condition: MetricCondition | None = None

    def where(self, query: Select[Any]) -> Select[Any]:
        """``query`` (which selects from training_runs) narrowed to these runs."""
        if self.system is not None:
            ids = select(System.id).where(System.name == self.system)
            query = query.where(TrainingRun.system_id.in_(ids))
        if self.since is not None:
            query = query.where(TrainingRun.started_at >= self.since)
        if self.until is not None:
            query = query.where(TrainingRun.started_at < self.until)
        if self.experiments:
            query = query.where(TrainingRun.experiment.in_(self.experiments))
        if self.statuses:
            query = query.where(TrainingRun.status.in_(self.statuses))
        if self.triggers:
            query = query.where(TrainingRun.trigger.in_(self.triggers))
        if self.condition is not None:
            compare = OPERATORS[self.condition.op]
            matching = select(RunMetric.run_pk).where(
                RunMetric.key == self.condition.key,
                compare(RunMetric.value, self.condition.value),
            )
            query = query.where(TrainingRun.id.in_(matching))
        return query

    def unfiltered(self) -> RunQuery:
        """The same system and range without the page's filters (for the filter options)."""
        return RunQuery(self.system, self.since, self.until)


@dataclass(frozen=True)
class RunOptions:
    """The values the filters offer, from the runs of the system and range."""

    experiments: tuple[str, ...]
    statuses: tuple[str, ...]
    triggers: tuple[str, ...]
    metrics: tuple[str, ...]  # most logged first, test metrics before the rest
    total: int


def run_options(engine: Engine, query: RunQuery) -> RunOptions:
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
    "run_id",
    "experiment",
    "status",
    "started_at",
    "duration_min",
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
        rows = [
            {
                "run_id": r.run_id,
                "experiment": r.experiment,
                "status": r.status,
                "started_at": r.started_at,
                "duration_min": (
                    (r.finished_at - r.started_at).total_seconds() / 60 if r.finished_at else None
                ),
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


# --- metric histories --------------------------------------------------------


def downsample_minmax(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices (sorted) that keep each bucket's min and max, and the first and last point.

    ``values`` in x order; at most ``max_points`` indices (at least 4 are kept).
    With few enough points every index is returned.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, (max_points - 2) // 2)
    bucket = np.arange(n) * buckets // n
    order = np.lexsort((values, bucket))  # by bucket, then value: min first, max last
    ends = np.flatnonzero(np.diff(bucket[order])) if n > 1 else np.array([], dtype=int)
    firsts = np.concatenate(([0], ends + 1))
    lasts = np.concatenate((ends, [n - 1]))
    keep = np.concatenate((order[firsts], order[lasts], [0, n - 1]))
    return np.unique(keep)


def metric_histories(
    engine: Engine, run_ids: Sequence[str], key: str, *, max_points: int = 1_000
) -> pd.DataFrame:
    """run_id, step, timestamp, value of metric ``key`` for ``run_ids``, downsampled per run."""
    columns = ["run_id", "step", "timestamp", "value"]
    if not run_ids:
        return pd.DataFrame(columns=columns)
    with session_scope(engine) as session:
        rows = session.execute(
            select(TrainingRun.run_id, MetricPoint.step, MetricPoint.timestamp, MetricPoint.value)
            .join(TrainingRun, TrainingRun.id == MetricPoint.run_pk)
            .where(TrainingRun.run_id.in_(list(run_ids)), MetricPoint.key == key)
            .order_by(TrainingRun.run_id, MetricPoint.step, MetricPoint.timestamp)
        ).all()
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    parts = []
    for _, group in frame.groupby("run_id", sort=False):
        parts.append(group.iloc[downsample_minmax(group["value"].to_numpy(), max_points)])
    return pd.concat(parts, ignore_index=True)


def metrics_with_history(engine: Engine, run_ids: Sequence[str]) -> list[str]:
    """Metric keys with a logged history among ``run_ids``, alphabetically."""
    if not run_ids:
        return []
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(MetricPoint.key)
                .distinct()
                .join(TrainingRun, TrainingRun.id == MetricPoint.run_pk)
                .where(TrainingRun.run_id.in_(list(run_ids)))
                .order_by(MetricPoint.key)
            )
        )


# --- comparison --------------------------------------------------------------


def run_label(run_id: str) -> str:
    return run_id[:8]


def run_labels(run_ids: Sequence[str]) -> list[str]:
    """Short labels for ``run_ids``: 8 characters, longer where prefixes collide."""
    for length in (8, 12, 16):
        labels = [r[:length] for r in run_ids]
        if len(set(labels)) == len(set(run_ids)):
            return labels
    return list(run_ids)


def compare_runs(engine: Engine, run_ids: Sequence[str], *, diff_only: bool = True) -> pd.DataFrame:
    """Runs side by side: a row per attribute, param and metric, a column per run.

    Columns ``section`` (run, param, metric) and ``name``, then one per run
    (labelled by the first 8 characters of its id). With ``diff_only`` (and
    more than one run) rows whose values are the same for every run are left
    out; a value missing in some runs counts as a difference.
    """
    with session_scope(engine) as session:
        runs = session.scalars(
            select(TrainingRun).where(TrainingRun.run_id.in_(list(run_ids)))
        ).all()
        by_pk = {r.id: r for r in runs}
        params = _long(session, RunParam, list(by_pk))
        metrics = _long(session, RunMetric, list(by_pk))
    ordered = [r for rid in run_ids for r in runs if r.run_id == rid]
    labels = run_labels([r.run_id for r in ordered])
    rows: list[dict[str, Any]] = []
    info = {
        "experiment": lambda r: r.experiment,
        "status": lambda r: r.status,
        "started_at": lambda r: f"{r.started_at:%Y-%m-%d %H:%M}",
        "trigger": lambda r: r.trigger,
        "code_commit": lambda r: (r.code_commit or "")[:8] or None,
        "train_dataset": lambda r: r.train_dataset,
        "eval_dataset": lambda r: r.eval_dataset,
    }
    for name, get in info.items():
        rows.append(
            {
                "section": "run",
                "name": name,
                **{lab: get(r) for lab, r in zip(labels, ordered, strict=True)},
            }
        )
    for section, values in (("param", params), ("metric", metrics)):
        for name in sorted({k for pk in values for k in values[pk]}):
            rows.append(
                {
                    "section": section,
                    "name": name,
                    **{
                        lab: values.get(r.id, {}).get(name)
                        for lab, r in zip(labels, ordered, strict=True)
                    },
                }
            )
    frame = pd.DataFrame(rows, columns=["section", "name", *labels])
    if diff_only and len(labels) > 1:
        frame = frame[_differs(frame[labels])].reset_index(drop=True)
    return frame


def _long(
    session: Session, model: type[RunParam] | type[RunMetric], pks: list[int]
) -> dict[int, dict[str, Any]]:
    result: dict[int, dict[str, Any]] = {}
    if pks:
        query = select(model.run_pk, model.key, model.value).where(model.run_pk.in_(pks))
        for pk, key, value in session.execute(query):
            result.setdefault(pk, {})[key] = value
    return result


def _differs(values: pd.DataFrame) -> np.ndarray:
    as_text = values.astype(object).where(values.notna(), None).astype(str)
    return (as_text.nunique(axis=1) > 1).to_numpy()


def best_cells(comparison: pd.DataFrame) -> pd.DataFrame:
    """Booleans shaped like ``comparison``: the best value of each metric row.

    Best is the highest, or the lowest for error-like metrics (``rmse``,
    ``*_loss``...), judged on the name without its ``train_``/``test_`` prefix.
    Ties are all best; rows with fewer than two values have no best.
    """
    mask = pd.DataFrame(False, index=comparison.index, columns=comparison.columns)
    runs = [c for c in comparison.columns if c not in ("section", "name")]
    for index, row in comparison.iterrows():
        if row["section"] != "metric":
            continue
        values = pd.to_numeric(row[runs], errors="coerce").astype(float)
        if values.notna().sum() < 2:
            continue
        base = re.sub(r"^(train|test|val|valid|validation|eval)_", "", str(row["name"]))
        best = values.min() if lower_is_better(base) else values.max()
        mask.loc[index, runs] = (values == best).to_numpy()
    return mask


# --- overfitting -------------------------------------------------------------


def overfit_checks(engine: Engine, run_ids: Sequence[str]) -> pd.DataFrame:
    """Per run: the train/test pair judged, both values, the relative gap and its status.

    The gap is :func:`app.health.mlops.overfit_gap` (positive = overfitting),
    judged against the ``train.overfit_gap`` threshold in force for the run's
    system. Runs without a train_X/test_X pair get status ``unknown``.
    """
    columns = ["run", "metric", "train", "test", "gap", "warn", "critical", "status"]
    if not run_ids:
        return pd.DataFrame(columns=columns)
    with session_scope(engine) as session:
        runs = session.execute(
            select(TrainingRun.id, TrainingRun.run_id, System.name)
            .join(System, System.id == TrainingRun.system_id)
            .where(TrainingRun.run_id.in_(list(run_ids)))
        ).all()
        metrics = _long(session, RunMetric, [pk for pk, _, _ in runs])
        thresholds = effective_thresholds_for(session, sorted({s for _, _, s in runs}))
    order = {rid: i for i, rid in enumerate(run_ids)}
    label_of = dict(zip(run_ids, run_labels(run_ids), strict=True))
    rows = []
    for pk, run_id, system in sorted(runs, key=lambda r: order[r[1]]):
        values = metrics.get(pk, {})
        name = _gap_metric(values)
        gap = overfit_gap(values, name) if name else None
        spec = thresholds[system]["train.overfit_gap"]
        rows.append(
            {
                "run": label_of[run_id],
                "metric": name,
                "train": values.get(f"train_{name}") if name else None,
                "test": values.get(f"test_{name}") if name else None,
                "gap": gap,
                "warn": spec.warn,
                "critical": spec.critical,
                "status": str(evaluate(gap, spec)),
            }
        )
    return pd.DataFrame(rows, columns=columns)


# Which train/test pair to judge first: the usual validation metrics, then by name.
GAP_PREFERENCE = ("auc", "roc_auc", "f1", "mae", "rmse", "accuracy", "r2")


def _gap_metric(values: dict[str, float]) -> str | None:
    pairs = [
        k.removeprefix("train_")
        for k in values
        if k.startswith("train_") and f"test_{k.removeprefix('train_')}" in values and values[k]
    ]
    ranked = sorted(
        pairs, key=lambda n: (GAP_PREFERENCE.index(n) if n in GAP_PREFERENCE else 99, n)
    )
    return ranked[0] if ranked else None
