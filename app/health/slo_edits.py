"""Editing SLOs: validation, roles, optimistic locking and the audit trail.

The one path every SLO edit takes (the Service health page and ``tandem slo
set``), with the rules thresholds follow (``app.health.threshold_edits``):

* **Roles.** Only an ``editor`` writes (``app.roles.require_editor``); any
  other role gets ``PermissionError`` from here, whatever the UI shows.
* **Validation.** ``SloValidationError`` lists every broken rule: a name of
  1-100 characters, an SLI of ``availability`` or ``latency``, a target
  strictly between 0 and 1 (1 leaves no budget), a period of 7, 28 or 30
  days, a gate of 0 to 10^9 events, and a latency bound (0 < bound <= a day,
  in ms) exactly when the SLI is ``latency``.
* **Optimistic locking.** A save names the version it started from (0 for
  an SLO not stored yet, such as the built-in default). If the row moved on,
  ``SloConflictError`` carries the current SLO and nothing is written. The
  database checks it again (``version_id_col``; the unique (system, name) for
  two first saves).
* **Audit.** Each save writes the SLO row and one ``SloChange`` row in one
  transaction. A new audit row changes the pages' data version, so cached
  pages recompute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.health.slo_store import (
    DEFAULT_MIN_EVENTS,
    DEFAULT_SLO,
    LATENCY,
    PERIODS_DAYS,
    SLIS,
    SloSpec,
    spec_of,
)
from app.roles import require_editor
from app.store.db import session_scope
from app.store.models import Slo, SloChange, System
from app.store.types import utc_now

__all__ = [
    "SloChangeRecord",
    "SloConflictError",
    "SloValidationError",
    "save_slo",
    "slo_history",
    "slo_problems",
]

MAX_NAME: Final = 100
MAX_MIN_EVENTS: Final = 10**9
MAX_LATENCY_MS: Final = 86_400_000.0


class SloValidationError(ValueError):
    """The SLO breaks a rule; ``problems`` lists each one as a sentence."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.name = name
        self.problems = tuple(problems)
        super().__init__(f"SLO {name!r}: " + "; ".join(self.problems))


class SloConflictError(RuntimeError):
    """Someone saved this SLO after the editor loaded it; ``current`` is theirs."""

    def __init__(self, current: SloSpec | None, system: str, name: str, expected: int) -> None:
        self.current = current
        self.expected_version = expected
        now = (
            f"it is now {current.describe()} (gate {current.min_events} events)"
            if current is not None
            else "it is not stored"
        )
        found = current.version if current is not None else 0
        super().__init__(
            f"SLO {name!r} of {system} was changed by someone else since you loaded it "
            f"(version {expected} → {found}); {now}. Nothing was saved."
        )


@dataclass(frozen=True)
class SloChangeRecord:
    """One audit row: who set which SLO, when, from what to what, and why."""

    id: int
    system: str
    slo: str
    changed_at: datetime
    changed_by: str
    old: str  # the SLO before, described ('' when the change created it)
    new: str
    reason: str


def slo_problems(
    name: str,
    sli: str,
    target: float,
    period_days: int,
    min_events: int = DEFAULT_MIN_EVENTS,
    latency_bound_ms: float | None = None,
) -> list[str]:
    """Every rule the SLO breaks, as sentences (empty: valid)."""
    problems = []
    if not name or not name.strip() or "\x00" in name or len(name) > MAX_NAME:
        problems.append(f"the name must be 1 to {MAX_NAME} characters, not blank")
    if sli not in SLIS:
        problems.append(f"the SLI must be one of {', '.join(SLIS)}, not {sli!r}")
    if not _finite(target) or not 0 < target < 1:
        problems.append(f"the target must lie strictly between 0 and 1 (got {target!r})")
    if period_days not in PERIODS_DAYS:
        days = ", ".join(str(d) for d in PERIODS_DAYS)
        problems.append(f"the period must be {days} days (got {period_days!r})")
    if not isinstance(min_events, int) or not 0 <= min_events <= MAX_MIN_EVENTS:
        problems.append(f"the low-traffic gate must be 0 to {MAX_MIN_EVENTS} events")
    if sli == LATENCY:
        bound = latency_bound_ms
        if bound is None or not _finite(bound) or not 0 < bound <= MAX_LATENCY_MS:
            problems.append("a latency SLO needs a bound above 0 and at most 86400000 ms")
    elif latency_bound_ms is not None:
        problems.append("only a latency SLO has a latency bound")
    return problems


