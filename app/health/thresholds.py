"""Effective thresholds: which warn/critical bounds apply to a system's signals.

Precedence, most specific first: a row of the ``thresholds`` table scoped to
the system, then a global row (scope ``''``), then the catalogue's built-in
default, implemented once in :func:`app.store.queries.thresholds.thresholds_in_force`
and read through this module by the pages, the what-if replay, ``tandem
status``/``check`` and the audit. This module only reads; editing (optimistic
locking, the audit trail) is :mod:`app.health.threshold_edits`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.health.catalog import SIGNALS, SIGNALS_BY_KEY
from app.store.db import session_scope
from app.store.models import System, Threshold
from app.store.queries import thresholds as stored
from app.store.queries.thresholds import GLOBAL_SCOPE, ThresholdSpec

__all__ = [
    "GLOBAL_SCOPE",
    "ThresholdSpec",
    "all_overrides",
    "check_scope",
    "default_thresholds",
    "effective_thresholds",
    "effective_thresholds_for",
    "spec_of",
    "thresholds_at",
    "version_at",
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


def check_scope(session: Session, scope: str) -> None:
    """``LookupError`` unless ``scope`` is ``''`` (global) or a system's name."""
    if scope == GLOBAL_SCOPE:
        return
    if session.scalar(select(System.id).where(System.name == scope)) is None:
        raise LookupError(f"no system named {scope!r}")


def thresholds_at(engine: Engine, scope: str) -> list[ThresholdSpec]:
    """Every catalogue signal's bounds in force at ``scope``, in catalogue order.

    For a system that is its own row, else the global row, else the catalogue
    default; ``ThresholdSpec.scope`` says which (``None`` = catalogue). The
    ``version`` to save against is ``ThresholdSpec.version`` when the spec's
    scope is ``scope``, else 0.
    """
    with session_scope(engine) as session:
        check_scope(session, scope)
        return list(effective_thresholds_for(session, [scope])[scope].values())


def all_overrides(engine: Engine) -> list[ThresholdSpec]:
    """Every stored threshold row (global and per system), by scope then catalogue order."""
    order = {s.key: i for i, s in enumerate(SIGNALS)}
    with session_scope(engine) as session:
        specs = [spec_of(r) for r in session.scalars(select(Threshold)) if r.signal in order]
    return sorted(specs, key=lambda s: (s.scope or "", order[s.signal]))


def version_at(spec: ThresholdSpec, scope: str) -> int:
    """The ``expected_version`` for saving ``spec`` at ``scope`` (0 when it is inherited)."""
    return spec.version if spec.scope == scope else 0
