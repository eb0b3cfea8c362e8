"""Runs side by side: attributes, params and final metrics, and each metric's best value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.health.champion import lower_is_better
from app.store.db import session_scope
from app.store.models import RunMetric, RunParam, TrainingRun

__all__ = ["best_cells", "compare_runs", "run_label", "run_labels", "values_by_run"]


def run_label(run_id: str) -> str:
    """A run's short label: the first 8 characters of its id, as MLflow's UI shows it."""
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
        params = values_by_run(session, RunParam, list(by_pk))
        metrics = values_by_run(session, RunMetric, list(by_pk))
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


def values_by_run(
    session: Session, model: type[RunParam] | type[RunMetric], pks: list[int]
) -> dict[int, dict[str, Any]]:
    """``{run pk: {key: value}}`` of the params or final metrics of the runs ``pks``."""
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
