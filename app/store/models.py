"""Tandem's tables as typed SQLAlchemy 2 classes.

Every row that comes from a file has a natural key (a unique constraint) so
that re-ingesting the same file is an upsert that adds nothing. Rows are never
handed to pages: queries return frozen entities or DataFrames.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.store.types import UTCDateTime, utc_now

# Named constraints so that Alembic migrations are reproducible on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger ids autoincrement on PostgreSQL; SQLite only does so for INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class System(Base):
    """A product: a service and, usually, a model."""

    __tablename__ = "systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


# --- DevOps -----------------------------------------------------------------


class PipelineRun(Base):
    """One CI pipeline execution."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (UniqueConstraint("system_id", "pipeline_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    pipeline_id: Mapped[str] = mapped_column(String(200))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    branch: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    tests_total: Mapped[int | None] = mapped_column(Integer)
    tests_failed: Mapped[int | None] = mapped_column(Integer)


class Deployment(Base):
    """A release to an environment: of the service's code or of a model version."""

    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("system_id", "deployment_id"),
        Index("ix_deployments_system_deployed", "system_id", "deployed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    deployment_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # service | model
    version: Mapped[str | None] = mapped_column(String(200))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    environment: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))  # success | failed | rolled_back
    model_version: Mapped[int | None] = mapped_column(Integer)


class Incident(Base):
    """An incident, open while ``resolved_at`` is empty."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("system_id", "incident_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    incident_id: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(10))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deployment_id: Mapped[str | None] = mapped_column(String(200))
    cause: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text, default="")


class HealthSample(Base):
    """Golden signals for one interval: counts, latency percentiles, saturation."""

    __tablename__ = "health_samples"
    __table_args__ = (UniqueConstraint("system_id", "timestamp"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    requests: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(BigInteger)
    latency_p50_ms: Mapped[float | None] = mapped_column(Float)
    latency_p95_ms: Mapped[float | None] = mapped_column(Float)
    latency_p99_ms: Mapped[float | None] = mapped_column(Float)
    cpu_util: Mapped[float | None] = mapped_column(Float)
    mem_util: Mapped[float | None] = mapped_column(Float)


class HealthRollup(Base):
    """Health samples summed per system and UTC hour, so long ranges read few rows.

    Derived data (``app.health.rollups`` rebuilds the hours an ingest
    touched). Sums and counts rather than means, so any coarser bucket is
    exact: a mean is ``*_sum / *_count``, a request-weighted latency
    ``*_w / *_n`` as in ``golden_signals``.
    """

    __tablename__ = "health_rollups"
    __table_args__ = (UniqueConstraint("system_id", "hour"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    samples: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(BigInteger)
    p50_w: Mapped[float] = mapped_column(Float)
    p50_n: Mapped[int] = mapped_column(BigInteger)
    p50_sum: Mapped[float] = mapped_column(Float)
    p50_count: Mapped[int] = mapped_column(Integer)
    p95_w: Mapped[float] = mapped_column(Float)
    p95_n: Mapped[int] = mapped_column(BigInteger)
    p95_sum: Mapped[float] = mapped_column(Float)
    p95_count: Mapped[int] = mapped_column(Integer)
    p99_w: Mapped[float] = mapped_column(Float)
    p99_n: Mapped[int] = mapped_column(BigInteger)
    p99_sum: Mapped[float] = mapped_column(Float)
    p99_count: Mapped[int] = mapped_column(Integer)
    cpu_sum: Mapped[float] = mapped_column(Float)
    cpu_count: Mapped[int] = mapped_column(Integer)
    mem_sum: Mapped[float] = mapped_column(Float)
    mem_count: Mapped[int] = mapped_column(Integer)


# --- MLOps ------------------------------------------------------------------


class DatasetVersion(Base):
    """One version of a named dataset, identified by its content hash."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(128))
    rows: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str | None] = mapped_column(Text)
    parent_version: Mapped[str | None] = mapped_column(String(100))
    schema: Mapped[dict[str, str] | None] = mapped_column(JSON)


