"""Drift as the Drift page reads it: a system's windows, the drift of any pair, distributions.

Part of the read model (:mod:`app.production.read`); no Streamlit here: the
page caches these functions and draws their results. Shares per window follow
the read model's one definition (:func:`app.production.read.drift_share`).
Stored drift (a window against its resolved reference, see
:mod:`app.production.stored`) is read from the database; a pair that is not stored
(a window against an *earlier window*) is computed on the spot from the two
Parquet files, with the same engine, when both are local (a lake window's
rows are not here: that pair is not measured). Distributions are drawn from
stored summaries (:mod:`app.production.read_summaries`), never from rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from app.config import load_settings
from app.drift.columns import infer_kind
from app.drift.engine import compute_drift
from app.production.lake_files import lake_window, sample_lake_window
from app.production.read import PREDICTION
from app.production.read_summaries import window_file
from app.production.reference import WindowRef, resolve_reference
from app.production.stored import MATRIX_COLUMNS, drift_matrix
from app.store.db import session_scope
from app.store.models import ProductionWindow, System
from app.store.queries.models import champion_of

WINDOW_COLUMNS = [
    "id",
    "model_version",
    "is_reference",
    "window_start",
    "rows",
    "path",
    "feature_columns",
]


def windows(engine: Engine, system: str) -> pd.DataFrame:
    """The system's windows (``WINDOW_COLUMNS``), references included, oldest first."""
    query = (
        select(
            ProductionWindow.id,
            ProductionWindow.model_version,
            ProductionWindow.is_reference,
            ProductionWindow.window_start,
            ProductionWindow.rows,
            ProductionWindow.path,
            ProductionWindow.feature_columns,
        )
        .join(System, System.id == ProductionWindow.system_id)
        .where(System.name == system)
        .order_by(ProductionWindow.window_start, ProductionWindow.id)
    )
    with session_scope(engine) as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    frame["is_reference"] = frame["is_reference"].astype(bool)
    return frame


def systems_with_windows(engine: Engine) -> list[str]:
    query = select(System.name).join(ProductionWindow, ProductionWindow.system_id == System.id)
    with session_scope(engine) as session:
        return sorted(set(session.scalars(query)))


def champion_version(engine: Engine, system: str) -> int | None:
    """The champion's version (:func:`app.store.queries.models.champion_of`), None if none."""
    with session_scope(engine) as session:
        champ = champion_of(session, system)
    return None if champ is None else champ.version


