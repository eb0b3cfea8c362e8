"""What running a system's models costs: billed amounts per day, and the monthly budget.

A training run's own cost lives on ``training_runs`` (``cost``, ``currency``,
``compute_hours``); bills that are not tied to one run (serving, storage) are
``cost_entries``. ``Budget.version`` is SQLAlchemy's optimistic lock, as on
``thresholds`` and ``slos``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId
from app.store.types import UTCDateTime, utc_now


class CostEntry(Base):
    """One billed amount of one system on one UTC day, per category and currency.

    ``day`` is the day's 00:00 UTC; ``category`` is training, serving, storage or other.
    """

    __tablename__ = "cost_entries"
    __table_args__ = (
        UniqueConstraint("system_id", "day", "category", "currency"),
        Index("ix_cost_entries_system_day", "system_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    day: Mapped[datetime] = mapped_column(UTCDateTime())
    category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))


class Budget(Base):
    """A system's monthly budget: the amount it may spend in one calendar month (UTC)."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("system_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    __mapper_args__ = {"version_id_col": version}


class BudgetChange(Base):
    """Audit trail: who set which budget, when, from what to what, and why.

    ``old_*`` are empty when the change created the budget. Keyed by the system's name.
    """

    __tablename__ = "budget_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    changed_by: Mapped[str] = mapped_column(String(200))
    old_amount: Mapped[float | None] = mapped_column(Float)
    old_currency: Mapped[str | None] = mapped_column(String(3))
    new_amount: Mapped[float] = mapped_column(Float)
    new_currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