def save_slo(
    engine: Engine,
    slo: SloSpec,
    expected_version: int,
    user: str,
    role: str,
    reason: str = "",
) -> SloSpec:
    """Create or replace ``slo`` (keyed by its system and name) and audit the change.

    ``expected_version`` is the version the caller saw (0: not stored yet).
    Returns the saved SLO. Raises ``PermissionError`` (not an editor),
    ``SloValidationError``, ``LookupError`` (unknown system) or
    ``SloConflictError`` (stale ``expected_version``; nothing written).
    """
    require_editor(role)
    problems = slo_problems(slo.name, slo.sli, slo.target, slo.period_days, slo.min_events,
                            slo.latency_bound_ms)  # fmt: skip
    if problems:
        raise SloValidationError(slo.name, problems)
    try:
        with session_scope(engine) as session:
            system_id = _system_id(session, slo.system)
            row = _row(session, system_id, slo.name)
            if (row.version if row is not None else 0) != expected_version:
                raise SloConflictError(
                    _spec(row, slo.system), slo.system, slo.name, expected_version
                )
            old = _spec(row, slo.system)
            if row is None:
                row = Slo(system_id=system_id, name=slo.name, created_at=utc_now())
                session.add(row)
            row.sli, row.target, row.period_days = slo.sli, float(slo.target), slo.period_days
            row.min_events, row.latency_bound_ms = slo.min_events, slo.latency_bound_ms
            row.updated_at, row.updated_by = utc_now(), user
            session.add(_audit(slo, old, user, reason))
            session.flush()
            return spec_of(row, slo.system)
    except (StaleDataError, IntegrityError):
        with session_scope(engine) as session:
            current = _spec(_row(session, _system_id(session, slo.system), slo.name), slo.system)
        raise SloConflictError(current, slo.system, slo.name, expected_version) from None


def slo_history(
    engine: Engine, system: str | None = None, limit: int = 200
) -> list[SloChangeRecord]:
    """Audit rows, newest first, optionally of one system."""
    with session_scope(engine) as session:
        query = select(SloChange).order_by(SloChange.id.desc()).limit(limit)
        if system is not None:
            query = query.where(SloChange.system == system)
        return [
            SloChangeRecord(
                id=c.id,
                system=c.system,
                slo=c.slo,
                changed_at=c.changed_at,
                changed_by=c.changed_by,
                old=_describe(
                    c.old_sli,
                    c.old_target,
                    c.old_period_days,
                    c.old_min_events,
                    c.old_latency_bound_ms,
                ),  # fmt: skip
                new=_describe(
                    c.new_sli,
                    c.new_target,
                    c.new_period_days,
                    c.new_min_events,
                    c.new_latency_bound_ms,
                ),  # fmt: skip
                reason=c.reason,
            )
            for c in session.scalars(query)
        ]


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _system_id(session: Session, system: str) -> int:
    system_id = session.scalar(select(System.id).where(System.name == system))
    if system_id is None:
        raise LookupError(f"no system named {system!r}")
    return system_id


def _row(session: Session, system_id: int, name: str) -> Slo | None:
    session.expire_all()
    return session.scalar(select(Slo).where(Slo.system_id == system_id, Slo.name == name))


def _spec(row: Slo | None, system: str) -> SloSpec | None:
    return spec_of(row, system) if row is not None else None


def _audit(new: SloSpec, old: SloSpec | None, user: str, reason: str) -> SloChange:
    return SloChange(
        system=new.system,
        slo=new.name,
        changed_at=utc_now(),
        changed_by=user,
        old_sli=old.sli if old else None,
        old_latency_bound_ms=old.latency_bound_ms if old else None,
        old_target=old.target if old else None,
        old_period_days=old.period_days if old else None,
        old_min_events=old.min_events if old else None,
        new_sli=new.sli,
        new_latency_bound_ms=new.latency_bound_ms,
        new_target=float(new.target),
        new_period_days=new.period_days,
        new_min_events=new.min_events,
        reason=reason,
    )


def _describe(
    sli: str | None,
    target: float | None,
    period_days: int | None,
    min_events: int | None,
    bound: float | None,
) -> str:
    if sli is None or target is None or period_days is None:
        return ""
    spec = replace(DEFAULT_SLO, sli=sli, target=target, period_days=period_days,
                   latency_bound_ms=bound, min_events=min_events or 0)  # fmt: skip
    return f"{spec.describe()}, gate {spec.min_events} events"
