"""Service level objectives: error budget, multi-window burn rates, burn-down.

Everything here reads an SLO object (``app.health.slo_store.SloSpec``: an SLI,
a target, a period), never a threshold. Follows the Google SRE workbook,
chapter 5 "Alerting on SLOs":

* The *burn rate* of a window is its bad-event ratio divided by the ratio the
  SLO allows, ``(bad / events) / (1 - target)``: 1 spends the budget exactly
  over the SLO period.
* A window of ``h`` hours at burn rate ``b`` consumes ``b * h / period_hours``
  of the budget.
* Multiwindow, multi-burn-rate alerts (the workbook's Table 5-8) are defined
  by the *share of the budget* they let go before firing: 2 % in 1 h (short
  window 5 min) and 5 % in 6 h (30 min) page, 10 % in 3 days (6 h) opens a
  ticket. The factor is derived from the SLO's own period,
  ``factor = share * period_hours / long_hours``: 14.4, 6 and 1 for the
  workbook's 30 days, 3.36, 1.4 and 0.233 for 7 days. Reusing the 30-day
  factors on a 7-day SLO would let 8.6 % of its budget go before the first
  page (elastic/kibana #170830). An alert fires when *both* windows burn
  faster than the factor and its long window holds at least the SLO's
  ``min_events`` events (the low-traffic gate).

SLIs: ``availability`` counts requests as events and errors as bad events.
``latency`` counts requests with a latency percentile as events and the
requests slower than the SLO's bound as bad; health samples carry
percentiles, not per-request latencies, so an interval's share within the
bound is read off its p50/p95/p99 by linear interpolation through (0 ms, 0),
(p50, 0.50), (p95, 0.95), (p99, 0.99), extended past the last percentile with
the slope of the last segment (capped at 1). That is an approximation, and the
page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.health.golden import golden_signals
from app.health.slo_store import AVAILABILITY, SloSpec
from app.health.window import Window
from app.store.models import HealthSample

HOUR = 3600.0
WORKBOOK_PERIOD_DAYS = 30
LATENCY_APPROXIMATION = (
    "approximation: the share of requests within the bound is interpolated from each "
    "interval's p50/p95/p99, not counted from per-request latencies"
)


@dataclass(frozen=True)
class BurnAlert:
    """One multiwindow burn-rate alert, scaled to an SLO period."""

    name: str
    severity: str  # page | ticket
    long_hours: float
    short_hours: float
    budget_share: float  # of the period's budget the long window lets go before firing
    period_days: int = WORKBOOK_PERIOD_DAYS

    @property
    def factor(self) -> float:
        """``budget_share * period_hours / long_hours`` (14.4 for 2 % in 1 h of 30 days)."""
        return self.budget_share * self.period_days * 24.0 / self.long_hours


# The workbook's Table 5-8 as budget shares; factors follow from the period.
_ALERT_SHARES: Final = (
    ("Fast burn (1 h)", "page", 1.0, 5 / 60, 0.02),
    ("Fast burn (6 h)", "page", 6.0, 0.5, 0.05),
    ("Slow burn (3 d)", "ticket", 72.0, 6.0, 0.10),
)


def burn_alerts(period_days: int) -> tuple[BurnAlert, ...]:
    """The three alerts with their factors for an SLO of ``period_days``."""
    return tuple(BurnAlert(*shares, period_days=period_days) for shares in _ALERT_SHARES)


BURN_ALERTS: Final = burn_alerts(WORKBOOK_PERIOD_DAYS)


def burn_rate(errors: float, requests: float, target: float) -> float | None:
    """(errors / requests) / (1 - target); None without requests."""
    if requests <= 0:
        return None
    if target >= 1:
        raise ValueError(f"an SLO target of {target} leaves no error budget")
    return (errors / requests) / (1 - target)


def budget_consumed(rate: float, hours: float, period_days: int = WORKBOOK_PERIOD_DAYS) -> float:
    """Share of a ``period_days`` budget spent by burning at ``rate`` for ``hours``."""
    return rate * hours / (period_days * 24.0)


def budget_remaining(errors: float, requests: float, target: float) -> float | None:
    """1 - errors / ((1 - target) * requests): 1 untouched, 0 spent, below 0 overspent."""
    rate = burn_rate(errors, requests, target)
    return None if rate is None else 1 - rate


@dataclass(frozen=True)
class BurnRateRow:
    alert: BurnAlert
    long_rate: float | None
    short_rate: float | None
    long_events: float = 0.0
    min_events: int = 0

    @property
    def burning(self) -> bool:
        """Both windows burn faster than the alert's factor (traffic aside)."""
        return (
            self.long_rate is not None
            and self.short_rate is not None
            and self.long_rate > self.alert.factor
            and self.short_rate > self.alert.factor
        )

    @property
    def gated(self) -> bool:
        """Burning, but the long window holds fewer than ``min_events`` events."""
        return self.burning and self.long_events < self.min_events

    @property
    def firing(self) -> bool:
        """Burning with at least ``min_events`` events in the long window."""
        return self.burning and not self.gated


