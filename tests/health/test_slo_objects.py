"""SLO objects: burn-rate factors scaled to the period, the low-traffic gate, the
error budget read from the SLO (never a threshold), history before the SLO existed,
and the latency SLI's interpolation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from app.health import build_status
from app.health.catalog import SIGNALS
from app.health.slo import (
    burn_alerts,
    burn_down,
    burn_rates,
    error_budget,
    latency_events,
    share_within,
)
from app.health.slo_edits import save_slo
from app.health.slo_store import DEFAULT_SLO, SloSpec, slos_for
from app.health.threshold_edits import save_threshold
from app.store.db import session_scope
from app.store.models import HealthSample, System
from tests.health import scenario

UNTIL = datetime(2025, 3, 31, tzinfo=UTC)
SEVEN_DAYS = SloSpec(system="svc", name="availability", sli="availability", target=0.999,
                     period_days=7)  # fmt: skip


# --- factors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "factors"),
    [
        # factor = share * period_hours / long_hours
        (30, [0.02 * 720 / 1, 0.05 * 720 / 6, 0.10 * 720 / 72]),  # 14.4, 6, 1 (the workbook)
        (28, [0.02 * 672 / 1, 0.05 * 672 / 6, 0.10 * 672 / 72]),  # 13.44, 5.6, 0.933
        (7, [0.02 * 168 / 1, 0.05 * 168 / 6, 0.10 * 168 / 72]),  # 3.36, 1.4, 0.233
    ],
)
def test_factors_are_the_workbook_budget_shares_scaled_to_the_period(
    days: int, factors: list[float]
) -> None:
    alerts = burn_alerts(days)
    assert [a.factor for a in alerts] == pytest.approx(factors)
    assert [(a.long_hours, a.short_hours) for a in alerts] == [
        (1, pytest.approx(5 / 60)),
        (6, 0.5),
        (72, 6),
    ]
    assert burn_alerts(7)[0].factor == pytest.approx(3.36)


# --- the 7-day SLO's fastest alert -----------------------------------------------------


def _system(engine: Engine, name: str = "svc") -> int:
    with session_scope(engine) as s:
        system = System(name=name)
        s.add(system)
        s.flush()
        return system.id


def _minutes(engine: Engine, sid: int, start: datetime, rows: list[tuple[int, int]]) -> None:
    """One sample a minute from ``start``: (requests, errors)."""
    with session_scope(engine) as s:
        s.execute(
            insert(HealthSample),
            [
                {"system_id": sid, "timestamp": start + timedelta(minutes=i), "requests": r,
                 "errors": e}
                for i, (r, e) in enumerate(rows)
            ],
        )  # fmt: skip


def test_a_7_day_slos_fastest_alert_fires_after_2_percent_of_its_budget(
    sqlite_engine: Engine,
) -> None:
    # A 99.9 % SLO over 7 days, 1,000 requests a minute for the 7 days before the
    # outage starts at OUTAGE: 7 * 24 * 60 = 10,080 minutes, 10,080,000 requests.
    # Budget: 0.1 % of 10,080,000 = 10,080 errors. 2 % of it = 201.6 errors.
    # From OUTAGE on, 20 errors a minute (2 % of 1,000: burn rate 20).
    # The 1 h alert's factor for 7 days: 0.02 * 168 h / 1 h = 3.36, i.e. it fires once
    # the last hour's errors exceed 3.36 * 0.001 * 60,000 requests = 201.6 errors,
    # exactly 2 % of the budget. The 5-minute window burns at 20 > 3.36 from the first
    # minute on, so the long window decides:
    #   after 10 minutes: 200 errors = 1.98 % of the budget -> not firing
    #   after 11 minutes: 220 errors = 2.18 % of the budget -> firing
    # The 6 h alert (factor 0.05 * 168 / 6 = 1.4) needs 6 h errors over
    # 1.4 * 0.001 * 360,000 = 504; after 11 minutes the 6 h window holds 220: quiet.
    sid = _system(sqlite_engine)
    outage = UNTIL - timedelta(hours=1)
    _minutes(sqlite_engine, sid, outage - timedelta(days=7), [(1000, 0)] * 10_080)
    _minutes(sqlite_engine, sid, outage, [(1000, 20)] * 60)

    def fast(minutes: int) -> tuple[bool, bool, float | None]:
        at = outage + timedelta(minutes=minutes)
        with session_scope(sqlite_engine) as s:
            rows = burn_rates(s, sid, at, SEVEN_DAYS)
            budget = error_budget(s, sid, at, SEVEN_DAYS)
        return rows[0].firing, rows[1].firing, budget.remaining

    for minutes in range(1, 11):
        assert fast(minutes)[0] is False, minutes
    firing, six_hour, remaining = fast(11)
    assert firing
    assert not six_hour
    # 7 days ending 11 minutes into the outage: 10,069 good minutes + 11 bad ones,
    # 10,080,000 requests, 220 errors of 10,080 allowed.
    assert remaining == pytest.approx(1 - 220 / 10_080)
    firing10, _, remaining10 = fast(10)
    assert not firing10
    assert 1 - (remaining10 or 0) == pytest.approx(200 / 10_080)  # 1.98 %: not yet 2 %


def test_the_30_day_factor_on_the_same_7_day_outage_would_wait_for_8_6_percent() -> None:
    # Reusing 14.4 on a 7-day SLO: 14.4 * 1 h / 168 h = 8.57 % of the budget
    # (elastic/kibana #170830). Scaled, the first page comes at 2 %.
    workbook = burn_alerts(30)[0].factor
    assert workbook * 1 / 168 == pytest.approx(0.0857, abs=1e-4)
    assert burn_alerts(7)[0].factor * 1 / 168 == pytest.approx(0.02)


# --- the low-traffic gate --------------------------------------------------------------


def test_the_low_traffic_gate_holds_an_alert_with_too_few_events(engine: Engine) -> None:
    # 1 request a minute, 1 error in the last 5 minutes: the 1 h window has 60 events and
    # 1 error, burn rate (1 / 60) / 0.001 = 16.7 > 3.36, the 5 min window 200 > 3.36.
    sid = _system(engine)
    _minutes(engine, sid, UNTIL - timedelta(hours=3), [(1, 0)] * 177 + [(1, 1)] + [(1, 0)] * 2)
    with session_scope(engine) as s:
        gated = burn_rates(s, sid, UNTIL, SEVEN_DAYS)[0]  # gate: 100 events (the default)
        open_gate = burn_rates(s, sid, UNTIL, replace(SEVEN_DAYS, min_events=60))[0]
    assert gated.long_rate == pytest.approx((1 / 60) / 0.001)
    assert gated.long_events == 60
    assert gated.burning
    assert gated.gated
    assert not gated.firing
    assert open_gate.firing  # 60 events meet a gate of 60


# --- the error budget reads the SLO, never a threshold ------------------------------------


def _budget(engine: Engine) -> float | None:
    status = build_status(engine, system="shop", since=scenario.SINCE, until=scenario.UNTIL)
    return status.system("shop").signal("operate.error_budget_remaining").value


def test_moving_any_threshold_leaves_the_error_budget_alone(engine: Engine) -> None:
    scenario.seed(engine)
    before = _budget(engine)
    assert before is not None
    for spec in SIGNALS:
        # Tighten every signal's bounds, globally and for shop, to the same value.
        bound = spec.warn if spec.warn == spec.critical else (spec.warn + spec.critical) / 2
        for scope in ("", "shop"):
            save_threshold(engine, scope, spec.key, bound, bound, 0, "t", "editor")
    assert _budget(engine) == before
    # The SLO does move it: 28-day budget of shop from Mar 3, 3,000 requests, 2 errors.
    save_slo(engine, replace(DEFAULT_SLO, system="shop", target=0.99), 0, "t", "editor")
    assert _budget(engine) == pytest.approx(1 - 2 / 30)


def test_a_7_day_slo_budgets_7_days(engine: Engine) -> None:
    sid = _system(engine)
    # 10 errors on day -10, 1 error on day -1; 1,000 requests each day.
    with session_scope(engine) as s:
        for days_ago, errors in ((10, 10), (1, 1)):
            s.add(HealthSample(system_id=sid, timestamp=UNTIL - timedelta(days=days_ago),
                               requests=1000, errors=errors))  # fmt: skip
    with session_scope(engine) as s:
        seven = error_budget(s, sid, UNTIL, SEVEN_DAYS)
        thirty = error_budget(s, sid, UNTIL, replace(SEVEN_DAYS, period_days=30))
    assert seven.remaining == pytest.approx(1 - 1 / 1)  # 1 error of 0.1 % of 1,000 allowed
    assert thirty.remaining == pytest.approx(1 - 11 / 2)  # 11 errors of 2 allowed


# --- history from before the SLO existed ----------------------------------------------------


def test_the_burn_down_reaches_back_before_the_slo_was_saved(engine: Engine) -> None:
    sid = _system(engine)
    _minutes(engine, sid, UNTIL - timedelta(days=6), [(100, 1)] * 60)
    saved = save_slo(engine, replace(SEVEN_DAYS, name="fresh"), 0, "t", "editor")
    assert saved.created_at is not None
    assert saved.created_at > UNTIL
    with session_scope(engine) as s:
        down = burn_down(s, sid, UNTIL, saved)
    # Samples of 6 days ago count: 60 errors of 0.1 % * 6,000 = 6 allowed.
    assert down["bucket"].iloc[0] == pd.Timestamp(UNTIL - timedelta(days=6) + timedelta(hours=1))
    assert down["remaining"].iloc[-1] == pytest.approx(1 - 60 / 6)


def test_a_system_without_slos_reads_the_built_in_default(engine: Engine) -> None:
    _system(engine, "new")
    assert slos_for(engine, "new") == [replace(DEFAULT_SLO, system="new")]
    assert (DEFAULT_SLO.sli, DEFAULT_SLO.target, DEFAULT_SLO.period_days) == (
        "availability", 0.999, 28,
    )  # fmt: skip


# --- the latency SLI ------------------------------------------------------------------------


def test_share_within_interpolates_the_interval_percentiles() -> None:
    p50, p95, p99 = (pd.Series([v]) for v in (100.0, 300.0, 500.0))
    # (0, 0) - (100, .5) - (300, .95) - (500, .99), then the last slope (.04 / 200 ms).
    assert share_within(50, p50, p95, p99)[0] == pytest.approx(0.25)
    assert share_within(200, p50, p95, p99)[0] == pytest.approx(0.5 + 0.45 / 2)
    assert share_within(400, p50, p95, p99)[0] == pytest.approx(0.97)
    assert share_within(600, p50, p95, p99)[0] == pytest.approx(1.0)  # 0.99 + 0.02, capped
    assert share_within(550, p50, p95, p99)[0] == pytest.approx(1.0)  # 0.99 + 0.01
    assert share_within(525, p50, p95, p99)[0] == pytest.approx(0.995)
    # A bound at tied percentiles counts the highest share known to lie within it.
    tied = (pd.Series([300.0]), pd.Series([300.0]), pd.Series([400.0]))
    assert share_within(300, *tied)[0] == pytest.approx(0.95)
    none = pd.Series([float("nan")])
    assert share_within(300, none, pd.Series([300.0]), none)[0] == pytest.approx(0.95)
    assert pd.isna(share_within(300, none, none, none)[0])


def test_a_latency_slo_counts_slow_requests_as_bad(engine: Engine) -> None:
    sid = _system(engine)
    with session_scope(engine) as s:
        for hours_ago, p95 in ((2, 300.0), (1, 600.0)):
            s.add(HealthSample(system_id=sid, timestamp=UNTIL - timedelta(hours=hours_ago),
                               requests=1000, errors=0, latency_p95_ms=p95))  # fmt: skip
        s.add(HealthSample(system_id=sid, timestamp=UNTIL - timedelta(minutes=30),
                           requests=500, errors=0))  # no latency: not an event  # fmt: skip
    slo = SloSpec(system="svc", name="fast", sli="latency", target=0.9, period_days=7,
                  latency_bound_ms=300.0)  # fmt: skip
    with session_scope(engine) as s:
        budget = error_budget(s, sid, UNTIL, slo)
    # Within 300 ms: 95 % of the first interval (p95 = 300), 47.5 % of the second
    # (p95 = 600: 0.95 * 300 / 600). Bad: 50 + 525 = 575 of 2,000; allowed 10 % = 200.
    assert budget.requests == 2000
    assert budget.errors == pytest.approx(575)
    assert budget.remaining == pytest.approx(1 - 575 / 200)


def test_latency_events_loaded_once_read_the_same(engine: Engine) -> None:
    sid = _system(engine)
    _minutes(engine, sid, UNTIL - timedelta(days=8), [(100, 0)] * 10)  # outside 7 days
    with session_scope(engine) as s:
        for hours_ago, p95 in ((80, 200.0), (5, 300.0), (0.5, 900.0)):
            s.add(HealthSample(system_id=sid, timestamp=UNTIL - timedelta(hours=hours_ago),
                               requests=1000, errors=0, latency_p50_ms=100.0,
                               latency_p95_ms=p95, latency_p99_ms=p95 * 2))  # fmt: skip
    slo = SloSpec(system="svc", name="fast", sli="latency", target=0.99, period_days=7,
                  latency_bound_ms=250.0, min_events=0)  # fmt: skip
    with session_scope(engine) as s:
        events = latency_events(s, sid, slo, UNTIL)
        assert error_budget(s, sid, UNTIL, slo, events) == error_budget(s, sid, UNTIL, slo)
        assert burn_rates(s, sid, UNTIL, slo, events) == burn_rates(s, sid, UNTIL, slo)
        pd.testing.assert_frame_equal(
            burn_down(s, sid, UNTIL, slo, events=events), burn_down(s, sid, UNTIL, slo)
        )
        assert error_budget(s, sid, UNTIL, slo).requests == 3000


def test_availability_totals_in_one_query_equal_each_windows_totals(engine: Engine) -> None:
    from app.health import rollups
    from app.health.golden import window_totals
    from app.health.slo import availability_totals

    sid = _system(engine)
    start = UNTIL - timedelta(days=4, minutes=17)  # windows end mid-hour, rollups in between
    _minutes(engine, sid, start, [(100 + i % 7, int(i % 5 == 0)) for i in range(4 * 1440 + 17)])
    with session_scope(engine) as s:
        rollups.refresh(s, sid, start, UNTIL)
    hours = [5 / 60, 0.5, 1.0, 6.0, 72.0, 168.0]  # a 7-day SLO's alert windows and period
    with session_scope(engine) as s:
        one_query = availability_totals(s, sid, UNTIL, hours)
        for h in hours:
            totals = window_totals(s, [sid], UNTIL - timedelta(hours=h), UNTIL).loc[sid]
            assert one_query[h] == (totals["requests"], totals["errors"]), h
    # The last 5 minutes are samples 5,772-5,776 of 5,777; one of them (5,775) has an error.
    assert one_query[5 / 60] == (sum(100 + i % 7 for i in range(5772, 5777)), 1)
