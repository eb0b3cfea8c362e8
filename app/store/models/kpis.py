"""Business KPIs: a system's named business numbers over time (kind ``kpis``).

One row per (system, KPI name, timestamp); the KPI's unit and direction are
repeated on every row, as the file gives them, so a series is read without a
second table. ``direction`` says which way is better (``higher_is_better``
for conversion, ``lower_is_better`` for fraud losses).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId
from app.store.types import UTCDateTime


class KpiPoint(Base):
    """One value of one business KPI of one system."""

    __tablename__ = "kpi_points"
    # The unique key (system_id first) is also the index the window queries walk.
    __table_args__ = (UniqueConstraint("system_id", "name", "timestamp"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    name: Mapped[str] = mapped_column(String(200))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(50))
    direction: Mapped[str] = mapped_column(String(20))
