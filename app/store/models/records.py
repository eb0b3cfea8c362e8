"""Thresholds with their audit trail, and the log of ingests and seeds (the data version)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base
from app.store.types import UTCDateTime, utc_now


class Threshold(Base):
    """A signal's warn/critical bounds, globally ('' scope) or for one system.

    ``version`` is SQLAlchemy's optimistic lock: a save from a stale copy fails. It is
    the id of the audit row (``ThresholdChange``) that wrote the bounds, not a counter
    from 1: a row deleted by a revert and created again must never come back at a
    version a stale copy of the old row holds (the ABA case), and audit ids are never
    handed out twice.
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

    # The ORM still guards every UPDATE with the version it read; we set the new one.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


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
    # A production ingest: file, options and the system's windows after it (app.ingest.replay).
    state_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class SeedRecord(Base):
    """A seed of the sample data: when it started and by how much its timestamps are shifted.

    Written and committed at the start of the seed, before its first file, so a
    seed that stops half-way is finished by the next ``tandem seed`` with the same
    shift; a second ``tandem seed --force`` reuses the shift too, so it adds nothing.
    """

    __tablename__ = "seed_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    data_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shift_seconds: Mapped[int] = mapped_column(BigInteger)
    seeded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
