"""Multivariate drift and feature importance as the pages and signals read them.

Part of the read model (:mod:`app.production.read`); no Streamlit, no
scikit-learn: everything here reads rows the ingest stored
(:mod:`app.production.multivariate_pass`).

"Which drift matters" (:func:`rank_drifted`): a drifted feature's *impact*
is its importance share (its permutation importance over the sum of the
version's positive importances; negative importances count as 0) times its
drift strength, the score relative to its threshold (``relative`` of
:func:`app.drift.apply_family_thresholds`: threshold / p for p-value tests,
score / threshold for distances; 1 = at the threshold), capped at
:data:`RELATIVE_CAP` so that a vanishing p-value cannot outrank importance.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from app.drift.methods import METHODS
from app.production.multivariate import DOMAIN_CLASSIFIER
from app.production.windows import PREDICTION
from app.store.db import session_scope
from app.store.models import (
    DriftResult,
    FeatureImportance,
    MultivariateDriftResult,
    ProductionWindow,
    System,
)

RELATIVE_CAP = 10.0
SERIES_COLUMNS = [
    "window_id",
    "window_start",
    "model_version",
    "method",
    "value",
    "lower",
    "upper",
    "alert",
]


def multivariate_series(engine: Engine, system: str, since: datetime | None) -> pd.DataFrame:
    """Both detectors per production window of ``system`` starting at or after ``since``.

    Columns ``SERIES_COLUMNS``, oldest first; ``alert`` = the value is outside
    its stored bounds.
    """
    query = (
        select(
            MultivariateDriftResult.window_id,
            ProductionWindow.window_start,
            ProductionWindow.model_version,
            MultivariateDriftResult.method,
            MultivariateDriftResult.value,
            MultivariateDriftResult.lower,
            MultivariateDriftResult.upper,
        )
        .join(ProductionWindow, ProductionWindow.id == MultivariateDriftResult.window_id)
        .join(System, System.id == ProductionWindow.system_id)
        .where(System.name == system)
        .order_by(ProductionWindow.window_start, MultivariateDriftResult.method)
    )
    if since is not None:
        query = query.where(ProductionWindow.window_start >= since)
    with session_scope(engine) as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=SERIES_COLUMNS[:-1])
    upper = frame["upper"].astype(float)
    lower = frame["lower"].astype(float)
    frame["alert"] = (frame["value"] > upper.fillna(np.inf)) | (
        frame["value"] < lower.fillna(-np.inf)
    )
    return frame


def importances(engine: Engine, reference_window_id: int) -> pd.DataFrame:
    """A reference's feature importances: column, importance, importance_std, share; largest first.

    ``share`` = importance / the sum of positive importances (negatives count as 0).
    """
    with session_scope(engine) as session:
        frame = _importances(session, reference_window_id)
    return frame.sort_values("importance", ascending=False, ignore_index=True)


def rank_drifted(columns: pd.DataFrame, importance: pd.DataFrame) -> pd.DataFrame:
    """Drifted features ranked by importance share × capped drift strength, largest first.

    ``columns`` holds ``column``, ``drifted``, ``relative`` (the Drift page's
    re-decided results); ``importance`` is :func:`importances`. Columns:
    feature, importance, share, relative, impact. Features without an
    importance (and the prediction) are left out.
    """
    drifted = columns[columns["drifted"].astype(bool) & (columns["column"] != PREDICTION)]
    merged = drifted[["column", "relative"]].merge(importance, on="column", how="inner")
    merged["impact"] = merged["share"] * merged["relative"].clip(upper=RELATIVE_CAP)
    merged = merged.rename(columns={"column": "feature"})
    ranked = merged.sort_values(["impact", "share"], ascending=False, ignore_index=True)
    return ranked[["feature", "importance", "share", "relative", "impact"]]


def domain_auc_series(
    session: Session, ids: Collection[int], since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, float]]]:
    """Per system, (window start, domain classifier AUC) of windows starting in [since, until).

    Oldest first; ``monitor.multivariate_drift`` is the last one, the what-if
    replay every one.
    """
    rows = session.execute(
        select(
            ProductionWindow.system_id, ProductionWindow.window_start, MultivariateDriftResult.value
        )
        .join(ProductionWindow, ProductionWindow.id == MultivariateDriftResult.window_id)
        .where(
            ProductionWindow.system_id.in_(list(ids)),
            ProductionWindow.window_start >= since,
            ProductionWindow.window_start < until,
            MultivariateDriftResult.method == DOMAIN_CLASSIFIER,
        )
        .order_by(ProductionWindow.window_start, ProductionWindow.id)
    ).all()
    series: dict[int, list[tuple[datetime, float]]] = {}
    for system_id, start, value in rows:
        series.setdefault(int(system_id), []).append((start, float(value)))
    return series


@dataclass(frozen=True)
class ImportantDrift:
    """The drifted feature that matters most in a window, and why."""

    feature: str
    share: float
    drifted: int


def most_important_drift(
    session: Session, ids: Collection[int], since: datetime, until: datetime
) -> dict[int, ImportantDrift]:
    """Per system, the top of :func:`rank_drifted` in its latest window with drift results.

    Read from stored results (``drifted`` as decided at ingest); systems
    whose latest window has no drifted feature with an importance are absent.
    """
    # The latest window with drift results per system first (one row per window), then
    # only those windows' results: the page reads one window per system, not all of them.
    measured = session.execute(
        select(
            ProductionWindow.system_id, ProductionWindow.window_start, ProductionWindow.id
        ).where(
            ProductionWindow.system_id.in_(list(ids)),
            ProductionWindow.window_start >= since,
            ProductionWindow.window_start < until,
            exists().where(DriftResult.window_id == ProductionWindow.id),
        )
    ).all()
    newest: dict[int, tuple[datetime, int]] = {}
    for system_id, start, window_id in measured:
        newest[system_id] = max(newest.get(system_id, (start, window_id)), (start, window_id))
    if not newest:
        return {}
    rows = session.execute(
        select(
            ProductionWindow.system_id,
            DriftResult.window_id,
            DriftResult.reference_window_id,
            DriftResult.column,
            DriftResult.method,
            DriftResult.score,
            DriftResult.threshold,
            DriftResult.drifted,
        )
        .join(ProductionWindow, ProductionWindow.id == DriftResult.window_id)
        .where(DriftResult.window_id.in_(sorted(w for _, w in newest.values())))
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "system_id",
            "window_id",
            "reference_id",
            "column",
            "method",
            "score",
            "threshold",
            "drifted",
        ],
    )
    latest = frame.groupby("system_id").tail(1)
    references = sorted({int(r) for r in latest["reference_id"]})
    stored = session.execute(
        select(
            FeatureImportance.reference_window_id,
            FeatureImportance.column,
            FeatureImportance.importance,
            FeatureImportance.importance_std,
        ).where(FeatureImportance.reference_window_id.in_(references))
    ).all()
    by_reference = pd.DataFrame(
        stored, columns=["reference_id", "column", "importance", "importance_std"]
    )
    result: dict[int, ImportantDrift] = {}
    for system_id, window_id, reference_id in latest[
        ["system_id", "window_id", "reference_id"]
    ].itertuples(index=False):
        columns = frame[frame["window_id"] == window_id].copy()
        p_value = columns["method"].map(lambda m: METHODS[m].family == "p_value")
        score = columns["score"].clip(lower=1e-300)
        columns["relative"] = np.where(
            p_value, columns["threshold"] / score, columns["score"] / columns["threshold"]
        )
        own = by_reference[by_reference["reference_id"] == reference_id].drop(
            columns="reference_id"
        )
        ranked = rank_drifted(columns, _with_share(own.reset_index(drop=True)))
        if len(ranked):
            top = ranked.iloc[0]
            result[int(system_id)] = ImportantDrift(
                str(top["feature"]), float(top["share"]), len(ranked)
            )
    return result


def _importances(session: Session, reference_window_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(
            FeatureImportance.column,
            FeatureImportance.importance,
            FeatureImportance.importance_std,
        ).where(FeatureImportance.reference_window_id == reference_window_id)
    ).all()
    return _with_share(pd.DataFrame(rows, columns=["column", "importance", "importance_std"]))


def _with_share(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus ``share``: importance over the sum of positive importances (negatives 0)."""
    positive = frame["importance"].clip(lower=0)
    total = float(positive.sum())
    return frame.assign(share=positive / total if total > 0 else 0.0)
