"""Live model performance per production window against its baseline, and segment gaps.

The Model performance page draws these (no Streamlit here); the statuses are
the one health evaluation, :func:`app.health.status.evaluate`.

Conventions:

* A window's **realised** metric is the stored measured result over its
  labelled rows; a window without labels has none (NaN, shown as "labels
  pending", never as zero). Its **estimated** metric is the stored estimate
  made without labels: CBPE for classifiers (:mod:`app.production.estimation`),
  DLE for regressors (:mod:`app.production.dle`, MAE and RMSE, with a band:
  ``estimated_lower``/``estimated_upper``, NaN when the method gives none).
  ``estimated_status`` judges the estimate as ``status`` judges the realised
  value, so a day whose labels are pending can still be flagged.
* A version's **baseline** for a metric is its registered validation value
  when that is the metric (registry spellings such as ``auc`` read as
  ``roc_auc``), else its training run's ``test_<metric>``.
* The **band** is the ``monitor.performance_ratio`` threshold applied to the
  baseline: a window is below warn when live / baseline < warn (inverted for
  lower-is-better metrics, as :func:`app.health.champion.relative_to_baseline`).
* A window's **status** is :func:`app.health.status.evaluate` of live / baseline
  against the ``monitor.performance_ratio`` bounds in force, as the health
  signal judges it: ``unknown`` without labels (labels pending) or without a
  baseline, never ``ok``.
* A **segment gap** is (segment − overall) / |overall| in the same window; its
  status is ``evaluate`` of its size against the ``monitor.segment_gap`` bounds
  (warn and critical), and it is flagged when that is warn or critical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from app.health.champion import LIVE_METRIC_ALIASES, lower_is_better, relative_to_baseline
from app.health.status import Bounds, Status, evaluate
from app.production.performance import CLASSIFICATION, REGRESSION
from app.store.db import session_scope
from app.store.models import (
    ModelVersion,
    PerformanceResult,
    ProductionWindow,
    RunMetric,
    System,
    TrainingRun,
)
from app.store.queries.models import champion_of
from app.store.queries.production import is_production

METRICS = {
    CLASSIFICATION: ("roc_auc", "accuracy", "precision", "recall", "f1"),
    REGRESSION: ("mae", "rmse", "mape", "r2"),
}
METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1",
    "mae": "MAE",
    "rmse": "RMSE",
    "mape": "MAPE",
    "r2": "R²",
}
WINDOW_COLUMNS = ["id", "model_version", "window_start", "rows", "labelled_rows", "path"]
RESULT_COLUMNS = ["window_id", "metric", "segment", "value", "rows", "estimated"]
BAND_COLUMNS = ["lower", "upper"]  # an estimate's band; results may come without them
OK, WARN, CRITICAL, UNKNOWN = Status.OK, Status.WARN, Status.CRITICAL, Status.UNKNOWN


@dataclass(frozen=True)
class Performance:
    """A system's production windows, their stored results and each version's baselines."""

    windows: pd.DataFrame  # WINDOW_COLUMNS, production windows only, oldest first
    results: pd.DataFrame  # RESULT_COLUMNS (and BAND_COLUMNS when loaded)
    baselines: dict[int, dict[str, float]]  # version -> metric -> baseline
    task: str
    champion: int | None
    champion_metric: str | None  # the champion's validation metric, as windows name it


def canonical_metric(name: str) -> str:
    lowered = name.lower()
    return LIVE_METRIC_ALIASES.get(lowered, lowered)


def load(engine: Engine, system: str) -> Performance:
    """Everything the page needs of ``system``, in three queries."""
    with session_scope(engine) as session:
        windows = session.execute(
            select(*(getattr(ProductionWindow, c) for c in WINDOW_COLUMNS))
            .join(System, System.id == ProductionWindow.system_id)
            .where(System.name == system, is_production())
            .order_by(ProductionWindow.window_start, ProductionWindow.model_version)
        ).all()
        results = session.execute(
            select(*(getattr(PerformanceResult, c) for c in RESULT_COLUMNS + BAND_COLUMNS))
            .join(ProductionWindow, ProductionWindow.id == PerformanceResult.window_id)
            .join(System, System.id == ProductionWindow.system_id)
            .where(System.name == system, is_production())
        ).all()
        versions = session.execute(
            select(
                ModelVersion.version,
                ModelVersion.task,
                ModelVersion.validation_metric,
                ModelVersion.validation_value,
                RunMetric.key,
                RunMetric.value,
            )
            .join(System, System.id == ModelVersion.system_id)
            .outerjoin(
                TrainingRun,
                (TrainingRun.run_id == ModelVersion.run_id)
                & (TrainingRun.system_id == ModelVersion.system_id),
            )
            .outerjoin(RunMetric, RunMetric.run_pk == TrainingRun.id)
            .where(System.name == system)
            .order_by(ModelVersion.version)
        ).all()
        champ = champion_of(session, system)
    frame = pd.DataFrame(windows, columns=WINDOW_COLUMNS)
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    result_frame = pd.DataFrame(results, columns=RESULT_COLUMNS + BAND_COLUMNS)
    result_frame["estimated"] = result_frame["estimated"].astype(bool)
    baselines: dict[int, dict[str, float]] = {}
    tasks: dict[int, str] = {}
    champion, champion_metric = None, None
    for version, task, metric, value, key, run_value in versions:
        mine = baselines.setdefault(int(version), {})
        if key and key.startswith("test_") and run_value is not None:
            mine.setdefault(canonical_metric(key.removeprefix("test_")), float(run_value))
        if metric and value is not None:
            mine[canonical_metric(metric)] = float(value)  # the registry's word wins
        if task:
            tasks[int(version)] = task
        if champ is not None and int(version) == champ.version:
            champion = champ.version
            champion_metric = canonical_metric(metric) if metric else None
    task = tasks.get(champion or -1) or next(iter(tasks.values()), None)
    if task is None:
        regression = result_frame["metric"].isin(METRICS[REGRESSION]).any()
        task = REGRESSION if regression else CLASSIFICATION
    return Performance(frame, result_frame, baselines, task, champion, champion_metric)


def metric_series(data: Performance, metric: str, bounds: Bounds, days: int = 0) -> pd.DataFrame:
    """One row per production window (oldest first) with realised, estimated and band.

    Columns: window_id, window_start, model_version, rows, labelled_rows,
    labelled_share, realised, estimated, estimated_lower, estimated_upper,
    baseline, ratio (live / baseline, < 1 worse), warn_bound, critical_bound,
    status (:func:`window_status` under ``bounds``, those of
    ``monitor.performance_ratio``), estimated_status (the same of the estimate).
    ``days`` > 0 keeps the windows of the last ``days`` before the newest.
    """
    overall = data.results[(data.results["segment"] == "") & (data.results["metric"] == metric)]
    values = overall.pivot_table(index="window_id", columns="estimated", values="value")
    estimates = (
        overall[overall["estimated"]]
        .drop_duplicates("window_id")
        .set_index("window_id")
        .reindex(columns=BAND_COLUMNS)
    )
    frame = data.windows.rename(columns={"id": "window_id"}).drop(columns="path")
    if days and len(frame):
        frame = frame[frame["window_start"] > frame["window_start"].max() - pd.Timedelta(days=days)]
    frame = frame.assign(
        labelled_share=frame["labelled_rows"] / frame["rows"].where(frame["rows"] > 0),
        realised=frame["window_id"].map(values.get(False, pd.Series(dtype=float))),
        estimated=frame["window_id"].map(values.get(True, pd.Series(dtype=float))),
        estimated_lower=frame["window_id"].map(estimates["lower"]).astype(float),
        estimated_upper=frame["window_id"].map(estimates["upper"]).astype(float),
        baseline=frame["model_version"].map(
            lambda v: data.baselines.get(int(v), {}).get(metric, np.nan)
        ),
    )
    frame.loc[frame["labelled_rows"] == 0, "realised"] = np.nan
    warn_bound, critical_bound = band(frame["baseline"], metric, bounds.warn, bounds.critical)
    ratio = [
        relative_to_baseline(r, b, metric) if pd.notna(r) and pd.notna(b) else None
        for r, b in zip(frame["realised"], frame["baseline"], strict=True)
    ]
    frame = frame.assign(
        ratio=pd.Series(ratio, index=frame.index, dtype=float),
        warn_bound=warn_bound,
        critical_bound=critical_bound,
    )
    frame["status"] = [
        window_status(r, b, metric, bounds)
        for r, b in zip(frame["realised"], frame["baseline"], strict=True)
    ]
    frame["estimated_status"] = [
        window_status(e, b, metric, bounds)
        for e, b in zip(frame["estimated"], frame["baseline"], strict=True)
    ]
    return frame.reset_index(drop=True)


def band(baseline: pd.Series, metric: str, warn: float, critical: float) -> tuple[pd.Series, ...]:
    """The metric values at which live / baseline reaches ``warn`` and ``critical``."""
    if lower_is_better(metric):
        return baseline / warn, baseline / critical
    return baseline * warn, baseline * critical


def window_status(realised: float, baseline: float, metric: str, bounds: Bounds) -> Status:
    """The health of one window: ``evaluate(live / baseline, bounds)``.

    No realised value (labels pending) or no baseline is ``unknown``, never ``ok``.
    """
    if pd.isna(realised) or pd.isna(baseline):
        return Status.UNKNOWN
    return evaluate(relative_to_baseline(realised, baseline, metric), bounds)


def segment_columns(data: Performance) -> list[str]:
    """Segment column names (``region``) that have stored results."""
    keys = data.results.loc[data.results["segment"] != "", "segment"]
    return sorted({k.split("=", 1)[0] for k in keys})


def segment_table(
    data: Performance, window_id: int, metric: str, column: str, bounds: Bounds
) -> pd.DataFrame:
    """Per value of segment ``column`` in one window: value, rows, gap to overall, status
    (``evaluate`` of |gap| under ``bounds``, those of ``monitor.segment_gap``), flagged
    (status warn or critical)."""
    measured = data.results[
        (data.results["window_id"] == window_id)
        & (data.results["metric"] == metric)
        & ~data.results["estimated"]
    ]
    overall = measured.loc[measured["segment"] == "", "value"]
    rows = measured[measured["segment"].str.startswith(f"{column}=")]
    table = pd.DataFrame(
        {
            "segment": rows["segment"].str.split("=", n=1).str[1],
            "value": rows["value"],
            "labelled_rows": rows["rows"],
        }
    )
    if overall.empty or not overall.iloc[0]:
        return table.assign(gap=np.nan, status=UNKNOWN, flagged=False).reset_index(drop=True)
    reference = float(overall.iloc[0])
    gap = (table["value"] - reference) / abs(reference)
    status = [evaluate(abs(g), bounds) for g in gap]
    table = table.assign(gap=gap, status=status, flagged=[s in (WARN, CRITICAL) for s in status])
    return table.sort_values("gap", key=abs, ascending=False).reset_index(drop=True)


def confusion_matrix(rows: pd.DataFrame) -> pd.DataFrame:
    """Counts of the labelled rows: index actual 0/1, columns predicted 0/1 (score ≥ 0.5)."""
    labelled = rows[rows["label"].notna() & rows["prediction"].notna()]
    actual = labelled["label"].astype(int)
    predicted = (labelled["prediction"] >= 0.5).astype(int)
    table = pd.crosstab(actual, predicted).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
    table.index.name, table.columns.name = "actual", "predicted"
    return table


def residuals(rows: pd.DataFrame, limit: int = 5000) -> pd.DataFrame:
    """prediction and residual (label − prediction) of the labelled rows, at most ``limit``."""
    labelled = rows[rows["label"].notna() & rows["prediction"].notna()]
    if len(labelled) > limit:
        labelled = labelled.sample(limit, random_state=0)
    return pd.DataFrame(
        {
            "prediction": labelled["prediction"].to_numpy(),
            "residual": (labelled["label"] - labelled["prediction"]).to_numpy(),
        }
    )


def overlapping_versions(series: pd.DataFrame) -> pd.DataFrame:
    """The windows of days on which two or more versions served (champion vs challenger)."""
    served = series.groupby("window_start")["model_version"].transform("nunique")
    return series[served > 1].reset_index(drop=True)
