"""The SLOs the alert rules are derived from, and their burn-rate windows as PromQL durations.

The SLOs are the SLO objects of ``app.health.slo_store`` (``all_slos``: every
system's, the built-in default for a system without any); the windows and
factors are ``app.health.slo.burn_alerts``, the same the Service health page
shows: the Google SRE workbook's budget shares (2 % of the budget in 1 h with
a 5-minute short window, 5 % in 6 h / 30 min, 10 % in 3 days / 6 h), the
factor scaled to the SLO's period, ``factor = share * period_hours /
long_hours``. So a 7-day SLO pages after 2 % of *its* budget (factor 3.36)
rather than after 8.6 % (the 30-day 14.4, elastic/kibana#170830).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.health.slo_store import DEFAULT_MIN_EVENTS, SloSpec

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["DEFAULT_MIN_EVENTS", "BurnWindow", "SloSpec", "burn_windows", "objectives"]

_SEVERITY = {"page": "critical", "ticket": "warning"}


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow burn-rate alert: long and short window, budget share, factor."""

    name: str  # FastBurn1h, FastBurn6h, SlowBurn3d
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


def burn_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """``burn_alerts(period_days)`` with Prometheus durations and alert severities.

    For 30 days: 0.02 * 720 / 1 = 14.4, 0.05 * 720 / 6 = 6, 0.10 * 720 / 72 = 1.
    For 7 days: 0.02 * 168 / 1 = 3.36, 0.05 * 168 / 6 = 1.4, 0.10 * 168 / 72 = 0.233.
    """
    from app.health.slo import burn_alerts

    windows = []
    for alert in burn_alerts(period_days):
        long, short = round(alert.long_hours * 3600), round(alert.short_hours * 3600)
        speed = "FastBurn" if alert.severity == "page" else "SlowBurn"
        windows.append(
            BurnWindow(
                f"{speed}{duration(long)}",
                _SEVERITY[alert.severity],
                long,
                short,
                alert.budget_share,
                alert.factor,
            )
        )
    return tuple(windows)


def duration(seconds: int) -> str:
    """A Prometheus duration: 300 -> "5m", 3600 -> "1h", 259200 -> "3d"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def objectives(engine: Engine | None = None) -> list[SloSpec]:
    """Every system's SLOs, by system name (``slo_store.all_slos``)."""
    from app.health.slo_store import all_slos
    from app.store.db import get_engine

    return all_slos(engine or get_engine())
