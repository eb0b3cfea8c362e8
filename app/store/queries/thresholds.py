"""Which warn/critical bounds are in force: the one implementation of threshold precedence.

Precedence, most specific first: the ``thresholds`` row scoped to the system,
then the global row (scope ``''``), then the built-in default. The built-in
defaults (the signal catalogue) belong to the health layer, so callers pass
them in; a stored row for a signal without a default is ignored (a signal
since removed from the catalogue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Threshold

GLOBAL_SCOPE = ""

__all__ = ["GLOBAL_SCOPE", "ThresholdSpec", "spec_of", "thresholds_in_force"]


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


def spec_of(row: Threshold, unit: str) -> ThresholdSpec:
    """A stored threshold row as the entity the rest of Tandem reads."""
    return ThresholdSpec(
        signal=row.signal,
        direction=row.direction,
        warn=row.warn,
        critical=row.critical,
        unit=unit,
        scope=row.scope,
        version=row.version,
    )


def thresholds_in_force(
    session: Session, scopes: Iterable[str], defaults: Mapping[str, ThresholdSpec]
) -> dict[str, dict[str, ThresholdSpec]]:
    """scope -> signal -> the bounds in force there, for every signal of ``defaults``.

    One query. ``scopes`` are system names (or ``''``, the global scope, whose
    bounds are its own row or the default). ``ThresholdSpec.scope`` says where
    each spec comes from: the scope itself, ``''`` or ``None`` (the default).
    """
    names = list(dict.fromkeys(scopes))
    rows = session.scalars(
        select(Threshold).where(Threshold.scope.in_([GLOBAL_SCOPE, *names]))
    ).all()
    found = {
        (row.scope, row.signal): spec_of(row, defaults[row.signal].unit)
        for row in rows
        if row.signal in defaults
    }
    return {
        scope: {
            signal: found.get((scope, signal))
            or found.get((GLOBAL_SCOPE, signal))
            or replace(default, scope=None, version=0)
            for signal, default in defaults.items()
        }
        for scope in names
    }
