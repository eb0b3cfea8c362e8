"""Measures of a window's features taken together: multivariate drift and feature importance."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, BigId


class MultivariateDriftResult(Base):
    """One multivariate drift detector's value in a window against its reference.

    ``method`` is ``pca_reconstruction`` (mean reconstruction error) or
    ``domain_classifier`` (cross-validated ROC AUC); ``lower``/``upper`` the
    alert bounds in force at computation time (None = no bound on that side):
    the reference chunks' band for PCA, the constant thresholds for the
    domain classifier. ``rows`` is how many window rows the value is computed on.
    """

    __tablename__ = "multivariate_drift_results"
    __table_args__ = (UniqueConstraint("window_id", "method"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    reference_window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE")
    )
    method: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper: Mapped[float | None] = mapped_column(Float, nullable=True)
    rows: Mapped[int] = mapped_column(Integer)


class FeatureImportance(Base):
    """A feature's permutation importance for a model version, measured on its reference window.

    ``importance`` is the mean drop of the surrogate model's score when the
    column is shuffled, ``importance_std`` its spread over the repeats.
    """

    __tablename__ = "feature_importances"
    __table_args__ = (UniqueConstraint("reference_window_id", "column"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference_window_id: Mapped[int] = mapped_column(
        ForeignKey("production_windows.id", ondelete="CASCADE"), index=True
    )
    column: Mapped[str] = mapped_column(String(250))
    importance: Mapped[float] = mapped_column(Float)
    importance_std: Mapped[float] = mapped_column(Float)
