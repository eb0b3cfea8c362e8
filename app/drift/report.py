"""Drift results as frozen values: one :class:`ColumnDrift` per column, one :class:`DriftReport`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from app.drift.methods import redecide


@dataclass(frozen=True)
class ColumnDrift:
    """The drift verdict for one column.

    ``score`` is a p-value when ``p_value_test`` is true (drift = small score)
    and a distance or a text domain classifier's ROC AUC otherwise (drift =
    large score). ``drifted`` equals ``redecide(score, method, threshold)``,
    except for ``perc_text_content_drift``, decided once against random
    classifiers (:mod:`app.drift.text`).
    """

    column: str
    kind: str  # "numerical" | "categorical" | "text"
    method: str  # Evidently's stat test name: ks, wasserstein, chisquare, z, ...
    score: float
    threshold: float
    drifted: bool
    p_value_test: bool
    raw_score: float | None = None  # the p-value before a Tandem correction, when one was applied

    def with_threshold(self, threshold: float) -> ColumnDrift:
        """The same statistic re-decided against another threshold (nothing recomputed)."""
        return replace(
            self, threshold=threshold, drifted=redecide(self.score, self.method, threshold)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "method": self.method,
            "score": self.score,
            "threshold": self.threshold,
            "drifted": self.drifted,
        }


@dataclass(frozen=True)
class SkippedColumn:
    """A column left out of the drift test, and why (text, datetime, unknown dtype...)."""

    column: str
    reason: str


@dataclass(frozen=True)
class DriftReport:
    """Per-column drift plus Evidently's dataset rule (drifted share >= the threshold)."""

    columns: tuple[ColumnDrift, ...]
    drift_share_threshold: float = 0.5
    skipped: tuple[SkippedColumn, ...] = field(default=())
    correction: str | None = None

    @property
    def total_columns(self) -> int:
        return len(self.columns)

    @property
    def drifted_columns(self) -> int:
        return sum(1 for c in self.columns if c.drifted)

    @property
    def drift_share(self) -> float:
        """Share of drifted columns (0.0 when no column was tested)."""
        return self.drifted_columns / self.total_columns if self.columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        """Matches Evidently 0.7 ``get_dataset_drift``: share of drifted columns >= drift_share."""
        return bool(self.columns) and self.drift_share >= self.drift_share_threshold

    def column(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the ``tandem drift --format json`` shape of DESIGN.md."""
        return {
            "dataset_drift": self.dataset_drift,
            "drift_share": self.drift_share,
            "drifted_columns": self.drifted_columns,
            "total_columns": self.total_columns,
            "columns": [c.to_dict() for c in self.columns],
        }