@dataclass(frozen=True)
class ErrorBudget:
    target: float
    requests: float  # events (requests) in the period
    errors: float  # bad events in the period
    remaining: float | None  # share of the budget left; None without events
    period_days: int = 28

    @property
    def availability(self) -> float | None:
        """Good events / events (availability, or the share within the latency bound)."""
        return 1 - self.errors / self.requests if self.requests > 0 else None

    @property
    def allowed_errors(self) -> float:
        return (1 - self.target) * self.requests


def share_within(bound_ms: float, p50: pd.Series, p95: pd.Series, p99: pd.Series) -> pd.Series:
    """Estimated share of an interval's requests served within ``bound_ms`` (see module doc).

    NaN where the interval has no percentile at all. Percentiles out of order
    are read as non-decreasing (each at least the one before). Vectorised per
    pattern of missing percentiles (at most 7).
    """
    knots = pd.concat([p50, p95, p99], axis=1).to_numpy(dtype="float64")
    shares = np.array([0.50, 0.95, 0.99])
    out = np.full(len(knots), np.nan)
    present_rows = ~np.isnan(knots)
    for pattern in {tuple(row) for row in present_rows.tolist()}:
        present = np.array(pattern, dtype=bool)
        if not present.any():
            continue
        rows = (present_rows == present).all(axis=1)
        xs = np.maximum.accumulate(knots[rows][:, present], axis=1)
        xs = np.hstack([np.zeros((len(xs), 1)), xs])
        qs = np.concatenate([[0.0], shares[present]])
        result = np.zeros(len(xs))  # below 0 ms: none
        for j in range(len(qs) - 1):  # xs[j] <= bound < xs[j + 1], so the span is > 0
            left, right = xs[:, j], xs[:, j + 1]
            inside = (left <= bound_ms) & (bound_ms < right)
            with np.errstate(divide="ignore", invalid="ignore"):
                part = qs[j] + (qs[j + 1] - qs[j]) * (bound_ms - left) / (right - left)
            result[inside] = part[inside]
        beyond = xs[:, -1] <= bound_ms  # at or past the last percentile
        last_span = xs[:, -1] - xs[:, -2]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(last_span > 0, (qs[-1] - qs[-2]) / last_span, np.inf)
            over = bound_ms - xs[:, -1]
            extended = np.where(over > 0, qs[-1] + slope * over, qs[-1])
        result[beyond] = np.minimum(1.0, extended)[beyond]
        out[rows] = result
    return pd.Series(out, index=p50.index)


def _latency_events(
    session: Session, system_id: int, bound_ms: float, since: datetime, until: datetime
) -> pd.DataFrame:
    """Per sample in [since, until): ``timestamp``, ``events`` and ``bad`` for a latency SLI."""
    rows = session.execute(
        select(
            HealthSample.timestamp,
            HealthSample.requests,
            HealthSample.latency_p50_ms,
            HealthSample.latency_p95_ms,
            HealthSample.latency_p99_ms,
        ).where(
            HealthSample.system_id == system_id,
            HealthSample.timestamp >= since,
            HealthSample.timestamp < until,
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["timestamp", "requests", "p50", "p95", "p99"])
    frame = frame.astype({"requests": "float64", "p50": "float64", "p95": "float64",
                          "p99": "float64"})  # fmt: skip
    within = share_within(bound_ms, frame["p50"], frame["p95"], frame["p99"])
    measured = within.notna()
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(frame["timestamp"], utc=True)[measured],
            "events": frame["requests"][measured],
            "bad": (frame["requests"] * (1 - within))[measured],
        }
    )


def latency_events(session: Session, system_id: int, slo: SloSpec, until: datetime) -> pd.DataFrame:
    """A latency SLO's per-sample events over everything its reports read, loaded once.

    Covers its period and the 3-day alert window ending at ``until``; pass it as
    ``events`` to ``error_budget``, ``burn_rates`` and ``burn_down``.
    """
    hours = max(slo.period_hours, max(a.long_hours for a in burn_alerts(slo.period_days)))
    return _latency_events(session, system_id, float(slo.latency_bound_ms or 0),
                           until - timedelta(hours=hours), until)  # fmt: skip


def availability_totals(
    session: Session, system_id: int, until: datetime, hours: list[float]
) -> dict[float, tuple[float, float]]:
    """(requests, errors) over each ``[until - h, until)``, in one query of the raw samples.

    Equal to ``golden.window_totals`` of each window (the hourly rollup is the
    samples' sums), without its per-window queries: a page's SLO report asks for
    six windows, and reading them one by one was most of its time (issue 15 item 7).
    """
    starts = [until - timedelta(hours=h) for h in hours]
    sums = []
    for start in starts:
        inside = HealthSample.timestamp >= start
        sums += [func.sum(case((inside, HealthSample.requests))),
                 func.sum(case((inside, HealthSample.errors)))]  # fmt: skip
    row = session.execute(
        select(*sums).where(
            HealthSample.system_id == system_id,
            HealthSample.timestamp >= min(starts),
            HealthSample.timestamp < until,
        )
    ).one()
    return {h: (float(row[2 * i] or 0), float(row[2 * i + 1] or 0)) for i, h in enumerate(hours)}


