"""Runs side by side: attributes, params, tags and final metrics, and each metric's best value.

Runs are labelled by their MLflow name (the ``mlflow.runName`` tag) where they
have one, else by their short id, as MLflow's UI shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.health.champion import lower_is_better
from app.store.db import session_scope
from app.store.models import RunMetric, RunParam, RunTag, TrainingRun

__all__ = [
    "RUN_NAME_TAG",
    "best_cells",
    "compare_runs",
    "run_label",
    "run_labels",
    "run_labels_of",
    "run_names",
    "shown_tag",
    "values_by_run",
]

RUN_NAME_TAG = "mlflow.runName"


def run_label(run_id: str, name: str | None = None) -> str:
    """A run's label: its name, else the first 8 characters of its id (as MLflow's UI)."""
    return name or run_id[:8]


def _short_ids(run_ids: Sequence[str]) -> list[str]:
    for length in (8, 12, 16):
        labels = [r[:length] for r in run_ids]
        if len(set(labels)) == len(set(run_ids)):
            return labels
    return list(run_ids)


def run_labels(run_ids: Sequence[str], names: Mapping[str, str] | None = None) -> list[str]:
    """Distinct labels for distinct ``run_ids``: each run's name, else its short id.

    Short ids are 8 characters, longer where prefixes collide; a name that
    several of the runs share gets its short id appended (``name · 1a2b3c4d``).
    """
    short = _short_ids(run_ids)
    names = names or {}
    labels = [names.get(r) or s for r, s in zip(run_ids, short, strict=True)]
    owners: dict[str, set[str]] = {}
    for run_id, label in zip(run_ids, labels, strict=True):
        owners.setdefault(label, set()).add(run_id)
    labels = [
        f"{label} · {s}" if len(owners[label]) > 1 else label
        for label, s in zip(labels, short, strict=True)
    ]
    return labels if len(set(labels)) == len(set(run_ids)) else short


def run_names(session: Session, run_ids: Sequence[str]) -> dict[str, str]:
    """``{run_id: name}`` of the runs among ``run_ids`` that have a ``mlflow.runName`` tag."""
    if not run_ids:
        return {}
    query = (
        select(TrainingRun.run_id, RunTag.value)
        .join(RunTag, RunTag.run_pk == TrainingRun.id)
        .where(TrainingRun.run_id.in_(list(run_ids)), RunTag.key == RUN_NAME_TAG)
    )
    return dict(session.execute(query).all())


def run_labels_of(engine: Engine, run_ids: Sequence[str]) -> dict[str, str]:
    """``{run_id: label}`` as :func:`run_labels`, the names read from the database."""
    with session_scope(engine) as session:
        names = run_names(session, run_ids)
    return dict(zip(run_ids, run_labels(run_ids, names), strict=True))


def shown_tag(key: str) -> bool:
    """Whether the compare view shows a tag: the user's own, and the run name of MLflow's."""
    return key == RUN_NAME_TAG or not key.startswith("mlflow.")


def compare_runs(engine: Engine, run_ids: Sequence[str], *, diff_only: bool = True) -> pd.DataFrame:
    """Runs side by side: a row per attribute, param, tag and metric, a column per run.

    Columns ``section`` (run, param, metric) and ``name``, then one per run
    (labelled as :func:`run_labels`). Tags are rows of the param section named
    ``tag.<key>`` (MLflow's own ``mlflow.*`` tags left out but the run name).
    With ``diff_only`` (and more than one run) rows whose values are the same
    for every run are left out; a value missing in some runs counts as a difference.
    """
    with session_scope(engine) as session:
        runs = session.scalars(
            select(TrainingRun).where(TrainingRun.run_id.in_(list(run_ids)))
        ).all()
        by_pk = {r.id: r for r in runs}
        params = values_by_run(session, RunParam, list(by_pk))
        tags = values_by_run(session, RunTag, list(by_pk))
        metrics = values_by_run(session, RunMetric, list(by_pk))
    shown_tags = {
        pk: {f"tag.{key}": value for key, value in values.items() if shown_tag(key)}
        for pk, values in tags.items()
    }
    ordered = [r for rid in run_ids for r in runs if r.run_id == rid]
    names = {r.run_id: tags.get(r.id, {}).get(RUN_NAME_TAG) for r in ordered}
    labels = run_labels([r.run_id for r in ordered], {k: v for k, v in names.items() if v})
    rows: list[dict[str, Any]] = []
    info = {
        "run_id": lambda r: r.run_id,
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
    for section, values in (("param", params), ("param", shown_tags), ("metric", metrics)):
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
    session: Session, model: type[RunParam] | type[RunTag] | type[RunMetric], pks: list[int]
) -> dict[int, dict[str, Any]]:
    """``{run pk: {key: value}}`` of the params, tags or final metrics of the runs ``pks``."""
    result: dict[int, dict[str, Any]] = {}
    if pks:
        query = select(model.run_pk, model.key, model.value).where(model.run_pk.in_(pks))
        for pk, key, value in session.execute(query):
            result.setdefault(pk, {})[key] = value
    return result


def _differs(values: pd.DataFrame) -> np.ndarray:
    as_text = values.astype(object).where(values.notna(), "None").astype(str)
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
