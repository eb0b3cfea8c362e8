"""Effective thresholds: which warn/critical bounds apply to a system's signals.

Precedence, most specific first: a row of the ``thresholds`` table scoped to
the system, then a global row (scope ``''``), then the catalogue's built-in
default. This module only reads; editing (with optimistic locking and the
audit trail) lives with the thresholds page and CLI.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.health.catalog import SIGNALS, SIGNALS_BY_KEY
from app.store.models import Threshold
from app.store.queries import thresholds as stored
from app.store.queries.thresholds import GLOBAL_SCOPE, ThresholdSpec

__all__ = [
    "GLOBAL_SCOPE",
    "ThresholdSpec",
    "default_thresholds",
    "effective_thresholds",
    "effective_thresholds_for",
    "spec_of",
]


def default_thresholds() -> dict[str, ThresholdSpec]:
    """The catalogue's built-in thresholds, keyed by signal (catalogue order)."""
    return {
        s.key: ThresholdSpec(s.key, s.direction, s.warn, s.critical, s.unit, None, 0)
        for s in SIGNALS
    }


def effective_thresholds(session: Session, system_name: str) -> dict[str, ThresholdSpec]:
    """Every catalogue signal's thresholds for ``system_name`` (system > global > default)."""
    return effective_thresholds_for(session, [system_name])[system_name]


def effective_thresholds_for(
    session: Session, system_names: Iterable[str]
) -> dict[str, dict[str, ThresholdSpec]]:
    """``effective_thresholds`` for several systems (or ``''``) in one query.

    The precedence itself is :func:`app.store.queries.thresholds.thresholds_in_force`.
    """
    return stored.thresholds_in_force(session, system_names, default_thresholds())


def spec_of(row: Threshold) -> ThresholdSpec:
    """A stored threshold row as the entity the rest of Tandem reads."""
    return stored.spec_of(row, SIGNALS_BY_KEY[row.signal].unit)
