"""``ingest_file``: validate a whole file, then write it in one transaction.

One importer per kind maps the validated columns onto its table(s). The
production kind's rows go to Parquet windows: they are handed to
:func:`app.production.pipeline.ingest_production`, which calls back here to
check their prediction ids and to record the ingest in its transaction.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import cast

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.config import load_settings
from app.health import rollups
from app.ingest.errors import IngestError, IngestSummary
from app.ingest.formats import FORMATS, KINDS, LATENCY_BUCKET
from app.ingest.rows import changed, read_existing, write_rows
from app.ingest.source import Source, read_source
from app.ingest.validation import Validated, latency_bound, validate
from app.store.db import get_engine, session_scope
from app.store.models import (
    CostEntry,
    DatasetVersion,
    Deployment,
    HealthLatencyBucket,
    HealthSample,
    Incident,
    IngestRecord,
    KpiPoint,
    MetricPoint,
    ModelVersion,
    PipelineRun,
    RunMetric,
    RunParam,
    RunTag,
    TrainingRun,
)
from app.store.rows import ensure_systems, table_of, upsert_frame

logger = logging.getLogger(__name__)

SEGMENT_PREFIX = "segment."  # the production format's segment columns
SENSITIVE_PREFIX = "sensitive."  # its sensitive attributes (fairness)
SCORE_PREFIX = "score."  # a multiclass classifier's class scores (CBPE)

# The tables of the kinds that are one row per file row, keyed as in the schema.
_TABLES = {
    "pipelines": (PipelineRun, ("system_id", "pipeline_id")),
    "deployments": (Deployment, ("system_id", "deployment_id")),
    "incidents": (Incident, ("system_id", "incident_id")),
    "health": (HealthSample, ("system_id", "timestamp")),
    "datasets": (DatasetVersion, ("name", "version")),
    "models": (ModelVersion, ("system_id", "model_name", "version")),
    "costs": (CostEntry, ("system_id", "day", "category", "currency")),
    "kpis": (KpiPoint, ("system_id", "name", "timestamp")),
}


def ingest_file(
    kind: str,
    path: Path | str,
    *,
    system: str | None = None,
    reference: bool = False,
    engine: Engine | None = None,
    shift: timedelta = timedelta(0),
    progress: bool = False,
) -> IngestSummary:
    """Validate ``path`` as ``kind`` and store it; any error means nothing is written.

    ``system`` fills or overrides the file's ``system`` column (required for
    production). ``shift`` is added to every timestamp. ``reference`` marks a
    production file as its model version's training data. Raises
    :class:`IngestError` for bad input, naming the file, row and column.
    """
    path = Path(path)
    if kind not in FORMATS:
        raise IngestError(path, expected="a kind among " + ", ".join(KINDS), got=f'"{kind}"')
    if kind == "production" and not system:
        raise IngestError(path, expected="a system name (--system) for production data", got="none")
    if reference and kind != "production":
        raise IngestError(path, expected="--reference only with production data", got=kind)
    engine = engine or get_engine()
    digest = file_sha256(path) if path.is_file() else None
    if kind == "production" and digest is not None:
        assert system is not None
        skipped = _skip_unchanged(path, digest, system, reference, shift, engine)
        if skipped is not None:
            return skipped
    if kind == "production":
        from app.production.multivariate_pass import warm_for

        assert system is not None
        warm_for(engine, system, reference)  # the classifier's worker imports while we read
    source = read_source(path)
    validated = validate(kind, source, system=system, shift=shift)
    if kind == "production":
        assert system is not None
        summary = _ingest_production(
            validated, source, system, reference, engine, progress, shift, digest
        )
    else:
        with session_scope(engine) as session:
            written, created = _write(kind, validated, source, session, progress)
            summary = IngestSummary(kind, path, len(validated.frame), written, created)
            record(session, summary)
    logger.info(
        "ingested %s %s: %d rows read, %d written",
        kind,
        path.name,
        summary.rows_read,
        summary.rows_written,
    )
    return summary


def _skip_unchanged(
    path: Path, digest: str, system: str, reference: bool, shift: timedelta, engine: Engine
) -> IngestSummary | None:
    """Record and skip a production ingest repeating a recorded one (:mod:`app.ingest.replay`)."""
    from app.ingest.replay import unchanged_ingest
    from app.production.files import sweep_system

    with session_scope(engine) as session:
        replay = unchanged_ingest(session, system, digest, reference, shift)
        if replay is None:
            return None
        # As the pipeline does first: remove what an interrupted ingest left (lock held).
        sweep_system(session, load_settings().data_dir, replay.system_id)
        summary = IngestSummary("production", path, replay.rows_read, 0)
        record(session, summary, content_hash=digest, state_hash=replay.state_hash)
    logger.info("%s adds nothing: ingested as it is into the same windows before", path.name)
    return summary


def _ingest_production(
    validated: Validated,
    source: Source,
    system: str,
    reference: bool,
    engine: Engine,
    progress: bool,
    shift: timedelta,
    digest: str | None,
) -> IngestSummary:
    """Hand the rows to the production pipeline; check ids and record inside its transaction."""
    from app.ingest.lake_days import refuse_lake_days
    from app.ingest.prediction_ids import refuse_ids_stored_elsewhere
    from app.ingest.replay import state_hash
    from app.production.pipeline import WindowsWritten, ingest_production

    data_dir = load_settings().data_dir

    def summary_of(written: WindowsWritten) -> IngestSummary:
        return IngestSummary(
            "production",
            source.path,
            written.rows_read,
            written.rows_written,
            written.created,
            written.windows,
        )

    def check(session: Session, system_id: int) -> None:
        if not reference:  # references are training data: their ids are their own
            refuse_lake_days(session, system_id, validated, source)
            refuse_ids_stored_elsewhere(session, system_id, validated, source, data_dir)

    def record_ingest(session: Session, written: WindowsWritten) -> None:
        state = None
        if digest is not None:  # what a repeat of this ingest would find (app.ingest.replay)
            system_id = ensure_systems(session, [system])[0][system]  # exists, locked already
            state = state_hash(session, system_id, digest, reference, shift)
        record(session, summary_of(written), content_hash=digest, state_hash=state)

    written = ingest_production(
        validated.frame,
        segments=validated.prefixed.get(SEGMENT_PREFIX, ()),
        features=validated.features,
        sensitive=validated.prefixed.get(SENSITIVE_PREFIX, ()),
        scores=validated.prefixed.get(SCORE_PREFIX, ()),
        system=system,
        reference=reference,
        engine=engine,
        progress=progress,
        check=check,
        record=record_ingest,
    )
    return summary_of(written)


def record(
    session: Session,
    summary: IngestSummary,
    *,
    content_hash: str | None = None,
    state_hash: str | None = None,
) -> None:
    """Log the ingest in ``ingest_records``; its id is the data version caches key on.

    ``content_hash`` is the file's sha256 when the caller has it already;
    ``state_hash`` a production ingest's (:mod:`app.ingest.replay`).
    """
    session.add(
        IngestRecord(
            kind=summary.kind,
            source=str(summary.path.resolve()),
            content_hash=content_hash or file_sha256(summary.path),
            rows_read=summary.rows_read,
            rows_written=summary.rows_written,
            state_hash=state_hash,
        )
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _with_system_ids(session: Session, frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    ids, created = ensure_systems(session, frame["system"].unique().tolist())
    frame = frame.assign(system=frame["system"].map(ids).astype("int64"))
    return frame.rename(columns={"system": "system_id"}), created


def _refresh_model_windows(session: Session, frame: pd.DataFrame) -> None:
    """Rescore the windows of the versions a models file names: performance, fairness, value."""
    from app.production.performance_refresh import refresh_versions
    from app.production.version_results import refresh_model_rows

    versions = list(zip(frame["system_id"].tolist(), frame["version"].tolist(), strict=True))
    refresh_versions(session, load_settings().data_dir, versions)
    refresh_model_rows(session, load_settings().data_dir, versions)  # fairness, business value


def _write(
    kind: str, validated: Validated, source: Source, session: Session, progress: bool
) -> tuple[int, tuple[str, ...]]:
    """(rows written, systems created) for every kind but production."""
    spec = FORMATS[kind]
    frame = validated.frame[[c.name for c in spec.columns]]
    created: tuple[str, ...] = ()
    if "system" in frame.columns:
        frame, created = _with_system_ids(session, frame)
    if kind == "incidents":
        frame = frame.assign(title=frame["title"].fillna(""))
    if kind == "costs":
        frame = frame.rename(columns={"date": "day"})
    if kind == "health":
        buckets = [c for c in validated.frame.columns if c.startswith(LATENCY_BUCKET)]
        frame = frame.assign(latency_buckets=validated.frame[buckets].notna().sum(axis=1))
    if kind in _TABLES:
        model, key = _TABLES[kind]
        written = write_rows(session, table_of(model), frame, key, progress=progress)
        if kind == "health":
            write_latency_buckets(session, frame, validated.frame, progress)
            refresh_rollups(session, frame)
        if kind == "models":  # a version's task decides how its windows are scored
            _refresh_model_windows(session, frame)
        return written, created
    if kind == "runs":
        return _write_runs(session, frame, validated, progress), created
    return _write_metric_points(session, frame, source, progress), created


def write_latency_buckets(
    session: Session, samples: pd.DataFrame, typed: pd.DataFrame, progress: bool
) -> int:
    """The rows' ``le_<bound>`` counts as ``health_latency_buckets`` rows (rows without: none)."""
    columns = [c for c in typed.columns if c.startswith(LATENCY_BUCKET)]
    if not columns:
        return 0
    wide = typed[columns].set_axis([latency_bound(c) for c in columns], axis=1)
    wide.index = pd.MultiIndex.from_frame(samples[["system_id", "timestamp"]])
    long = wide.stack(future_stack=True).dropna().reset_index()
    long.columns = ["system_id", "timestamp", "le_ms", "count"]
    long = long.astype({"le_ms": "float64", "count": "float64"})
    key = ("system_id", "timestamp", "le_ms")
    return write_rows(session, table_of(HealthLatencyBucket), long, key, progress=progress)