class TrainingRun(Base):
    """A training run with its params, tags and final metrics (``run_metrics``)."""

    __tablename__ = "training_runs"
    __table_args__ = (
        UniqueConstraint("run_id"),
        Index("ix_training_runs_system_started", "system_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    run_id: Mapped[str] = mapped_column(String(64))
    experiment: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    code_commit: Mapped[str | None] = mapped_column(String(64))
    train_dataset: Mapped[str | None] = mapped_column(String(300))
    eval_dataset: Mapped[str | None] = mapped_column(String(300))
    trigger: Mapped[str | None] = mapped_column(String(20))

    params: Mapped[list[RunParam]] = relationship(cascade="all, delete-orphan")
    tags: Mapped[list[RunTag]] = relationship(cascade="all, delete-orphan")
    metrics: Mapped[list[RunMetric]] = relationship(cascade="all, delete-orphan")


class RunParam(Base):
    __tablename__ = "run_params"
    __table_args__ = (UniqueConstraint("run_pk", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    value: Mapped[str] = mapped_column(Text)


class RunTag(Base):
    """A run's tag as MLflow logged it (``mlflow.runName`` is the run's name)."""

    __tablename__ = "run_tags"
    __table_args__ = (UniqueConstraint("run_pk", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    value: Mapped[str] = mapped_column(Text)


class RunMetric(Base):
    """A run's final value of one metric; the history lives in ``metric_points``."""

    __tablename__ = "run_metrics"
    __table_args__ = (
        UniqueConstraint("run_pk", "key"),
        Index("ix_run_metrics_key_value", "key", "value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    value: Mapped[float] = mapped_column(Float)


class MetricPoint(Base):
    """One logged value of a metric history."""

    __tablename__ = "metric_points"
    __table_args__ = (UniqueConstraint("run_pk", "key", "step", "timestamp"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    step: Mapped[int] = mapped_column(BigInteger)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)


class ModelVersion(Base):
    """A registered model version and its alias (champion, challenger, archived)."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("system_id", "model_name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    model_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alias: Mapped[str | None] = mapped_column(String(50))
    task: Mapped[str | None] = mapped_column(String(20))  # classification | regression
    validation_metric: Mapped[str | None] = mapped_column(String(100))
    validation_value: Mapped[float | None] = mapped_column(Float)


class ProductionWindow(Base):
    """A day of logged features, predictions and labels; rows live in Parquet.

    ``is_reference`` marks a model version's training (reference) data, which
    has no day: its window spans the rows it holds.
    """

    __tablename__ = "production_windows"
    __table_args__ = (
        UniqueConstraint("system_id", "model_version", "is_reference", "window_start"),
        Index("ix_production_windows_system_start", "system_id", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    model_version: Mapped[int] = mapped_column(Integer)
    is_reference: Mapped[bool] = mapped_column(Boolean, default=False)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    newest_row_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer)
    labelled_rows: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)  # relative to the data dir
    content_hash: Mapped[str] = mapped_column(String(64))
    feature_columns: Mapped[list[str]] = mapped_column(JSON)
    segment_columns: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class DriftResult(Base):
    """A column's drift score in a window against a reference.

    ``drifted`` is what the threshold in force at computation time said; pages
    re-decide from ``score`` and the current threshold.
    """

    __tablename__ = "drift_results"
    __table_args__ = (UniqueConstraint("window_id", "reference_window_id", "column"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    reference_window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE")
    )
    column: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(20))  # numerical | categorical
    method: Mapped[str] = mapped_column(String(50))
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    drifted: Mapped[bool] = mapped_column(Boolean)


class QualityResult(Base):
    """One data-quality measure (``check``) of a column in a window; '' = whole window."""

    __tablename__ = "quality_results"
    __table_args__ = (UniqueConstraint("window_id", "column", "check"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    column: Mapped[str] = mapped_column(String(250))
    check: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)


class PerformanceResult(Base):
    """A model metric in a window, overall (segment '') or for one segment value."""

    __tablename__ = "performance_results"
    __table_args__ = (UniqueConstraint("window_id", "metric", "segment", "estimated"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(100))
    segment: Mapped[str] = mapped_column(String(250), default="")
    value: Mapped[float] = mapped_column(Float)
    rows: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)


# --- Thresholds -------------------------------------------------------------


class Threshold(Base):
    """A signal's warn/critical bounds, globally ('' scope) or for one system.

    ``version`` is SQLAlchemy's optimistic lock: a save from a stale copy fails.
    """

    __tablename__ = "thresholds"
    __table_args__ = (UniqueConstraint("scope", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), default="")  # '' = global default
    signal: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(20))  # higher_is_better | lower_is_better
    warn: Mapped[float] = mapped_column(Float)
    critical: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    __mapper_args__ = {"version_id_col": version}


class ThresholdChange(Base):
    """Audit trail: who moved which threshold, when, from what to what, and why."""

    __tablename__ = "threshold_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    signal: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    changed_by: Mapped[str] = mapped_column(String(200))
    old_warn: Mapped[float | None] = mapped_column(Float)
    old_critical: Mapped[float | None] = mapped_column(Float)
    new_warn: Mapped[float] = mapped_column(Float)
    new_critical: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")


class IngestRecord(Base):
    """One successful ingest: what file, what it added. Its max id is the data version."""

    __tablename__ = "ingest_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(BigInteger)
    rows_written: Mapped[int] = mapped_column(BigInteger)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class SeedRecord(Base):
    """When the sample data was loaded and by how much its timestamps were shifted.

    A second ``tandem seed --force`` reuses the shift, so it adds nothing.
    """

    __tablename__ = "seed_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    data_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shift_seconds: Mapped[int] = mapped_column(BigInteger)
    seeded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
