"""Fairness of one production window across the groups of its sensitive columns.

A production file declares a sensitive attribute with a ``sensitive.<name>``
column (a text value per row: the row's group); a version's ``models`` row
may also name production columns (features or ``segment.*`` columns) in its
``sensitive`` list, compared the same way under their own name. Per window
and attribute,
over the *labelled* rows with a finite prediction and a group:

* classifiers (0/1 labels, scores in [0, 1] thresholded at 0.5 as in
  :mod:`app.production.performance`): per group ``selection_rate``,
  ``true_positive_rate`` and ``false_positive_rate``; for the attribute
  ``demographic_parity_difference`` (largest − smallest selection rate),
  ``demographic_parity_ratio`` (smallest / largest; not stored when every
  group's rate is 0) and ``equalized_odds_difference`` (the larger of the TPR
  and the FPR differences). These are Fairlearn's definitions
  (``MetricFrame`` ``difference()``/``ratio()`` with ``method="between_groups"``,
  ``equalized_odds_difference(agg="worst_case")``); a group without positives
  (negatives) has TPR (FPR) 0, as scikit-learn's normalised confusion matrix
  gives. The tests check every figure against Fairlearn to 1e-9;
* regressors: per group ``mae``; for the attribute ``mae_gap`` (largest −
  smallest group MAE) and ``relative_mae_gap`` (that gap / the MAE over the
  kept groups' rows, i.e. Fairlearn's ``overall``).

Groups with fewer than ``MIN_GROUP_ROWS`` labelled rows are left out (a rate
over a handful of rows is noise, not a finding) and counted: the attribute's
``groups_left_out`` (its ``rows``: the rows they hold). Differences need at
least two kept groups. Every figure is stored with its ``rows``: the labelled
rows it is computed on. ``FAIRNESS_GAP`` names the attribute figure the
``monitor.fairness_gap`` signal reads for each kind of model.

Written in numpy (Fairlearn imports scikit-learn, seconds that every ingest
would pay); Fairlearn is a test dependency only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.store.models import FairnessResult
from app.store.rows import table_of, upsert_frame

SENSITIVE_PREFIX = "sensitive."
MIN_GROUP_ROWS = 30
CLASSIFIER = "classifier"
REGRESSOR = "regressor"
RESULT_COLUMNS = ["attribute", "group_value", "metric", "value", "rows"]
FAIRNESS_KEY = ("window_id", "attribute", "group_value", "metric")
# The attribute-wide figure the fairness gap signal reads, per kind of model.
FAIRNESS_GAP = {CLASSIFIER: "equalized_odds_difference", REGRESSOR: "relative_mae_gap"}
GROUP_METRICS = {
    CLASSIFIER: ("selection_rate", "true_positive_rate", "false_positive_rate"),
    REGRESSOR: ("mae",),
}
LEFT_OUT = "groups_left_out"


def sensitive_columns(frame: pd.DataFrame, named: Iterable[str] = ()) -> list[str]:
    """The frame's ``sensitive.*`` columns, then those of ``named`` it has, in order."""
    columns = [c for c in frame.columns if c.startswith(SENSITIVE_PREFIX)]
    return columns + [c for c in dict.fromkeys(named) if c in frame.columns and c not in columns]


def named_columns(listed: str | None) -> tuple[str, ...]:
    """A ``models`` row's ``sensitive`` list (comma-separated, blanks ignored) as names."""
    return tuple(name.strip() for name in (listed or "").split(",") if name.strip())


def model_kind(labels: np.ndarray, predictions: np.ndarray, declared: str | None) -> str | None:
    """CLASSIFIER, REGRESSOR, or None (a multiclass classifier: no binary rates to compare).

    A ``models`` row saying ``regression`` decides; otherwise 0/1 labels with
    scores in [0, 1] are a binary classifier, and other labels a regressor
    unless the row says ``classification``.
    """
    if declared == "regression":
        return REGRESSOR
    binary = bool(np.isin(labels, (0.0, 1.0)).all()) and bool(
        ((predictions >= 0) & (predictions <= 1)).all()
    )
    if binary:
        return CLASSIFIER
    return None if declared == "classification" else REGRESSOR