def refresh_rollups(session: Session, samples: pd.DataFrame) -> None:
    """Rebuild the hourly rollups of the hours ``samples`` (with ``system_id``) touched."""
    spans = samples.groupby("system_id")["timestamp"].agg(["min", "max"])
    for system_id, (first, last) in spans.iterrows():
        system = int(cast(int, system_id))
        rollups.refresh(session, system, first.to_pydatetime(), last.to_pydatetime())


def _run_pks(session: Session, run_ids: list[str]) -> dict[str, int]:
    table = table_of(TrainingRun)
    pks: dict[str, int] = {}
    for start in range(0, len(run_ids), 5_000):
        chunk = run_ids[start : start + 5_000]
        query = select(table.c.run_id, table.c.id).where(table.c.run_id.in_(chunk))
        pks.update(dict(session.execute(query).all()))
    return pks


def _long(validated: Validated, prefix: str, run_pk: pd.Series) -> pd.DataFrame:
    """The ``prefix`` columns as (run_pk, key, value) rows; empty values are not logged."""
    columns = list(validated.prefixed.get(prefix, ()))
    wide = validated.frame[columns].set_axis([c[len(prefix) :] for c in columns], axis=1)
    wide.index = pd.Index(run_pk.to_numpy(), name="run_pk")
    long = wide.stack(future_stack=True).dropna().reset_index()
    long.columns = ["run_pk", "key", "value"]
    long["value"] = long["value"].astype(float if prefix == "metric." else object)
    return long


