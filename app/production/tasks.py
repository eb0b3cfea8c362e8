"""A model version's task: regression, binary or multiclass classification, and its classes.

A window is scored as its *version* is, never as its own labels look: a day
whose labels happen to be only 0 and 1 is not binary when the version predicts
three classes, and a day without labels is still a classifier's day. Where the
task comes from, first that applies:

1. the version's ``models`` row says ``regression``: regression;
2. its labelled reference (the ``--reference`` rows of the same version):
   binary when it has no ``score.<class>`` columns, the labels are 0/1 and
   the predictions scores in [0, 1]; else multiclass when the ``models`` row
   says ``classification`` or the reference has ``score.<class>`` columns
   (the classes: the labels, the rounded predicted classes and the score
   columns' classes, sorted); else regression;
3. a ``classification`` ``models`` row without a labelled reference: binary
   when the window's predictions lie in [0, 1] and it has no score columns,
   else multiclass over the classes the window shows;
4. neither: the window's own labels decide (:func:`infer_task`, binary or
   regression, never multiclass) — *provisional*: results are recomputed with
   the version's task when a reference or a ``models`` row arrives
   (:mod:`app.production.performance_refresh`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.production.windows import SCORE_PREFIX

CLASSIFICATION = "classification"  # the models row's word for binary and multiclass
REGRESSION = "regression"
BINARY = "binary"
MULTICLASS = "multiclass"


@dataclass(frozen=True)
class Task:
    """How a version's windows are scored: ``kind`` and, for classifiers, the class labels."""

    kind: str  # REGRESSION, BINARY or MULTICLASS
    classes: tuple[float, ...] = ()

    @property
    def is_classifier(self) -> bool:
        return self.kind != REGRESSION


REGRESSION_TASK = Task(REGRESSION)
BINARY_TASK = Task(BINARY, (0.0, 1.0))


def score_columns(frame: pd.DataFrame) -> dict[float, str]:
    """``score.<class>`` columns by their class (a number), in class order."""
    return scores_by_class(frame.columns)


def scores_by_class(columns: Iterable[str]) -> dict[float, str]:
    """Of these column names, the ``score.<class>`` ones by their class, in class order."""
    found: dict[float, str] = {}
    for column in columns:
        if column.startswith(SCORE_PREFIX):
            try:
                found[float(column.removeprefix(SCORE_PREFIX))] = column
            except ValueError:
                continue
    return dict(sorted(found.items()))


def _floats(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=float, na_value=np.nan)
    return values[np.isfinite(values)]


def _is_binary_scored(labels: np.ndarray, predictions: np.ndarray) -> bool:
    return bool(
        np.isin(labels, (0.0, 1.0)).all()
        and predictions.size
        and predictions.min() >= 0
        and predictions.max() <= 1
    )


def infer_task(labels: pd.Series, predictions: pd.Series) -> str:
    """Binary if labels are 0/1 and predictions within [0, 1], else regression (rule 4)."""
    binary = _is_binary_scored(_floats(labels), _floats(predictions))
    return BINARY if binary else REGRESSION


def _multiclass(rows: pd.DataFrame, labels: np.ndarray) -> Task:
    predicted = np.rint(_floats(rows["prediction"]))
    classes = set(labels.tolist()) | set(predicted.tolist()) | set(score_columns(rows))
    return Task(MULTICLASS, tuple(sorted(classes)))


def version_task(declared: str | None, reference: pd.DataFrame | None) -> Task | None:
    """The version's task from its ``models`` row's ``declared`` task and labelled reference.

    Rules 1–3 of the module docstring; None when neither says (rule 4 is the
    window's: :func:`window_task`).
    """
    if declared == REGRESSION:
        return REGRESSION_TASK
    labelled = None
    if reference is not None:
        labelled = reference[reference["label"].notna() & reference["prediction"].notna()]
    if labelled is not None and len(labelled):
        labels = _floats(labelled["label"])
        scores = score_columns(labelled)
        if not scores and _is_binary_scored(labels, _floats(labelled["prediction"])):
            return BINARY_TASK
        if declared == CLASSIFICATION or scores:
            return _multiclass(labelled, labels)
        return REGRESSION_TASK
    return None


def window_task(version: Task | None, declared: str | None, rows: pd.DataFrame) -> Task | None:
    """The task a window is scored with: its version's, else rules 3 and 4; None: not known."""
    if version is not None:
        return version
    predictions = _floats(rows["prediction"])
    if declared == CLASSIFICATION:
        if not score_columns(rows) and _is_binary_scored(np.zeros(0), predictions):
            return BINARY_TASK
        return _multiclass(rows, _floats(rows["label"]))
    labelled = rows[rows["label"].notna()]
    if not len(labelled):
        return None
    kind = infer_task(labelled["label"], labelled["prediction"])
    return BINARY_TASK if kind == BINARY else REGRESSION_TASK
