"""``tandem import-mlflow``: an MLflow store's runs, histories, datasets and models.

The store is read completely first (:mod:`app.ingest.mlflow_read`), then
written in one transaction with the same natural-key upserts as file ingest:
a second import of an unchanged store writes nothing, and new runs, metric
points or aliases are picked up.

A run's system is ``--system`` if given, else the run's ``tandem.system`` tag,
else its experiment's name. A model version's system is ``--system``, else the
system of its source run, else the registered model's name.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.ingest.mlflow_checks import check_snapshot
from app.ingest.mlflow_read import MlflowSnapshot, read_mlflow
from app.ingest.rows import changed, read_existing
from app.store.db import get_engine, session_scope
from app.store.models import (
    DatasetVersion,
    IngestRecord,
    MetricPoint,
    ModelVersion,
    RunMetric,
    RunParam,
    RunTag,
    TrainingRun,
)
from app.store.rows import ensure_systems, table_of, upsert_frame

__all__ = ["MlflowImportSummary", "import_mlflow"]

logger = logging.getLogger(__name__)

# A training run's stored columns, in the table's order (the key ``id`` is the database's).
_RUN_COLUMNS = [c.name for c in TrainingRun.__table__.columns if c.name != "id"]
_TEXT = ["code_commit", "train_dataset", "eval_dataset", "trigger", "currency"]


@dataclass(frozen=True)
class MlflowImportSummary:
    """What an import read and what it changed (all zero on a repeated import)."""

    tracking_uri: str
    experiments: tuple[str, ...]
    runs_read: int
    runs_written: int
    points_written: int
    datasets_written: int
    models_written: int
    systems_created: tuple[str, ...]

    @property
    def written(self) -> int:
        return self.runs_written + self.points_written + self.datasets_written + self.models_written

    def describe(self) -> str:
        text = (
            f"{self.tracking_uri}: {len(self.experiments)} experiments, {self.runs_read} runs "
            f"read; written: {self.runs_written} runs, {self.points_written} metric points, "
            f"{self.datasets_written} dataset versions, {self.models_written} model versions"
        )
        if self.systems_created:
            text += f"; new systems: {', '.join(self.systems_created)}"
        return text


def import_mlflow(
    tracking_uri: str,
    *,
    experiment: str | None = None,
    system: str | None = None,
    engine: Engine | None = None,
    progress: bool = False,
) -> MlflowImportSummary:
    """Import the store at ``tracking_uri`` (one experiment if named) in one transaction."""
    snapshot = read_mlflow(tracking_uri, experiment=experiment, progress=progress)
    with session_scope(engine or get_engine()) as session:
        runs = snapshot.runs.dropna(subset=["started_at"])
        names = runs["system_tag"].fillna(runs["experiment"]) if system is None else None
        run_systems = pd.Series(system, index=runs.index, dtype=object) if names is None else names
        models = snapshot.models
        model_systems = _model_systems(session, models, runs, run_systems, system)
        check_snapshot(snapshot, runs, run_systems, model_systems)  # before any write
        ids, created = ensure_systems(session, [*run_systems, *model_systems])
        runs_written = _write_runs(session, snapshot, runs, run_systems.map(ids))
        points_written = _write_points(session, snapshot.points)
        datasets_written = _write_datasets(session, snapshot.datasets)
        models_written = _write_models(session, models, model_systems.map(ids))
        summary = MlflowImportSummary(
            tracking_uri=tracking_uri,
            experiments=snapshot.experiments,
            runs_read=len(snapshot.runs),
            runs_written=runs_written,
            points_written=points_written,
            datasets_written=datasets_written,
            models_written=models_written,
            systems_created=created,
        )
        if summary.written:  # the record bumps the data version pages cache on
            session.add(
                IngestRecord(
                    kind="mlflow",
                    source=tracking_uri,
                    content_hash=_fingerprint(snapshot),
                    rows_read=len(snapshot.runs),
                    rows_written=summary.written,
                )
            )
    logger.info(summary.describe())
    return summary


def _fingerprint(snapshot: MlflowSnapshot) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(snapshot.runs["run_id"])).encode())
    digest.update(str(len(snapshot.points)).encode())
    return digest.hexdigest()


def _model_systems(
    session: Session,
    models: pd.DataFrame,
    runs: pd.DataFrame,
    run_systems: pd.Series,
    system: str | None,
) -> pd.Series:
    if system is not None:
        return pd.Series(system, index=models.index, dtype=object)
    of_run = dict(zip(runs["run_id"], run_systems, strict=True))
    missing = [r for r in models["run_id"].dropna() if r not in of_run]
    if missing:  # source runs imported earlier, or ingested from files
        from app.store.models import System

        query = (
            select(TrainingRun.run_id, System.name)
            .join(System, System.id == TrainingRun.system_id)
            .where(TrainingRun.run_id.in_(missing))
        )
        of_run.update(dict(session.execute(query).all()))
    return models["run_id"].map(of_run).fillna(models["model_name"]).astype(object)


def _write_runs(
    session: Session, snapshot: MlflowSnapshot, runs: pd.DataFrame, system_ids: pd.Series
) -> int:
    """Runs, their params, tags and final metrics; a run counts if any of them changed."""
    frame = runs.assign(system_id=system_ids.astype("int64"))[_RUN_COLUMNS]
    for name in ("started_at", "finished_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    frame[_TEXT] = frame[_TEXT].astype(object)
    frame[["cost", "compute_hours"]] = frame[["cost", "compute_hours"]].astype(float)
    frame = frame.reset_index(drop=True)
    table = table_of(TrainingRun)
    written = changed(frame, read_existing(session, table, frame, ("run_id",)), ("run_id",))
    upsert_frame(session, table, frame[written], ("run_id",))
    pks = _run_pks(session, frame["run_id"].tolist())
    touched: set[str] = set(frame.loc[written, "run_id"])
    key = ("run_pk", "key")
    values = ((snapshot.params, RunParam), (snapshot.tags, RunTag), (snapshot.metrics, RunMetric))
    for long, model in values:
        long = long[long["run_id"].isin(pks)]
        if long.empty:
            continue
        rows = long.assign(run_pk=long["run_id"].map(pks).astype("int64"))
        rows = rows[["run_pk", "key", "value"]].reset_index(drop=True)
        rows["value"] = rows["value"].astype(float if model is RunMetric else object)
        diff = changed(rows, read_existing(session, table_of(model), rows, key), key)
        upsert_frame(session, table_of(model), rows[diff], key)
        touched.update(long["run_id"].to_numpy()[diff])
    return len(touched)


def _run_pks(session: Session, run_ids: list[str]) -> dict[str, int]:
    pks: dict[str, int] = {}
    for start in range(0, len(run_ids), 5_000):
        chunk = run_ids[start : start + 5_000]
        query = select(TrainingRun.run_id, TrainingRun.id).where(TrainingRun.run_id.in_(chunk))
        pks.update(dict(session.execute(query).all()))
    return pks


def _write_points(session: Session, points: pd.DataFrame) -> int:
    if points.empty:
        return 0
    pks = _run_pks(session, pd.unique(points["run_id"]).tolist())
    points = points[points["run_id"].isin(pks)]
    rows = points.assign(run_pk=points["run_id"].map(pks).astype("int64"))
    rows = rows[["run_pk", "key", "step", "timestamp", "value"]].reset_index(drop=True)
    key = ("run_pk", "key", "step", "timestamp")
    total = 0
    # Per run, so that the stored rows read back for comparison stay few.
    for _, group in rows.groupby("run_pk", sort=False):
        group = group.reset_index(drop=True)
        diff = changed(group, read_existing(session, table_of(MetricPoint), group, key), key)
        upsert_frame(session, table_of(MetricPoint), group[diff], key)
        total += int(np.count_nonzero(diff))
    return total


def _write_datasets(session: Session, datasets: pd.DataFrame) -> int:
    if datasets.empty:
        return 0
    frame = datasets.reset_index(drop=True).astype({"rows": "Int64"})
    key = ("name", "version")
    table = table_of(DatasetVersion)
    diff = changed(frame, read_existing(session, table, frame, key), key)
    upsert_frame(session, table, frame[diff], key)
    return int(np.count_nonzero(diff))


def _write_models(session: Session, models: pd.DataFrame, system_ids: pd.Series) -> int:
    if models.empty:
        return 0
    frame = models.assign(system_id=system_ids.astype("int64")).reset_index(drop=True)
    frame = frame[["system_id", *models.columns]]
    frame["version"] = frame["version"].astype("int64")
    frame["registered_at"] = pd.to_datetime(frame["registered_at"], utc=True)
    frame["validation_value"] = frame["validation_value"].astype(float)
    for name in ("run_id", "alias", "task", "validation_metric"):
        frame[name] = frame[name].astype(object)
    key = ("system_id", "model_name", "version")
    table = table_of(ModelVersion)
    diff = changed(frame, read_existing(session, table, frame, key), key)
    upsert_frame(session, table, frame[diff], key)
    return int(np.count_nonzero(diff))
