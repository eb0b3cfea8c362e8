"""Effective thresholds: which warn/critical bounds apply to a system's signals.

Precedence, most specific first: a row of the ``thresholds`` table scoped to
the system, then a global row (scope ``''``), then the catalogue's built-in
default. This module only reads; editing (with optimistic locking and the
audit trail) lives with the thresholds page and CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.health.catalog import SIGNALS, SIGNALS_BY_KEY
from app.store.models import Threshold

GLOBAL_SCOPE = ""


@dataclass(frozen=True)
class ThresholdSpec:
    """The bounds in force for one signal.

    ``scope`` is the system's name, ``''`` for a global row, or ``None`` for
    the catalogue default (which has ``version`` 0: no row to lock).
    """

    signal: str
    direction: str
    warn: float
    critical: float
    unit: str
    scope: str | None
    version: int


def default_thresholds() -> dict[str, ThresholdSpec]:
    """The catalogue's built-in thresholds, keyed by signal."""
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
    """``effective_thresholds`` for several systems in one query."""
    names = list(system_names)
    rows = session.scalars(
        select(Threshold).where(Threshold.scope.in_([GLOBAL_SCOPE, *names]))
    ).all()
    base = default_thresholds()
    for row in rows:
        if row.scope == GLOBAL_SCOPE and row.signal in base:
            base[row.signal] = spec_of(row)
    result: dict[str, dict[str, ThresholdSpec]] = {name: dict(base) for name in names}
    for row in rows:
        if row.scope != GLOBAL_SCOPE and row.signal in base:
            result[row.scope][row.signal] = spec_of(row)
    return result


def spec_of(row: Threshold) -> ThresholdSpec:
    """A stored threshold row as the entity the rest of Tandem reads."""
    return ThresholdSpec(
        signal=row.signal,
        direction=row.direction,
        warn=row.warn,
        critical=row.critical,
        unit=SIGNALS_BY_KEY[row.signal].unit,
        scope=row.scope,
        version=row.version,
    )
