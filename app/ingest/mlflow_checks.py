"""What an MLflow store may hold that Tandem's columns cannot: refused before any write.

MLflow allows longer text than some of our columns (an experiment or dataset
name, a code version, a registered model alias) and does not refuse NUL, which
PostgreSQL's text cannot hold; SQLite would store either. The limits are read
from the ORM columns the values go to, as file ingest's are (``app.ingest.formats``),
and a system name follows ingest's rule (:func:`system_name_problem`).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import FromClause, String

from app.ingest.mlflow_costs import cost_problem
from app.ingest.mlflow_read import MlflowSnapshot
from app.ingest.system_names import SYSTEM_NAME_RULE, system_name_problem
from app.store.models import (
    DatasetVersion,
    MetricPoint,
    ModelVersion,
    RunMetric,
    RunParam,
    RunTag,
    TrainingRun,
)

__all__ = ["MlflowInputError", "check_snapshot"]

_SHOWN = 80  # characters of an offending name quoted in the message


class MlflowInputError(ValueError):
    """A value the store holds that Tandem cannot store as it is (bad input: exit 2)."""


def check_snapshot(
    snapshot: MlflowSnapshot,
    runs: pd.DataFrame,
    run_systems: pd.Series,
    model_systems: pd.Series,
) -> None:
    """Raise :class:`MlflowInputError` for the first value that would not be stored as read.

    The message names the run id (or model and version, or dataset) and the field.
    """
    run_id = _by("run", "run_id")
    _check_text(runs, TrainingRun.__table__, run_id)
    for position, fields in enumerate(runs[["cost", "currency", "compute_hours"]].to_numpy()):
        if (problem := cost_problem(*fields)) is not None:
            raise MlflowInputError(f"{run_id(runs.iloc[position])}: {problem}")
    _check_systems(runs, run_systems, run_id, "system (--system, tandem.system tag or experiment)")
    for frame, model, what in (
        (snapshot.params, RunParam, "param"),
        (snapshot.tags, RunTag, "tag"),
        (snapshot.metrics, RunMetric, "metric"),
        (snapshot.points, MetricPoint, "metric"),
    ):
        _check_text(frame, model.__table__, run_id, what)
    dataset = _by("dataset", "name", "version", sep="@")
    _check_text(snapshot.datasets, DatasetVersion.__table__, dataset)
    version = _by("model", "model_name", "version", sep=" version ")
    _check_text(snapshot.models, ModelVersion.__table__, version)
    _check_systems(snapshot.models, model_systems, version, "system (--system or model name)")


def _by(noun: str, *columns: str, sep: str = "") -> Callable[[pd.Series], str]:
    return lambda row: f"{noun} {sep.join(_shown(row[c]) for c in columns)}"


def _shown(value: object) -> str:
    text = repr(str(value))[1:-1]
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(str(value))} characters)"


def _check_text(
    frame: pd.DataFrame, table: FromClause, where: Callable[[pd.Series], str], what: str = ""
) -> None:
    for name in frame.columns:
        if name not in table.c or frame[name].dtype != object:
            continue
        values = frame[name]
        text = values.map(lambda v: v if isinstance(v, str) else None)
        field = f"{what} {name}" if what else name
        nul = text.str.contains("\x00", regex=False, na=False)
        if nul.any():
            row = frame.iloc[int(nul.to_numpy().argmax())]
            raise MlflowInputError(f"{where(row)}: {_key(row, what)}{field}: text without NUL")
        stored = table.c[name].type
        limit = stored.length if isinstance(stored, String) else None
        if limit is None:
            continue
        lengths = text.str.len()
        long = (lengths > limit).fillna(False).astype(bool)
        if long.any():
            position = int(long.to_numpy().argmax())
            row = frame.iloc[position]
            raise MlflowInputError(
                f"{where(row)}: {_key(row, what)}{field}: expected "
                f"at most {limit} characters, got {int(lengths.iloc[position])}"
            )


def _key(row: pd.Series, what: str) -> str:
    """Which param, tag or metric (by its key) when the value is the problem."""
    return f"{what} {_shown(row['key'])!r}, " if what and "key" in row else ""


def _check_systems(
    frame: pd.DataFrame, systems: pd.Series, where: Callable[[pd.Series], str], field: str
) -> None:
    for position, name in enumerate(systems):  # in the frame's row order
        problem = system_name_problem(str(name))
        if problem is not None:
            row = frame.iloc[position]
            expected = f"expected {SYSTEM_NAME_RULE}, got {problem}"
            raise MlflowInputError(f"{where(row)}: {field}: {expected}")
