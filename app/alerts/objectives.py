"""The SLOs the alert rules are derived from, and their burn-rate windows.

:func:`objectives` is the one place ``tandem alert-rules`` reads SLOs from.
Until the SLO objects of issue 15 (``app.health.slo`` and the ``slos``
table) are in place it reads the implicit SLO Tandem had: availability, the
``operate.availability`` warn bound as the target, over 28 days.

Burn-rate windows follow the Google SRE workbook's budget shares (chapter 5,
Table 5-8): 2 % of the budget in 1 h (short window 5 min), 5 % in 6 h
(30 min), 10 % in 3 days (6 h). The factor is scaled to the SLO's period,
``factor = share * period_hours / long_hours``, so a 7-day SLO pages after
2 % of *its* budget (factor 3.36) rather than after 8.6 % (the 30-day 14.4,
elastic/kibana#170830); the workbook's 14.4 / 6 / 1 are the 30-day case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_PERIOD_DAYS = 28
# Low-traffic gate: a burn-rate alert needs this many requests in its long window
# (pyrra-dev/pyrra#1259: a handful of errors must not page a quiet service).
DEFAULT_MIN_EVENTS = 100


@dataclass(frozen=True)
class Objective:
    """One SLO of one system, as the rules need it."""

    system: str
    name: str
    sli: str  # availability | latency
    target: float
    period_days: int
    min_events: int = DEFAULT_MIN_EVENTS
    latency_bound_ms: float | None = None

    @property
    def error_budget(self) -> float:
        return 1 - self.target


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow burn-rate alert: long and short window, budget share, factor."""

    name: str
    severity: str  # critical (page) | warning (ticket)
    long_seconds: int
    short_seconds: int
    budget_share: float
    factor: float

    @property
    def long(self) -> str:
        return duration(self.long_seconds)

    @property
    def short(self) -> str:
        return duration(self.short_seconds)


# (name, severity, long window, short window, budget share): the workbook's Table 5-8.
_WORKBOOK = (
    ("FastBurn1h", "critical", 3600, 300, 0.02),
    ("FastBurn6h", "critical", 6 * 3600, 1800, 0.05),
    ("SlowBurn3d", "warning", 3 * 86400, 6 * 3600, 0.10),
)


def burn_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """The three alerts of an SLO over ``period_days``, factors scaled to that period.

    For 30 days: 0.02 * 720 / 1 = 14.4, 0.05 * 720 / 6 = 6, 0.10 * 720 / 72 = 1.
    For 7 days: 0.02 * 168 / 1 = 3.36, 0.05 * 168 / 6 = 1.4, 0.10 * 168 / 72 = 0.233.
    """
    period_hours = period_days * 24.0
    return tuple(
        BurnWindow(name, severity, long, short, share, share * period_hours / (long / 3600))
        for name, severity, long, short, share in _WORKBOOK
    )


def duration(seconds: int) -> str:
    """A Prometheus duration: 300 -> "5m", 3600 -> "1h", 259200 -> "3d"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def objectives(engine: Engine | None = None) -> list[Objective]:
    """Every system's SLOs, by system name.

    Reads the implicit SLO (``operate.availability``'s warn bound, 28 days)
    until SLO objects exist in the store.
    """
    from app.health.threshold_edits import thresholds_at
    from app.store.db import get_engine
    from app.store.queries import system_names

    engine = engine or get_engine()
    result = []
    for system in system_names(engine):
        bounds = {spec.signal: spec for spec in thresholds_at(engine, system)}
        target = bounds["operate.availability"].warn
        result.append(Objective(system, "availability", "availability", target, 28))
    return result