def fairness_results(
    rows: pd.DataFrame,
    declared_task: str | None = None,
    min_group_rows: int = MIN_GROUP_ROWS,
    named: Iterable[str] = (),
) -> pd.DataFrame:
    """The window's ``RESULT_COLUMNS`` rows (see the module docstring); empty without any.

    ``named``: the version's ``models`` row's sensitive columns.
    """
    results: list[tuple[str, str, str, float, int]] = []
    columns = sensitive_columns(rows, named)
    labels = rows["label"].to_numpy(dtype=float, na_value=np.nan)
    predictions = rows["prediction"].to_numpy(dtype=float, na_value=np.nan)
    usable = np.isfinite(labels) & np.isfinite(predictions)
    kind = model_kind(labels[usable], predictions[usable], declared_task) if usable.any() else None
    if not columns or kind is None:
        return pd.DataFrame(results, columns=RESULT_COLUMNS)
    for column in columns:
        groups = rows[column]
        keep = usable & groups.notna().to_numpy()
        results += _attribute(
            column.removeprefix(SENSITIVE_PREFIX),
            labels[keep],
            predictions[keep],
            groups[keep].astype(str).to_numpy(),
            kind,
            min_group_rows,
        )
    return pd.DataFrame(results, columns=RESULT_COLUMNS)


def _attribute(
    name: str, y: np.ndarray, p: np.ndarray, groups: np.ndarray, kind: str, min_rows: int
) -> list[tuple[str, str, str, float, int]]:
    """One attribute's rows: (attribute, group_value, metric, value, rows)."""
    values, codes = np.unique(groups, return_inverse=True)
    counts = np.bincount(codes, minlength=len(values))
    kept = np.flatnonzero(counts >= min_rows)
    small = counts < min_rows
    out = [(name, "", LEFT_OUT, float(small.sum()), int(counts[small].sum()))]
    per_group: dict[str, list[float]] = {m: [] for m in GROUP_METRICS[kind]}
    for code in kept:
        mask = codes == code
        for metric, value in _group_figures(y[mask], p[mask], kind).items():
            per_group[metric].append(value)
            out.append((name, str(values[code]), metric, value, int(counts[code])))
    if len(kept) >= 2:
        kept_rows = int(counts[kept].sum())
        for metric, value in _attribute_figures(per_group, y, p, codes, kept, kind).items():
            out.append((name, "", metric, value, kept_rows))
    return out


def _group_figures(y: np.ndarray, p: np.ndarray, kind: str) -> dict[str, float]:
    if kind == REGRESSOR:
        return {"mae": float(np.abs(p - y).mean())}
    predicted = p >= 0.5
    positives = y == 1.0
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    return {
        "selection_rate": float(predicted.mean()),
        "true_positive_rate": float((predicted & positives).sum() / n_pos) if n_pos else 0.0,
        "false_positive_rate": float((predicted & ~positives).sum() / n_neg) if n_neg else 0.0,
    }


def _attribute_figures(
    per_group: Mapping[str, list[float]],
    y: np.ndarray,
    p: np.ndarray,
    codes: np.ndarray,
    kept: np.ndarray,
    kind: str,
) -> dict[str, float]:
    def spread(metric: str) -> float:
        return max(per_group[metric]) - min(per_group[metric])

    if kind == REGRESSOR:
        in_kept = np.isin(codes, kept)
        overall = float(np.abs(p[in_kept] - y[in_kept]).mean())
        gap = spread("mae")
        figures = {"mae_gap": gap}
        if overall > 0:
            figures["relative_mae_gap"] = gap / overall
        return figures
    rates = per_group["selection_rate"]
    figures = {
        "demographic_parity_difference": spread("selection_rate"),
        "equalized_odds_difference": max(
            spread("true_positive_rate"), spread("false_positive_rate")
        ),
    }
    if max(rates) > 0:
        figures["demographic_parity_ratio"] = min(rates) / max(rates)
    return figures


def replace_fairness(session: Session, window_id: int, results: pd.DataFrame) -> None:
    """Store a written window's ``RESULT_COLUMNS`` rows in place of every figure it had."""
    table = table_of(FairnessResult)
    session.execute(delete(table).where(table.c.window_id == window_id))
    if len(results):
        upsert_frame(session, table, results.assign(window_id=window_id), FAIRNESS_KEY)
