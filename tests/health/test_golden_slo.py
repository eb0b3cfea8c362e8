"""Golden-signal buckets and SLO maths, on SQLite and PostgreSQL.

The burn-rate numbers are the worked examples of the Google SRE workbook,
chapter 5 "Alerting on SLOs" (Table 5-8 and the text around it).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from app.health.golden import bucket_seconds, golden_signals
from app.health.slo import (
    BURN_ALERTS,
    budget_consumed,
    burn_down,
    burn_rate,
    burn_rates,
    error_budget,
)
from app.health.slo_store import SloSpec
from app.health.window import Window
from app.store.db import session_scope
from app.store.models import HealthSample, System

UNTIL = datetime(2025, 3, 31, tzinfo=UTC)
# The SLO these tests read: 99.9 % availability over the workbook's 30 days.
SLO = SloSpec(system="svc", name="availability", sli="availability", target=0.999,
              period_days=30)  # fmt: skip


# --- pure maths: the workbook's examples ------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "hours", "consumed"),
    [(14.4, 1, 0.02), (6, 6, 0.05), (1, 72, 0.10)],
)
def test_budget_consumed_matches_the_workbook_table(
    rate: float, hours: float, consumed: float
) -> None:
    assert budget_consumed(rate, hours) == pytest.approx(consumed)


def test_the_alert_table_is_the_workbooks() -> None:
    shares = [round(budget_consumed(a.factor, a.long_hours), 4) for a in BURN_ALERTS]
    assert shares == [0.02, 0.05, 0.10]
    assert [a.factor for a in BURN_ALERTS] == pytest.approx([14.4, 6.0, 1.0])
    assert [(a.long_hours, a.short_hours) for a in BURN_ALERTS] == [
        (1, pytest.approx(5 / 60)),
        (6, 0.5),
        (72, 6),
    ]
    assert [a.severity for a in BURN_ALERTS] == ["page", "page", "ticket"]


def test_burn_rate_of_a_999_slo() -> None:
    # 0.1 % errors spend a 99.9 % SLO's budget exactly: burn rate 1.
    assert burn_rate(1, 1000, 0.999) == pytest.approx(1.0)
    # 1.44 % errors is the 14.4x fast-burn rate; a full outage burns at 1000x.
    assert burn_rate(144, 10_000, 0.999) == pytest.approx(14.4)
    assert burn_rate(10, 10, 0.999) == pytest.approx(1000)
    assert burn_rate(0, 0, 0.999) is None
    with pytest.raises(ValueError, match="no error budget"):
        burn_rate(1, 10, 1.0)


def test_a_full_outage_trips_the_1h_alert_in_0_864_minutes() -> None:
    # Workbook: detection time = (1 - SLO) / error ratio x window x factor; a full
    # outage of a 99.9 % SLO burns at 1000x and spends the 1 h alert's 2 % in 0.864 min.
    hours = 0.02 * 720 / 1000
    assert budget_consumed(burn_rate(10, 10, 0.999) or 0, hours) == pytest.approx(0.02)
    assert hours * 60 == pytest.approx(0.001 / 1.0 * 60 * 14.4) == pytest.approx(0.864)


def test_buckets_keep_every_range_under_5000_points() -> None:
    for days in (1, 7, 30, 90, 365):
        window = Window.ending(UNTIL, days)
        step = bucket_seconds(window)
        assert days * 86400 / step <= 5000, days
    assert bucket_seconds(Window.ending(UNTIL, 1)) == 60
    assert bucket_seconds(Window.ending(UNTIL, 7)) == 300
    assert bucket_seconds(Window.ending(UNTIL, 90)) == 1800


# --- in the database ---------------------------------------------------------------------


def _system(engine: Engine, samples: list[HealthSample]) -> int:
    with session_scope(engine) as s:
        system = System(name="svc")
        s.add(system)
        s.flush()
        for sample in samples:
            sample.system_id = system.id
        s.add_all(samples)
        return system.id


def test_golden_signals_are_bucketed_and_request_weighted(engine: Engine) -> None:
    t = datetime(2025, 3, 1, 10, tzinfo=UTC)
    sid = _system(
        engine,
        [
            HealthSample(timestamp=t, requests=100, errors=1, latency_p95_ms=100.0,
                         latency_p50_ms=10.0, cpu_util=0.2, mem_util=0.5),
            HealthSample(timestamp=t + timedelta(minutes=30), requests=300, errors=3,
                         latency_p95_ms=200.0, latency_p50_ms=20.0, cpu_util=0.4, mem_util=0.7),
            HealthSample(timestamp=t + timedelta(minutes=75), requests=0, errors=0,
                         latency_p95_ms=50.0),
            HealthSample(timestamp=t + timedelta(days=2), requests=5, errors=5),
        ],
    )  # fmt: skip
    with session_scope(engine) as s:
        frame = golden_signals(s, sid, Window(t, t + timedelta(days=1)), seconds=3600)
    assert list(frame["bucket"]) == [t, t + timedelta(hours=1)]
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["requests"] == 400
    assert first["error_rate"] == pytest.approx(0.01)
    assert first["request_rate"] == pytest.approx(400 / 3600)
    assert first["latency_p95_ms"] == pytest.approx(175.0)
    assert first["latency_p50_ms"] == pytest.approx(17.5)
    assert first["cpu_util"] == pytest.approx(0.3)
    assert math.isnan(second["error_rate"])
    assert second["latency_p95_ms"] == pytest.approx(50.0)  # no requests: plain mean


def test_golden_signals_of_nothing_is_an_empty_frame(engine: Engine) -> None:
    sid = _system(engine, [])
    with session_scope(engine) as s:
        frame = golden_signals(s, sid, Window.ending(UNTIL, 7))
    assert frame.empty
    assert "error_rate" in frame.columns


def _three_days_with_a_bad_last_hour(engine: Engine) -> int:
    """1,000 requests a minute for 3 days; 2 % errors in the last hour only."""
    start = UNTIL - timedelta(days=3)
    samples = []
    for minute in range(3 * 24 * 60):
        ts = start + timedelta(minutes=minute)
        bad = ts >= UNTIL - timedelta(hours=1)
        samples.append(
            HealthSample(
                timestamp=ts, requests=1000, errors=20 if bad else 0,
                latency_p95_ms=500.0 if bad else 100.0,
            )
        )  # fmt: skip
    return _system(engine, samples)


def test_multiwindow_burn_rates_fire_only_the_fast_page(engine: Engine) -> None:
    sid = _three_days_with_a_bad_last_hour(engine)
    with session_scope(engine) as s:
        rows = burn_rates(s, sid, UNTIL, SLO)
    fast1h, fast6h, slow3d = rows
    assert fast1h.long_rate == pytest.approx(20.0)  # 2 % / 0.1 %
    assert fast1h.short_rate == pytest.approx(20.0)
    assert fast1h.firing
    assert fast6h.long_rate == pytest.approx(20.0 / 6)
    assert fast6h.short_rate == pytest.approx(20.0)
    assert not fast6h.firing
    assert slow3d.long_rate == pytest.approx(20.0 / 72)
    assert not slow3d.firing


def test_error_budget_and_burn_down_agree(engine: Engine) -> None:
    sid = _three_days_with_a_bad_last_hour(engine)
    with session_scope(engine) as s:
        budget = error_budget(s, sid, UNTIL, SLO)
        down = burn_down(s, sid, UNTIL, SLO)
    # 4.32 M requests allow 4,320 errors; 1,200 were spent.
    assert budget.requests == 4_320_000
    assert budget.errors == 1200
    assert budget.remaining == pytest.approx(1 - 1200 / 4320)
    assert budget.availability == pytest.approx(1 - 1200 / 4_320_000)
    assert len(down) == 72
    assert down["remaining"].iloc[-1] == pytest.approx(budget.remaining)
    assert down["remaining"].is_monotonic_decreasing
    assert down["bucket"].iloc[-1] == UNTIL
    assert down["ideal"].iloc[-1] == pytest.approx(0.0)


def test_no_samples_means_no_budget(engine: Engine) -> None:
    sid = _system(engine, [])
    with session_scope(engine) as s:
        assert error_budget(s, sid, UNTIL, SLO).remaining is None
        assert burn_down(s, sid, UNTIL, SLO).empty
        assert all(r.long_rate is None and not r.firing for r in burn_rates(s, sid, UNTIL, SLO))
