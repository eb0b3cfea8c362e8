"""The overfitting check: each run's train/test gap judged against its system's threshold."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, select

from app.experiments.compare import run_labels, run_names, values_by_run
from app.health.mlops import overfit_gap
from app.health.status import evaluate
from app.health.thresholds import effective_thresholds_for
from app.store.db import session_scope
from app.store.models import RunMetric, System, TrainingRun

__all__ = ["GAP_PREFERENCE", "overfit_checks"]


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
        metrics = values_by_run(session, RunMetric, [pk for pk, _, _ in runs])
        thresholds = effective_thresholds_for(session, sorted({s for _, _, s in runs}))
        names = run_names(session, run_ids)
    order = {rid: i for i, rid in enumerate(run_ids)}
    label_of = dict(zip(run_ids, run_labels(run_ids, names), strict=True))
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