def window_events(
    session: Session,
    system_id: int,
    slo: SloSpec,
    until: datetime,
    hours: list[float],
    events: pd.DataFrame | None = None,
) -> dict[float, tuple[float, float]]:
    """(events, bad events) of ``slo``'s SLI over each ``[until - h, until)``.

    ``events``: a latency SLO's ``latency_events`` covering the longest window.
    """
    if slo.sli == AVAILABILITY:
        return availability_totals(session, system_id, until, hours)
    frame = events
    if frame is None:
        frame = _latency_events(session, system_id, float(slo.latency_bound_ms or 0),
                                until - timedelta(hours=max(hours)), until)  # fmt: skip
    result = {}
    for h in hours:
        inside = frame["timestamp"] >= pd.Timestamp(until - timedelta(hours=h))
        result[h] = (float(frame["events"][inside].sum()), float(frame["bad"][inside].sum()))
    return result


def burn_rates(
    session: Session,
    system_id: int,
    until: datetime,
    slo: SloSpec,
    events: pd.DataFrame | None = None,
) -> list[BurnRateRow]:
    """Every alert's long- and short-window burn rate of ``slo`` ending at ``until``."""
    alerts = burn_alerts(slo.period_days)
    hours = sorted({h for a in alerts for h in (a.long_hours, a.short_hours)})
    totals = window_events(session, system_id, slo, until, hours, events)
    rows = []
    for alert in alerts:
        long_events, long_bad = totals[alert.long_hours]
        short_events, short_bad = totals[alert.short_hours]
        rows.append(
            BurnRateRow(
                alert,
                burn_rate(long_bad, long_events, slo.target),
                burn_rate(short_bad, short_events, slo.target),
                long_events,
                slo.min_events,
            )
        )
    return rows


def error_budget(
    session: Session,
    system_id: int,
    until: datetime,
    slo: SloSpec,
    events: pd.DataFrame | None = None,
) -> ErrorBudget:
    """The error budget of ``slo`` over its period ending at ``until``."""
    hours = slo.period_days * 24.0
    total, bad = window_events(session, system_id, slo, until, [hours], events)[hours]
    return ErrorBudget(
        slo.target, total, bad, budget_remaining(bad, total, slo.target), slo.period_days
    )


def _bucket_events(
    session: Session,
    system_id: int,
    slo: SloSpec,
    since: datetime,
    until: datetime,
    step: int,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``bucket`` (start), ``events`` and ``bad`` per bucket of ``step`` seconds."""
    if slo.sli == AVAILABILITY:
        golden = golden_signals(session, system_id, Window(since, until), step)
        return pd.DataFrame(
            {"bucket": golden["bucket"], "events": golden["requests"], "bad": golden["errors"]}
        )
    if events is None:
        frame = _latency_events(session, system_id, float(slo.latency_bound_ms or 0), since, until)
    else:
        frame = events[events["timestamp"] >= pd.Timestamp(since)].copy()
    frame["bucket"] = frame["timestamp"].dt.floor(f"{step}s")
    summed = frame.groupby("bucket", sort=True)[["events", "bad"]].sum()
    return summed.reset_index()


def burn_down(
    session: Session,
    system_id: int,
    until: datetime,
    slo: SloSpec,
    bucket_seconds: int = 3600,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Budget left after each bucket of ``slo``'s period ending at ``until``.

    Computed from the stored samples, so it reaches back a whole period even
    when the SLO was created yesterday. Columns ``bucket`` (end of the
    bucket), ``remaining`` (1 - cumulative bad events / the whole period's
    allowed bad events, so the line only falls and ends at
    ``error_budget(...).remaining``) and ``ideal`` (a linear spend that reaches
    0 exactly at ``until``). Empty without events.
    """
    since = until - timedelta(days=slo.period_days)
    frame = _bucket_events(session, system_id, slo, since, until, bucket_seconds, events)
    frame = frame.astype({"events": "float64", "bad": "float64"})
    allowed = (1 - slo.target) * frame["events"].sum()
    if frame.empty or allowed <= 0:
        return pd.DataFrame({"bucket": [], "remaining": [], "ideal": []})
    ends = pd.to_datetime(frame["bucket"], utc=True) + pd.Timedelta(seconds=bucket_seconds)
    end = ends.where(ends <= pd.Timestamp(until), pd.Timestamp(until))
    elapsed = (end - pd.Timestamp(since)).dt.total_seconds() / (slo.period_days * 86400)
    return pd.DataFrame(
        {
            "bucket": end,
            "remaining": 1 - frame["bad"].cumsum() / allowed,
            "ideal": 1 - elapsed,
        }
    ).reset_index(drop=True)
