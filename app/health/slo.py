"""Service level objectives: error budget, multi-window burn rates, burn-down.

Follows the Google SRE workbook, chapter 5 "Alerting on SLOs":

* The *burn rate* of a window is its error ratio divided by the error ratio
  the SLO allows, ``(errors / requests) / (1 - target)``: 1 spends the budget
  exactly over the SLO period.
* A window of ``h`` hours at burn rate ``b`` consumes ``b * h / period_hours``
  of the budget (14.4 for 1 h of a 30-day budget is 2 %; 6 for 6 h is 5 %;
  1 for 3 days is 10 %).
* Multiwindow, multi-burn-rate alerts (the workbook's Table 5-8): an alert
  fires when *both* its long and its short window (1/12 of the long one) burn
  faster than its factor. The two fast-burn pages look at 1 h (5 min) at
  14.4× and 6 h (30 min) at 6×; the slow-burn ticket at 3 d (6 h) at 1×.
  The factors are the workbook's, derived from a 30-day period.

Tandem's error budget itself is over the rolling 28 days ending at the end of
the selected window (``operate.error_budget_remaining``). Per system, the
availability SLO target is the ``operate.availability`` warn bound and the
latency target the ``operate.latency_p95_ms`` warn bound, so both are edited
with the thresholds (no separate table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.health.golden import from_epoch, time_bucket
from app.health.thresholds import ThresholdSpec
from app.store.models import HealthSample

HOUR = 3600.0
BUDGET_DAYS = 28
WORKBOOK_PERIOD_HOURS = 30 * 24.0


@dataclass(frozen=True)
class SloTargets:
    """A system's SLO targets: availability (ratio) and latency p95 (ms)."""

    availability: float
    latency_p95_ms: float

    @classmethod
    def from_thresholds(cls, thresholds: Mapping[str, ThresholdSpec]) -> SloTargets:
        return cls(
            availability=thresholds["operate.availability"].warn,
            latency_p95_ms=thresholds["operate.latency_p95_ms"].warn,
        )


@dataclass(frozen=True)
class BurnAlert:
    """One multiwindow burn-rate alert of the workbook's Table 5-8."""

    name: str
    severity: str  # page | ticket
    long_hours: float
    short_hours: float
    factor: float

    def budget_share(self, period_hours: float = WORKBOOK_PERIOD_HOURS) -> float:
        """Budget the long window consumes at exactly the alert's burn rate."""
        return budget_consumed(self.factor, self.long_hours, period_hours)


BURN_ALERTS = (
    BurnAlert("Fast burn (1 h)", "page", 1.0, 5 / 60, 14.4),
    BurnAlert("Fast burn (6 h)", "page", 6.0, 0.5, 6.0),
    BurnAlert("Slow burn (3 d)", "ticket", 72.0, 6.0, 1.0),
)


def burn_rate(errors: float, requests: float, target: float) -> float | None:
    """(errors / requests) / (1 - target); None without requests."""
    if requests <= 0:
        return None
    if target >= 1:
        raise ValueError(f"an SLO target of {target} leaves no error budget")
    return (errors / requests) / (1 - target)


def budget_consumed(
    rate: float, hours: float, period_hours: float = WORKBOOK_PERIOD_HOURS
) -> float:
    """Share of a ``period_hours`` budget spent by burning at ``rate`` for ``hours``."""
    return rate * hours / period_hours


def budget_remaining(errors: float, requests: float, target: float) -> float | None:
    """1 - errors / ((1 - target) * requests): 1 untouched, 0 spent, below 0 overspent."""
    rate = burn_rate(errors, requests, target)
    return None if rate is None else 1 - rate


@dataclass(frozen=True)
class BurnRateRow:
    alert: BurnAlert
    long_rate: float | None
    short_rate: float | None

    @property
    def firing(self) -> bool:
        """Both windows burn faster than the alert's factor."""
        return (
            self.long_rate is not None
            and self.short_rate is not None
            and self.long_rate > self.alert.factor
            and self.short_rate > self.alert.factor
        )


@dataclass(frozen=True)
class ErrorBudget:
    target: float
    requests: float
    errors: float
    remaining: float | None  # share of the budget left; None without requests

    @property
    def availability(self) -> float | None:
        return 1 - self.errors / self.requests if self.requests > 0 else None

    @property
    def allowed_errors(self) -> float:
        return (1 - self.target) * self.requests