def _write_runs(session: Session, frame: pd.DataFrame, validated: Validated, progress: bool) -> int:
    """Runs, then their params, tags and metrics; a row counts if any of them changed."""
    table = table_of(TrainingRun)
    runs = frame.reset_index(drop=True)
    written = changed(runs, read_existing(session, table, runs, ("run_id",)), ("run_id",))
    upsert_frame(session, table, runs[written], ("run_id",), progress=progress)
    pks = _run_pks(session, runs["run_id"].tolist())
    run_pk = runs["run_id"].map(pks).astype("int64")
    touched: set[int] = set()
    key = ("run_pk", "key")
    for prefix, model in (("param.", RunParam), ("tag.", RunTag), ("metric.", RunMetric)):
        long = _long(validated, prefix, run_pk)
        if long.empty:
            continue
        diff = changed(long, read_existing(session, table_of(model), long, key), key)
        upsert_frame(session, table_of(model), long[diff], key)
        touched.update(long.loc[diff, "run_pk"].tolist())
    return int((written | run_pk.isin(touched).to_numpy()).sum())


def _write_metric_points(
    session: Session, frame: pd.DataFrame, source: Source, progress: bool
) -> int:
    """Metric history; every run_id must already be stored."""
    pks = _run_pks(session, pd.unique(frame["run_id"]).tolist())
    run_pk = frame["run_id"].map(pks)
    unknown = run_pk.isna().to_numpy()
    if unknown.any():
        row = int(unknown.argmax())
        raise source.error(
            row=row,
            column="run_id",
            expected="a run already ingested (kind runs)",
            got=f'an unknown run "{frame["run_id"].iloc[row]}"',
        )
    points = frame.drop(columns="run_id").assign(run_pk=run_pk.astype("int64"))
    points = points[["run_pk", "key", "step", "timestamp", "value"]]
    return write_rows(
        session,
        table_of(MetricPoint),
        points,
        ("run_pk", "key", "step", "timestamp"),
        progress=progress,
    )
