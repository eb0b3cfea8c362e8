"""Service level objectives per system, with their audit trail.

An SLO is an object of its own (Sloth's and Pyrra's model): an SLI, a target
and a period; the burn-rate alerts are derived from it (``app.health.slo``).
``version`` is SQLAlchemy's optimistic lock, as on ``thresholds``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base
from app.store.types import UTCDateTime, utc_now


class Slo(Base):
    """One SLO of one system: ``sli`` is ``availability`` or ``latency``.

    A latency SLI counts a request as good when it was served within
    ``latency_bound_ms`` (empty for availability). ``min_events`` is the
    low-traffic gate: a burn-rate alert needs at least that many events in its
    long window.
    """

    __tablename__ = "slos"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    sli: Mapped[str] = mapped_column(String(20))  # availability | latency
    latency_bound_ms: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    period_days: Mapped[int] = mapped_column(Integer)
    min_events: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    __mapper_args__ = {"version_id_col": version}


class SloChange(Base):
    """Audit trail: who set which SLO, when, from what to what, and why.

    ``old_*`` are empty when the change created the SLO. Keyed by the system's
    name (as ``threshold_changes`` is by scope).
    """

    __tablename__ = "slo_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(200))
    slo: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    changed_by: Mapped[str] = mapped_column(String(200))
    old_sli: Mapped[str | None] = mapped_column(String(20))
    old_latency_bound_ms: Mapped[float | None] = mapped_column(Float)
    old_target: Mapped[float | None] = mapped_column(Float)
    old_period_days: Mapped[int | None] = mapped_column(Integer)
    old_min_events: Mapped[int | None] = mapped_column(Integer)
    new_sli: Mapped[str] = mapped_column(String(20))
    new_latency_bound_ms: Mapped[float | None] = mapped_column(Float)
    new_target: Mapped[float] = mapped_column(Float)
    new_period_days: Mapped[int] = mapped_column(Integer)
    new_min_events: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