def _totals(
    session: Session, system_id: int, until: datetime, hours: list[float]
) -> dict[float, tuple[float, float]]:
    """(requests, errors) over each ``[until - h, until)``, in one scan."""
    starts = {h: until - timedelta(hours=h) for h in hours}
    columns = []
    for h in hours:
        inside = HealthSample.timestamp >= starts[h]
        columns += [
            func.sum(case((inside, HealthSample.requests), else_=0)),
            func.sum(case((inside, HealthSample.errors), else_=0)),
        ]
    row = session.execute(
        select(*columns).where(
            HealthSample.system_id == system_id,
            HealthSample.timestamp >= min(starts.values()),
            HealthSample.timestamp < until,
        )
    ).one()
    values = [float(v or 0) for v in row]
    return {h: (values[2 * i], values[2 * i + 1]) for i, h in enumerate(hours)}


def burn_rates(
    session: Session, system_id: int, until: datetime, target: float
) -> list[BurnRateRow]:
    """Every alert's long- and short-window burn rate ending at ``until``."""
    hours = sorted({h for a in BURN_ALERTS for h in (a.long_hours, a.short_hours)})
    totals = _totals(session, system_id, until, hours)
    return [
        BurnRateRow(
            alert,
            burn_rate(totals[alert.long_hours][1], totals[alert.long_hours][0], target),
            burn_rate(totals[alert.short_hours][1], totals[alert.short_hours][0], target),
        )
        for alert in BURN_ALERTS
    ]


def error_budget(
    session: Session, system_id: int, until: datetime, target: float, days: int = BUDGET_DAYS
) -> ErrorBudget:
    """The error budget of the ``days`` days ending at ``until``."""
    requests, errors = _totals(session, system_id, until, [days * 24.0])[days * 24.0]
    return ErrorBudget(target, requests, errors, budget_remaining(errors, requests, target))


def burn_down(
    session: Session,
    system_id: int,
    until: datetime,
    target: float,
    days: int = BUDGET_DAYS,
    bucket_seconds: int = 3600,
) -> pd.DataFrame:
    """Budget left after each bucket of the ``days`` ending at ``until``.

    Columns ``bucket`` (end of the bucket), ``remaining`` (1 - cumulative
    errors / the whole period's allowed errors, so the line only falls and
    ends at ``error_budget(...).remaining``) and ``ideal`` (a linear spend
    that reaches 0 exactly at ``until``). Empty without requests.
    """
    since = until - timedelta(days=days)
    bucket = time_bucket(session, HealthSample.timestamp, bucket_seconds)
    rows = session.execute(
        select(bucket, func.sum(HealthSample.requests), func.sum(HealthSample.errors))
        .where(
            HealthSample.system_id == system_id,
            HealthSample.timestamp >= since,
            HealthSample.timestamp < until,
        )
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    frame = pd.DataFrame(rows, columns=["start", "requests", "errors"]).astype(
        {"requests": "float64", "errors": "float64"}
    )
    allowed = (1 - target) * frame["requests"].sum()
    if frame.empty or allowed <= 0:
        return pd.DataFrame({"bucket": [], "remaining": [], "ideal": []})
    ends = from_epoch(frame["start"] + bucket_seconds)
    end = ends.where(ends <= pd.Timestamp(until), pd.Timestamp(until))
    elapsed = (end - pd.Timestamp(since)).dt.total_seconds() / (days * 86400)
    return pd.DataFrame(
        {
            "bucket": end,
            "remaining": 1 - frame["errors"].cumsum() / allowed,
            "ideal": 1 - elapsed,
        }
    )


def latency_attainment(
    session: Session, system_id: int, until: datetime, target_ms: float, days: int = BUDGET_DAYS
) -> float | None:
    """Share of requests served in intervals whose p95 met ``target_ms`` (last ``days``)."""
    has_p95 = HealthSample.latency_p95_ms.is_not(None)
    good = case((HealthSample.latency_p95_ms <= target_ms, HealthSample.requests), else_=0)
    row = session.execute(
        select(func.sum(good), func.sum(HealthSample.requests)).where(
            HealthSample.system_id == system_id,
            has_p95,
            HealthSample.timestamp >= until - timedelta(days=days),
            HealthSample.timestamp < until,
        )
    ).one()
    met, total = float(row[0] or 0), float(row[1] or 0)
    return met / total if total > 0 else None
