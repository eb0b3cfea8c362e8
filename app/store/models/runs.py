"""The model's making: dataset versions, training runs with their params, tags, metrics
and histories, and registered model versions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.store.models.base import Base, BigId
from app.store.types import UTCDateTime


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
    # What the run cost (in ``currency``, ISO 4217) and the compute it used; optional.
    cost: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    compute_hours: Mapped[float | None] = mapped_column(Float)

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
    # The worth of each outcome of a binary classifier's prediction, in ``value_unit``.
    value_tp: Mapped[float | None] = mapped_column(Float)
    value_fp: Mapped[float | None] = mapped_column(Float)
    value_fn: Mapped[float | None] = mapped_column(Float)
    value_tn: Mapped[float | None] = mapped_column(Float)
    value_unit: Mapped[str | None] = mapped_column(String(50))
    # Production columns compared for fairness, comma-separated (beside ``sensitive.*``).
    sensitive: Mapped[str | None] = mapped_column(String(1000))