def read_window(path: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A window's rows from its Parquet file (``path`` relative to the data dir).

    ``columns`` reads only those (Parquet is columnar: the others are not decoded).
    """
    return pd.read_parquet(load_settings().data_dir / path, columns=columns)


def report_rows(engine: Engine, window_id: int, path: str, cap: int) -> tuple[pd.DataFrame, str]:
    """A window's rows for Evidently's report, and a note saying which rows they are.

    A window in the data dir gives its file; a lake window (stored by the Spark
    engine) a uniform sample of at most ``cap`` rows read from its lake files,
    so the page never holds a lake's whole day.
    """
    with session_scope(engine) as session:
        lake = lake_window(session, window_id)
    if lake is None:
        frame = read_window(path)
        return frame, f"{len(frame):,} rows from Tandem's data dir"
    frame, total = sample_lake_window(lake, cap)
    return frame, f"{len(frame):,} of its {total:,} rows, sampled from the lake's files"


@dataclass(frozen=True)
class PairDrift:
    """Drift of one current window against one reference, one row per column."""

    columns: pd.DataFrame  # MATRIX_COLUMNS
    stored: bool  # read from drift_results (else computed now)
    measured: bool = True  # False: not stored, and a side's rows are not local


def pair_drift(
    engine: Engine, system: str, window_id: int, reference: pd.Series, current: pd.Series
) -> PairDrift:
    """Drift of window ``current`` against ``reference`` (rows of :func:`windows`).

    Stored results when the pair was computed at ingest, else computed now from
    the two files when both are in the data dir (kinds from the reference,
    Evidently's default methods), else not measured (no columns).
    """
    stored = drift_matrix(engine, system, reference_window_id=int(reference["id"]))
    stored = stored[stored["window_id"] == window_id]
    if len(stored):
        return PairDrift(stored.reset_index(drop=True), stored=True)
    ref_file, cur_file = window_file(reference["path"]), window_file(current["path"])
    if ref_file is None or cur_file is None:
        return PairDrift(pd.DataFrame(columns=MATRIX_COLUMNS), stored=False, measured=False)
    ref_rows, cur_rows = pd.read_parquet(ref_file), pd.read_parquet(cur_file)
    names = [
        c
        for c in (*current["feature_columns"], PREDICTION)
        if c in ref_rows.columns and c in cur_rows.columns
    ]
    kinds = {c: infer_kind(ref_rows[c]) for c in names}
    names = [c for c in names if kinds[c] in ("numerical", "categorical")]
    rows = []
    if names:
        report = compute_drift(
            ref_rows, cur_rows, columns=names, column_kinds={c: kinds[c] for c in names}
        )
        for col in report.columns:
            rows.append(
                {
                    "window_id": window_id,
                    "window_start": current["window_start"],
                    "model_version": int(current["model_version"]),
                    "reference_window_id": int(reference["id"]),
                    **col.to_dict(),
                    "family": "p_value" if col.p_value_test else "distance",
                }
            )
    return PairDrift(pd.DataFrame(rows, columns=MATRIX_COLUMNS), stored=False)


def verdict(columns: pd.DataFrame, drift_share: float = 0.5) -> tuple[bool, float, int, int]:
    """(dataset drifted, share of drifted features, drifted, features): *Evidently's* rule.

    Evidently's DataDriftPreset calls a dataset drifted when the drifted share
    reaches ``drift_share`` (its default 0.5); the page labels this verdict as
    Evidently's. Tandem's own verdict is ``evaluate`` of the share under the
    stored ``monitor.drift_share`` bounds. The prediction is not a feature: it
    is reported on its own.
    """
    features = columns[columns["column"] != PREDICTION]
    total = len(features)
    drifted = int(features["drifted"].sum())
    share = drifted / total if total else 0.0
    return bool(total) and share >= drift_share, share, drifted, total


def heatmap_cells(matrix: pd.DataFrame) -> pd.DataFrame:
    """One row per (window, column) with ``relative`` capped at 3 for colouring.

    Expects a frame from ``apply_family_thresholds``; ``label`` is the day shown.
    """
    cells = matrix[["window_id", "window_start", "column", "method", "score", "threshold"]].copy()
    cells["relative"] = matrix["relative"].clip(upper=3.0).fillna(0.0)
    cells["drifted"] = matrix["drifted"]
    cells["label"] = matrix["label"] if "label" in matrix else with_labels(matrix)["label"]
    return cells


def with_labels(matrix: pd.DataFrame) -> pd.DataFrame:
    """``matrix`` plus ``label``, the window as the heatmap names it (see ``window_label``)."""
    days = matrix["window_start"].dt.strftime("%Y-%m-%d") if len(matrix) else ""
    return matrix.assign(label=days + " v" + matrix["model_version"].astype(str))


def reference_choices(frame: pd.DataFrame, version: int, window_id: int) -> list[tuple[int, str]]:
    """(window id, label) the page offers as reference for ``window_id`` of ``version``.

    First the training data the window is tested against at ingest (the
    version's reference, else the newest older version's; see
    :func:`app.production.reference.resolve_reference`), then the version's earlier windows,
    newest first.
    """
    refs = [
        WindowRef(int(i), int(v), True, str(p), ())
        for i, v, p in frame.loc[frame["is_reference"], ["id", "model_version", "path"]].to_numpy()
    ]
    choices: list[tuple[int, str]] = []
    resolved = resolve_reference(refs, version)
    if resolved is not None:
        label = f"Training data of v{resolved.model_version}"
        if resolved.model_version != version:
            label += f" (v{version} has none)"
        choices.append((resolved.id, label))
    current = frame[frame["id"] == window_id]
    if len(current):
        start = current["window_start"].iloc[0]
        earlier = frame[
            ~frame["is_reference"]
            & (frame["model_version"] == version)
            & (frame["window_start"] < start)
        ]
        for row in earlier.iloc[::-1].itertuples():
            choices.append((int(row.id), f"Window {row.window_start:%Y-%m-%d} ({row.rows} rows)"))
    return choices


def window_label(row: pd.Series) -> str:
    return f"{row['window_start']:%Y-%m-%d} v{row['model_version']}"


def drift_share_by_window(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per window: ``window_start``, ``model_version``, ``share`` of features drifted, and
    ``prediction_drifted`` (None without a prediction column), oldest first.

    As ``monitor.drift_share`` and ``monitor.prediction_drift`` read a window
    (:mod:`app.health.monitoring`): from the ``drifted`` flags given (the stored
    verdicts, unless the caller re-decided them), the prediction not a feature.
    """
    columns = ["window_id", "window_start", "model_version", "share", "prediction_drifted"]
    if matrix.empty:
        return pd.DataFrame(columns=columns)
    is_feature = matrix["column"] != PREDICTION
    flags = matrix.assign(
        feature=is_feature,
        feature_drifted=is_feature & matrix["drifted"].astype(bool),
        prediction_flag=matrix["drifted"].astype(float).where(~is_feature),
    )
    per_window = flags.groupby(["window_id", "window_start", "model_version"], as_index=False).agg(
        features=("feature", "sum"),
        drifted=("feature_drifted", "sum"),
        prediction_drifted=("prediction_flag", "max"),
    )
    per_window["share"] = per_window["drifted"] / per_window["features"].where(
        per_window["features"] > 0
    )
    return per_window.sort_values(["window_start", "model_version"], ignore_index=True)[columns]
