"""The service's lifecycle: CI pipelines, deployments, incidents, health samples, rollups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId
from app.store.types import UTCDateTime


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
    # DORA's deployment rework: an unplanned deployment made because of a production incident.
    unplanned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    incident_id: Mapped[str | None] = mapped_column(String(200))  # the incident it answers


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
    # How many latency histogram buckets the interval has (``HealthLatencyBucket``); 0: none.
    latency_buckets: Mapped[int] = mapped_column(Integer, server_default="0")


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
    # Samples with latency buckets: a range reads buckets only when this equals ``samples``.
    bucketed: Mapped[int] = mapped_column(Integer, server_default="0")
