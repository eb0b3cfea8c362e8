"""Reading SLOs: each system's SLO objects as plain entities.

A system's SLOs are its rows in ``slos``. A system without any row (one
created after migration 0004, which gave every system then stored its
availability SLO) has the built-in ``DEFAULT_SLO`` until an SLO is saved for
it: derived *on first read* from a constant, never from a threshold, so moving
a threshold never moves an SLO. Its ``version`` is 0, the version a first save
names (as for an inherited threshold).

The system's *primary* SLO, which ``operate.error_budget_remaining`` reads, is
its availability SLO named ``availability`` (the one the migration made and
the default), else its first availability SLO by creation, else the default.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.store.db import session_scope
from app.store.models import Slo, System

__all__ = [
    "AVAILABILITY",
    "DEFAULT_MIN_EVENTS",
    "DEFAULT_SLO",
    "LATENCY",
    "PERIODS_DAYS",
    "SLIS",
    "SloSpec",
    "all_slos",
    "primary_slo",
    "primary_slos",
    "slos_for",
    "slos_of",
    "spec_of",
]

AVAILABILITY: Final = "availability"
LATENCY: Final = "latency"
SLIS: Final = (AVAILABILITY, LATENCY)
PERIODS_DAYS: Final = (7, 28, 30)
# The low-traffic gate's default: a burn-rate alert needs 100 events in its long
# window. Below that one error moves a 99.9 % SLO's burn rate by 10x or more
# (pyrra-dev/pyrra #1259), so a handful of errors would page.
DEFAULT_MIN_EVENTS: Final = 100


@dataclass(frozen=True)
class SloSpec:
    """One SLO: ``target`` share of good events over ``period_days``.

    ``sli`` is ``availability`` (good = requests without an error) or
    ``latency`` (good = requests served within ``latency_bound_ms``).
    ``version`` is 0 for the built-in default (no row yet). ``created_at`` is
    empty for the default.
    """

    system: str
    name: str
    sli: str
    target: float
    period_days: int
    min_events: int = DEFAULT_MIN_EVENTS
    latency_bound_ms: float | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_by: str = ""

    @property
    def period_hours(self) -> float:
        return self.period_days * 24.0

    @property
    def is_default(self) -> bool:
        return self.version == 0

    def describe(self) -> str:
        """``99.9 % of requests without error over 28 days`` (for captions and CLI)."""
        what = (
            "of requests without error"
            if self.sli == AVAILABILITY
            else f"of requests within {self.latency_bound_ms:g} ms"
        )
        return f"{self.target * 100:g} % {what} over {self.period_days} days"


# What every system has until an SLO is saved for it: today's behaviour before SLO
# objects (the catalogue's operate.availability warn bound, 28 days).
DEFAULT_SLO: Final = SloSpec(system="", name=AVAILABILITY, sli=AVAILABILITY, target=0.999,
                             period_days=28)  # fmt: skip


def spec_of(row: Slo, system: str) -> SloSpec:
    return SloSpec(
        system=system,
        name=row.name,
        sli=row.sli,
        target=row.target,
        period_days=row.period_days,
        min_events=row.min_events,
        latency_bound_ms=row.latency_bound_ms,
        version=row.version,
        created_at=row.created_at,
        updated_by=row.updated_by,
    )


def slos_of(session: Session, system: str) -> list[SloSpec]:
    """``system``'s SLOs by creation (the default alone when it has none).

    Raises ``LookupError`` for an unknown system.
    """
    system_id = session.scalar(select(System.id).where(System.name == system))
    if system_id is None:
        raise LookupError(f"no system named {system!r}")
    rows = session.scalars(select(Slo).where(Slo.system_id == system_id).order_by(Slo.id)).all()
    return [spec_of(r, system) for r in rows] or [replace(DEFAULT_SLO, system=system)]


def slos_for(engine: Engine, system: str) -> list[SloSpec]:
    """``slos_of`` in a session of its own."""
    with session_scope(engine) as session:
        return slos_of(session, system)


def all_slos(engine: Engine) -> list[SloSpec]:
    """Every system's SLOs (the default for a system without any), by system name."""
    with session_scope(engine) as session:
        names = dict(session.execute(select(System.id, System.name)).all())
        rows = session.scalars(select(Slo).order_by(Slo.id)).all()
        found: dict[int, list[SloSpec]] = {}
        for row in rows:
            found.setdefault(row.system_id, []).append(spec_of(row, names[row.system_id]))
    return [
        slo
        for system_id, name in sorted(names.items(), key=lambda item: item[1])
        for slo in found.get(system_id) or [replace(DEFAULT_SLO, system=name)]
    ]


def primary_slo(slos: Collection[SloSpec], system: str = "") -> SloSpec:
    """The availability SLO ``operate.error_budget_remaining`` reads (see the module doc)."""
    available = [s for s in slos if s.sli == AVAILABILITY]
    named = [s for s in available if s.name == AVAILABILITY]
    chosen = (named or available or [replace(DEFAULT_SLO, system=system)])[0]
    return chosen


def primary_slos(session: Session, systems: dict[int, str]) -> dict[int, SloSpec]:
    """Each system id's primary SLO, in one query."""
    rows = session.scalars(
        select(Slo)
        .where(Slo.system_id.in_(list(systems)), Slo.sli == AVAILABILITY)
        .order_by(Slo.id)
    ).all()
    found: dict[int, list[SloSpec]] = {}
    for row in rows:
        found.setdefault(row.system_id, []).append(spec_of(row, systems[row.system_id]))
    return {i: primary_slo(found.get(i, []), name) for i, name in systems.items()}
