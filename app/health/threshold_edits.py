"""Editing thresholds: validation, roles, optimistic locking and the audit trail.

The one code path every threshold edit takes (the Thresholds page, the inline
controls on other pages and ``tandem thresholds set``), so that the same rules
hold everywhere:

* **Roles.** Only an ``editor`` writes; any other role gets ``PermissionError``
  from the service itself, whatever the UI shows.
* **Validation.** The warn bound lies on the safe side of the critical bound
  (or equals it: then there is no warn band) for the signal's direction, and
  both lie in the signal's domain (``DOMAINS``: shares in 0..1, counts and
  durations ≥ 0, ...): :mod:`app.health.threshold_rules`.
* **Optimistic locking.** A save names the version it started from (0 for a
  catalogue default or an inherited value: no row yet). If the row moved on
  since, ``ConcurrentEditError`` carries the current value and nothing is
  written. The check is made on read and again by the database (SQLAlchemy's
  ``version_id_col``; a unique constraint for two first saves; the version in
  a revert's ``DELETE``). A revert is locked the same way: it is a save of
  the old bounds, or a guarded delete. A version is the id of the audit row
  that wrote it, so a row deleted and created again never reuses one.
* **Audit.** Each save writes the threshold row and one ``ThresholdChange``
  row in one transaction. Its id bumps the pages' data version, so every
  cached page recomputes.

Direction is a property of the signal (the catalogue's), not editable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.health.threshold_rules import (
    ThresholdValidationError,
    definition,
    domain,
    validate,
    validation_problems,
)
from app.health.thresholds import (
    ThresholdSpec,
    all_overrides,
    check_scope,
    effective_thresholds_for,
    spec_of,
    thresholds_at,
    version_at,
)
from app.roles import EDITOR, VIEWER, require_editor
from app.store.db import session_scope
from app.store.models import Threshold, ThresholdChange
from app.store.types import utc_now

__all__ = [
    "EDITOR",
    "ROLES",
    "VIEWER",
    "ChangeRecord",
    "ConcurrentEditError",
    "ThresholdValidationError",
    "all_overrides",
    "change_history",
    "domain",
    "require_editor",
    "revert_change",
    "save_threshold",
    "thresholds_at",
    "validate",
    "validation_problems",
    "version_at",
]

ROLES: Final = (VIEWER, EDITOR)


class ConcurrentEditError(RuntimeError):
    """Someone saved this threshold after the editor loaded it; ``current`` is theirs."""

    def __init__(self, current: ThresholdSpec, expected_version: int) -> None:
        self.current = current
        self.expected_version = expected_version
        where = "global default" if not current.scope else current.scope
        super().__init__(
            f"{current.signal} ({where}) was changed by someone else since you loaded it "
            f"(version {expected_version} → {current.version}); it is now "
            f"warn {current.warn:g}, critical {current.critical:g}. Nothing was saved."
        )


@dataclass(frozen=True)
class ChangeRecord:
    """One audit row: who moved which threshold, when, from what to what, and why."""

    id: int
    scope: str
    signal: str
    changed_at: datetime
    changed_by: str
    direction: str
    old_warn: float | None
    old_critical: float | None
    new_warn: float
    new_critical: float
    reason: str


def save_threshold(
    engine: Engine,
    scope: str,
    signal: str,
    warn: float,
    critical: float,
    expected_version: int,
    user: str,
    role: str,
    reason: str = "",
) -> ThresholdSpec:
    """Set ``signal``'s bounds at ``scope`` ('' = global default, else a system's name).

    ``expected_version`` is the version the caller saw (0 when no row existed).
    Returns the saved threshold. Raises ``PermissionError`` (not an editor),
    ``ThresholdValidationError``, ``LookupError`` (unknown signal or system) or
    ``ConcurrentEditError`` (stale ``expected_version``; nothing written).
    """
    require_editor(role)
    validate(signal, warn, critical)
    try:
        with session_scope(engine) as session:
            check_scope(session, scope)
            row = _row(session, scope, signal)
            _check_version(session, scope, signal, row, expected_version)
            return _write(session, scope, signal, row, (warn, critical), user, reason)
    except _RACES:
        raise _conflict(engine, scope, signal, expected_version) from None


def revert_change(
    engine: Engine,
    change_id: int,
    user: str,
    role: str,
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> ThresholdSpec:
    """Put back the bounds a change replaced, as a new audited change.

    Reverting the change that created a scope's row deletes the row, so the
    scope inherits again (global default, then the catalogue); the audit row
    records the inherited bounds as the new ones. When the scope inherits
    already, nothing changes and no audit row is written.

    Locked like a save: ``expected_version`` is the version of the scope's row
    the caller saw (0: none; ``None``: whatever this call reads). If the row is
    at another version, or moves on between this call's read and its write,
    ``ConcurrentEditError`` carries the current value and nothing is written.
    """
    require_editor(role)
    with session_scope(engine) as session:
        change = session.get(ThresholdChange, change_id)
        if change is None:
            raise LookupError(f"no threshold change #{change_id}")
        scope, signal = change.scope, change.signal
        old_warn, old_critical = change.old_warn, change.old_critical
    definition(signal)
    why = reason or f"revert of change #{change_id}"
    seen = expected_version
    try:
        with session_scope(engine) as session:
            row = _row(session, scope, signal)
            if seen is None:
                seen = row.version if row is not None else 0
            _check_version(session, scope, signal, row, seen)
            if old_warn is None or old_critical is None:
                return _delete(session, scope, signal, row, user, why)
            return _write(session, scope, signal, row, (old_warn, old_critical), user, why)
    except _RACES:
        raise _conflict(engine, scope, signal, seen or 0) from None


def change_history(
    engine: Engine,
    scope: str | None = None,
    signal: str | None = None,
    limit: int = 200,
) -> list[ChangeRecord]:
    """Audit rows, newest first, optionally for one scope and/or signal."""
    with session_scope(engine) as session:
        query = select(ThresholdChange).order_by(ThresholdChange.id.desc()).limit(limit)
        if scope is not None:
            query = query.where(ThresholdChange.scope == scope)
        if signal is not None:
            query = query.where(ThresholdChange.signal == signal)
        return [
            ChangeRecord(
                id=c.id,
                scope=c.scope,
                signal=c.signal,
                changed_at=c.changed_at,
                changed_by=c.changed_by,
                direction=c.direction,
                old_warn=c.old_warn,
                old_critical=c.old_critical,
                new_warn=c.new_warn,
                new_critical=c.new_critical,
                reason=c.reason,
            )
            for c in session.scalars(query)
        ]


# --- helpers ------------------------------------------------------------------


def _row(session: Session, scope: str, signal: str) -> Threshold | None:
    return session.scalar(
        select(Threshold).where(Threshold.scope == scope, Threshold.signal == signal)
    )


class _RowMoved(Exception):
    """A guarded write matched no row: another session changed it after our read."""


# What a write raises when another session got there between our read and our write:
# the ORM's version check on UPDATE, the unique (scope, signal) on INSERT, our DELETE's.
_RACES: Final = (StaleDataError, IntegrityError, _RowMoved)


def _check_version(
    session: Session, scope: str, signal: str, row: Threshold | None, expected_version: int
) -> None:
    if (row.version if row is not None else 0) != expected_version:
        raise ConcurrentEditError(_current(session, scope, signal), expected_version)


def _write(
    session: Session,
    scope: str,
    signal: str,
    row: Threshold | None,
    new: tuple[float, float],
    user: str,
    reason: str,
) -> ThresholdSpec:
    """Set the row read as ``row`` (``None``: create it) and audit; guarded by the version.

    The audit row goes in first: its id becomes the row's new version (see
    ``Threshold``). The UPDATE still matches only the version read, so a row that
    moved on since (or was deleted and created again) raises instead of being
    overwritten under an audit row with the wrong old bounds.
    """
    old = (row.warn, row.critical) if row is not None else (None, None)
    audit = _audit(scope, signal, old, new, user, reason)
    session.add(audit)
    session.flush()
    if row is None:
        row = Threshold(scope=scope, signal=signal, direction=definition(signal).direction)
        session.add(row)
    row.warn, row.critical = float(new[0]), float(new[1])
    row.updated_at, row.updated_by = utc_now(), user
    row.version = audit.id
    session.flush()
    return spec_of(row)


def _delete(
    session: Session, scope: str, signal: str, row: Threshold | None, user: str, reason: str
) -> ThresholdSpec:
    """Delete the row read as ``row`` so the scope inherits; audit unless nothing changed."""
    if row is None:
        return _current(session, scope, signal)
    old = (row.warn, row.critical)
    deleted = session.connection().execute(
        delete(Threshold).where(Threshold.id == row.id, Threshold.version == row.version)
    )
    if deleted.rowcount != 1:
        raise _RowMoved
    inherited = _current(session, scope, signal)
    session.add(_audit(scope, signal, old, (inherited.warn, inherited.critical), user, reason))
    return inherited


def _conflict(
    engine: Engine, scope: str, signal: str, expected_version: int
) -> ConcurrentEditError:
    with session_scope(engine) as session:
        return ConcurrentEditError(_current(session, scope, signal), expected_version)


def _current(session: Session, scope: str, signal: str) -> ThresholdSpec:
    """What is in force at ``scope`` now (its row, the global row, or the catalogue)."""
    session.expire_all()
    return effective_thresholds_for(session, [scope])[scope][signal]


def _audit(
    scope: str,
    signal: str,
    old: tuple[float | None, float | None],
    new: tuple[float, float],
    user: str,
    reason: str,
) -> ThresholdChange:
    return ThresholdChange(
        scope=scope,
        signal=signal,
        changed_at=utc_now(),
        changed_by=user,
        direction=definition(signal).direction,
        old_warn=old[0],
        old_critical=old[1],
        new_warn=float(new[0]),
        new_critical=float(new[1]),
        reason=reason,
    )
