"""Column and dataset drift that reproduces Evidently 0.7's ``DataDriftPreset``, vectorised.

``compute_drift`` chooses Evidently's stat test per column, computes it from
one sorted pass over each side and applies Evidently's drift rule;
``redecide`` re-applies the rule to a stored score when a threshold moves.
"""

from app.drift.columns import DriftInputError, infer_kind, is_numerical
from app.drift.engine import benjamini_hochberg, compute_drift
from app.drift.methods import (
    METHODS,
    UnknownMethodError,
    apply_family_thresholds,
    method_family,
    redecide,
)
from app.drift.report import ColumnDrift, DriftReport, SkippedColumn

__all__ = [
    "METHODS",
    "ColumnDrift",
    "DriftInputError",
    "DriftReport",
    "SkippedColumn",
    "UnknownMethodError",
    "apply_family_thresholds",
    "benjamini_hochberg",
    "compute_drift",
    "infer_kind",
    "is_numerical",
    "method_family",
    "redecide",
]
