"""What-if replay: the counts equal a direct count over the stored values."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from app.health.status import Status
from app.health.thresholds import ThresholdSpec
from app.health.what_if import REPLAYABLE, count_statuses, replay, signal_series
from app.health.window import Window, default_window
from app.store.db import session_scope


def _bounds(signal: str, direction: str, warn: float, critical: float) -> ThresholdSpec:
    return ThresholdSpec(signal, direction, warn, critical, "", "", 1)


def _window(engine: Engine, system: str) -> Window:
    with session_scope(engine) as session:
        window = default_window(session, [system])
    assert window is not None
    return window


def _direct_count(values: list[float], direction: str, warn: float, critical: float) -> tuple:
    worse = (lambda v, b: v < b) if direction == "higher_is_better" else (lambda v, b: v > b)
    crit = sum(1 for v in values if worse(v, critical))
    warned = sum(1 for v in values if not worse(v, critical) and worse(v, warn))
    return warned, crit


def test_count_statuses_uses_the_live_rule() -> None:
    bounds = _bounds("x", "lower_is_better", 1.0, 2.0)
    counts = count_statuses(pd.Series([0.5, 1.0, 1.5, 2.0, 2.5, float("nan")]), bounds)
    assert counts == {Status.OK: 2, Status.WARN: 2, Status.CRITICAL: 1, Status.UNKNOWN: 1}


def test_hourly_error_rate_equals_a_direct_count(seeded_engine: Engine) -> None:
    system = "checkout-api"
    window = _window(seeded_engine, system)
    series = signal_series(seeded_engine, system, "operate.error_rate", window)
    assert series is not None
    assert series.bucket == "hour"
    with seeded_engine.connect() as conn:
        raw = pd.read_sql(
            text(
                "SELECT h.timestamp, h.requests, h.errors FROM health_samples h "
                "JOIN systems s ON s.id = h.system_id WHERE s.name = :name"
            ),
            conn,
            params={"name": system},
        )
    raw["timestamp"] = pd.to_datetime(raw["timestamp"], utc=True)
    since, until = pd.Timestamp(window.since), pd.Timestamp(window.until)
    raw = raw[(raw["timestamp"] >= since) & (raw["timestamp"] < until)]
    hourly = raw.groupby(raw["timestamp"].dt.floor("h"))[["requests", "errors"]].sum()
    rates = list((hourly["errors"] / hourly["requests"]).dropna())
    assert len(rates) == len(series.frame["value"].dropna()) > 24

    old = _bounds("operate.error_rate", "lower_is_better", 0.005, 0.02)
    new = _bounds("operate.error_rate", "lower_is_better", 0.01, 0.05)
    result = replay(series, old, new)
    assert result.buckets == len(rates)
    assert (result.old_warn, result.old_critical) == _direct_count(
        rates, "lower_is_better", 0.005, 0.02
    )
    assert (result.new_warn, result.new_critical) == _direct_count(
        rates, "lower_is_better", 0.01, 0.05
    )
    assert result.old_critical > 0  # the planted bad deploy shows up


def _drift_fixture(engine: Engine) -> tuple[Window, list[float]]:
    """A system with a reference and four daily windows of drift results (two references)."""
    from datetime import UTC, datetime, timedelta

    from app.store.models import DriftResult, ProductionWindow, System

    day0 = datetime(2026, 3, 1, tzinfo=UTC)

    def window(system_id: int, start: datetime, reference: bool = False) -> ProductionWindow:
        return ProductionWindow(
            system_id=system_id, model_version=1, is_reference=reference, window_start=start,
            window_end=start + timedelta(days=1), newest_row_at=start, rows=10,
            labelled_rows=0, path="x.parquet", content_hash=str(start) + str(reference),
            feature_columns=["a", "b", "c", "d"], segment_columns=[],
        )  # fmt: skip

    # drifted flags per window (features a..d, then prediction), newest reference
    flags = [[1, 0, 0, 0, 0], [1, 1, 0, 0, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    with session_scope(engine) as session:
        system = System(name="svc")
        session.add(system)
        session.flush()
        old_ref = window(system.id, day0 - timedelta(days=30), reference=True)
        new_ref = window(system.id, day0 - timedelta(days=10), reference=True)
        session.add_all([old_ref, new_ref])
        session.flush()
        for i, row in enumerate(flags):
            w = window(system.id, day0 + timedelta(days=i))
            session.add(w)
            session.flush()
            for column, drifted in zip(["a", "b", "c", "d", "prediction"], row, strict=True):
                for ref, flag in ((old_ref, 0), (new_ref, drifted)):  # older reference: no drift
                    session.add(
                        DriftResult(
                            window_id=w.id, reference_window_id=ref.id, column=column,
                            kind="numerical", method="ks", score=0.5, threshold=0.05,
                            drifted=bool(flag),
                        )
                    )  # fmt: skip
    return Window(day0, day0 + timedelta(days=4)), [sum(r[:4]) / 4 for r in flags]


def test_drift_share_equals_a_direct_count(engine: Engine) -> None:
    window, shares = _drift_fixture(engine)
    series = signal_series(engine, "svc", "monitor.drift_share", window)
    assert series is not None
    assert series.bucket == "window"
    assert list(series.frame["value"]) == shares
    for warn, critical in [(0.3, 0.5), (0.1, 0.2), (0.5, 0.75)]:
        bounds = _bounds("monitor.drift_share", "lower_is_better", warn, critical)
        result = replay(series, bounds, bounds)
        assert (result.old_warn, result.old_critical) == _direct_count(
            shares, "lower_is_better", warn, critical
        )
    prediction = signal_series(engine, "svc", "monitor.prediction_drift", window)
    assert prediction is not None
    assert list(prediction.frame["value"]) == [0.0, 1.0, 0.0, 1.0]
    bounds = _bounds("monitor.prediction_drift", "lower_is_better", 0, 1)
    assert replay(prediction, bounds, bounds).old_warn == 2


def test_quality_equals_a_direct_count(seeded_engine: Engine) -> None:
    system = "demand-forecast"
    window = _window(seeded_engine, system)
    series = signal_series(seeded_engine, system, "data.out_of_range_share", window)
    assert series is not None
    with seeded_engine.connect() as conn:
        raw = pd.read_sql(
            text(
                "SELECT w.window_start, q.value FROM quality_results q "
                "JOIN production_windows w ON w.id = q.window_id "
                "JOIN systems s ON s.id = w.system_id WHERE s.name = :name "
                "AND NOT w.is_reference AND q.\"column\" = '' "
                "AND q.\"check\" = 'out_of_range_share'"
            ),
            conn,
            params={"name": system},
        )
    raw["window_start"] = pd.to_datetime(raw["window_start"], utc=True)
    values = list(
        raw[
            (raw["window_start"] >= pd.Timestamp(window.since))
            & (raw["window_start"] < pd.Timestamp(window.until))
        ]["value"]
    )
    bounds = _bounds("data.out_of_range_share", "lower_is_better", 0.05, 0.2)
    result = replay(series, bounds, bounds)
    assert result.buckets == len(values) > 0
    assert (result.old_warn, result.old_critical) == _direct_count(
        values, "lower_is_better", 0.05, 0.2
    )
    assert result.old_critical > 0  # the planted out-of-range episode


@pytest.mark.parametrize("signal", REPLAYABLE)
def test_every_replayable_signal_has_a_series(seeded_engine: Engine, signal: str) -> None:
    system = "fraud-scoring"
    series = signal_series(seeded_engine, system, signal, _window(seeded_engine, system))
    assert series is not None
    assert list(series.frame.columns) == ["at", "value"]
    if not signal.startswith(("monitor.drift", "monitor.prediction", "monitor.segment")):
        assert len(series.frame) > 0, signal  # the sample data has no drift or segment results


def test_whole_range_signals_are_not_replayable(seeded_engine: Engine) -> None:
    window = _window(seeded_engine, "fraud-scoring")
    assert (
        signal_series(seeded_engine, "fraud-scoring", "release.change_lead_time_h", window) is None
    )
    with pytest.raises(LookupError):
        signal_series(seeded_engine, "ghost", "operate.error_rate", window)


def test_empty_range_gives_an_empty_series(engine: Engine) -> None:
    from app.store.models import System

    with session_scope(engine) as session:
        session.add(System(name="svc"))
    window = Window(pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2026-01-02", tz="UTC"))
    for signal in REPLAYABLE:
        series = signal_series(engine, "svc", signal, window)
        assert series is not None
        assert series.frame.empty
        assert (
            replay(
                series,
                _bounds(signal, "lower_is_better", 1, 2),
                _bounds(signal, "lower_is_better", 1, 2),
            ).buckets
            == 0
        )


def test_error_budget_replays_against_the_systems_slo(seeded_engine: Engine) -> None:
    """The hourly error budget divides by the budget of the system's SLO, not a built-in 99.9 %."""
    from dataclasses import replace

    from app.health.slo_edits import save_slo
    from app.health.slo_store import primary_slo, slos_for

    window = _window(seeded_engine, "checkout-api")
    key = "operate.error_budget_remaining"
    before = signal_series(seeded_engine, "checkout-api", key, window)
    slo = primary_slo(slos_for(seeded_engine, "checkout-api"), "checkout-api")
    assert slo.target == pytest.approx(0.999)
    save_slo(seeded_engine, replace(slo, target=0.99), slo.version, "t", "editor")
    after = signal_series(seeded_engine, "checkout-api", key, window)
    assert before is not None
    assert after is not None
    # 1 - errors / (0.01 x requests) = 1 - (1 - old) x 0.001 / 0.01
    expected = 1 - (1 - before.frame["value"]) * (0.001 / 0.01)
    pd.testing.assert_series_equal(after.frame["value"], expected, check_names=False, rtol=1e-9)
    assert after.frame["value"].notna().any()
