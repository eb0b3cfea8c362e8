"""Business value of a production window: its confusion counts priced by the version's matrix."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId


class BusinessValue(Base):
    """A binary classifier window's value, in its version's ``value_unit``.

    ``realised``: the labelled rows' confusion counts × the version's value
    matrix (None without a labelled row), over ``realised_rows`` rows.
    ``estimated``: the expected counts from CBPE's calibrated scores × the
    matrix, over every row with a score (``estimated_rows``), with its band
    ``lower``/``upper`` (± 3 standard errors); None without a calibration.
    """

    __tablename__ = "business_values"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), unique=True
    )
    realised: Mapped[float | None] = mapped_column(Float, nullable=True)
    realised_rows: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[float | None] = mapped_column(Float, nullable=True)
    lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper: Mapped[float | None] = mapped_column(Float, nullable=True)
    estimated_rows: Mapped[int] = mapped_column(Integer)
