"""Latency histograms: per-interval bucket counts and their hourly sums.

A range's latency percentiles are read from summed buckets
(``app.health.latency``), the way Prometheus' ``histogram_quantile`` reads
``sum by (le) (increase(..._bucket[range]))``: a percentile of the range's
requests, which a mean of interval percentiles is not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId
from app.store.types import UTCDateTime


class HealthLatencyBucket(Base):
    """One cumulative bucket of one health interval: requests that took at most ``le_ms``.

    Cumulative like Prometheus' ``le`` buckets; ``le_ms`` is +inf for the
    bucket that counts every request. ``count`` is a float because
    Prometheus' ``increase`` extrapolates.
    """

    __tablename__ = "health_latency_buckets"
    __table_args__ = (UniqueConstraint("system_id", "timestamp", "le_ms"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    le_ms: Mapped[float] = mapped_column(Float)
    count: Mapped[float] = mapped_column(Float)


class HealthRollupBucket(Base):
    """``HealthLatencyBucket`` summed per system, UTC hour and bound (``intervals``: rows)."""

    __tablename__ = "health_rollup_buckets"
    __table_args__ = (UniqueConstraint("system_id", "hour", "le_ms"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    le_ms: Mapped[float] = mapped_column(Float)
    count: Mapped[float] = mapped_column(Float)
    intervals: Mapped[int] = mapped_column(Integer)
