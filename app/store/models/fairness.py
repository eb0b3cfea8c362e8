"""Fairness of a production window across the groups of its sensitive columns."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId


class FairnessResult(Base):
    """One fairness figure of a window for a sensitive column (``attribute``).

    ``group_value`` is one group of the column (per-group figures: selection
    rate, TPR, FPR, MAE) or '' for the column as a whole (differences, ratios,
    groups left out). ``rows``: the labelled rows the figure is computed on.
    """

    __tablename__ = "fairness_results"
    __table_args__ = (UniqueConstraint("window_id", "attribute", "group_value", "metric"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    attribute: Mapped[str] = mapped_column(String(250))
    group_value: Mapped[str] = mapped_column(String(250), default="")
    metric: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    rows: Mapped[int] = mapped_column(Integer)
