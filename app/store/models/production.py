"""The model in production: logged windows (rows in Parquet) and what was measured on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId
from app.store.types import UTCDateTime, utc_now


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
    path: Mapped[str] = mapped_column(Text)  # relative to the data dir, or a lake URL
    content_hash: Mapped[str] = mapped_column(String(64))
    # A lake window (rows left where they are, ``path`` a URL): its files as
    # [path, size, mtime ms]; None for a window whose rows are a Parquet file here.
    source_files: Mapped[list[list[Any]] | None] = mapped_column(JSON, nullable=True)
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
    """A model metric in a window, overall (segment '') or for one segment value.

    ``estimated`` rows are computed without labels (CBPE, DLE); ``lower`` and
    ``upper`` bound an estimate when its method gives a band.
    """

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
    # An estimate's confidence band (DLE: ± 3 sampling errors); None when measured or unknown.
    lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper: Mapped[float | None] = mapped_column(Float, nullable=True)


class WindowSummary(Base):
    """What a page draws of a window, stored so that no page reads the rows.

    ``kind`` is ``numerical`` or ``categorical`` (a column's binned or
    category counts), ``confusion`` or ``residuals`` (column ''); ``payload``
    is :mod:`app.production.summaries`' JSON form of it.
    """

    __tablename__ = "window_summaries"
    __table_args__ = (UniqueConstraint("window_id", "kind", "column"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    column: Mapped[str] = mapped_column(String(250), default="")
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
