"""``impact.kpi_change``: the KPI's mean over the window against the period before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.health import Window, build_status
from app.health.impact import kpi_change_series, relative_change
from app.health.kpis import kpi_trends
from app.health.thresholds import ThresholdSpec
from app.health.what_if import replay, signal_series
from app.ingest import ingest_file
from app.store.db import session_scope
from app.store.models import System
from tests.ingest.helpers import write

HEADER = "system,timestamp,name,value,unit,direction"
START = datetime(2025, 3, 1, tzinfo=UTC)


def test_relative_change_is_signed_so_that_below_zero_is_worse() -> None:
    assert relative_change(90, 100, "higher_is_better") == pytest.approx(-0.10)
    assert relative_change(110, 100, "lower_is_better") == pytest.approx(-0.10)
    assert relative_change(90, 100, "lower_is_better") == pytest.approx(0.10)
    assert relative_change(-3, -2, "higher_is_better") == pytest.approx(-0.5)  # over |before|
    assert relative_change(5, 0, "higher_is_better") is None
    assert relative_change(float("nan"), 1, "higher_is_better") is None


def _series(system: str, name: str, values: list[float], unit: str, direction: str) -> list[str]:
    return [
        f"{system},{(START + timedelta(days=i)).isoformat()},{name},{v},{unit},{direction}"
        for i, v in enumerate(values)
    ]


def test_status_reads_the_worst_kpi_and_gates_on_it(engine: Engine, tmp_path: Path) -> None:
    # 10 days before the window, 10 in it: losses rise by 20 % (critical), conversion
    # falls by 6 % (warn); the system's value is the worst of the two.
    losses = _series("shop", "losses", [100.0] * 10 + [110.0, 130.0] * 5, "EUR", "lower_is_better")
    conversion = _series("shop", "conversion", [0.05] * 10 + [0.047] * 10, "ratio",
                         "higher_is_better")  # fmt: skip
    calm = _series("calm", "conversion", [0.05] * 20, "ratio", "higher_is_better")
    new = _series("new", "signups", [0] * 10 + [3] * 10, "count", "higher_is_better")
    rows = "\n".join([HEADER, *losses, *conversion, *calm, *new]) + "\n"
    ingest_file("kpis", write(tmp_path, "kpis.csv", rows), engine=engine)

    since, until = START + timedelta(days=10), START + timedelta(days=20)
    report = build_status(engine, since=since, until=until)
    shop = report.system("shop").signal("impact.kpi_change")
    assert shop.value == pytest.approx(-0.20)
    assert shop.status.value == "critical"
    assert report.system("shop").lane("impact").status.value == "critical"
    assert report.system("shop").status.value == "critical"
    calm_signal = report.system("calm").signal("impact.kpi_change")
    assert (calm_signal.value, calm_signal.status.value) == (0.0, "ok")
    # A mean of 0 before: no relative change, so unknown rather than ok.
    assert report.system("new").signal("impact.kpi_change").status.value == "unknown"

    # Half of the rise in the window, the period before flat: losses 9 % up (warn), the
    # conversion 3 % down (ok); the worst decides.
    report = build_status(engine, since=START + timedelta(days=5), until=START + timedelta(days=15))
    assert report.system("shop").signal("impact.kpi_change").value == pytest.approx(-0.09)
    assert report.system("shop").signal("impact.kpi_change").status.value == "warn"


def test_replay_reads_each_day_as_status_would_have(engine: Engine, tmp_path: Path) -> None:
    losses = _series("shop", "losses", [100.0] * 10 + [150.0] * 10, "EUR", "lower_is_better")
    ingest_file("kpis", write(tmp_path, "kpis.csv", "\n".join([HEADER, *losses]) + "\n"),
                engine=engine)  # fmt: skip
    window = Window(START + timedelta(days=6), START + timedelta(days=20))
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == "shop"))
        at, values = kpi_change_series(session, system_id, window, days=5)
    assert at[0] == START + timedelta(days=7)
    assert at[-1] == START + timedelta(days=20)
    for end, value in zip(at, values, strict=True):
        status = build_status(engine, since=end - timedelta(days=5), until=end)
        assert status.system("shop").signal("impact.kpi_change").value == pytest.approx(value)
    # flat, then the rise entering the 5 days (worse), then the two halves both high (flat)
    assert values[:4] == [0.0] * 4
    assert values[4] == pytest.approx(-0.1)  # days 6-10 (one at 150) against days 1-5
    assert values[-1] == 0.0


def test_overview_trends_agree_with_the_signal(engine: Engine, tmp_path: Path) -> None:
    hourly = [
        f"shop,{(START + timedelta(hours=h)).isoformat()},orders,{h % 24},count,higher_is_better"
        for h in range(24 * 20)
    ]
    losses = _series("shop", "losses", [100.0] * 10 + [120.0] * 10, "EUR", "lower_is_better")
    rows = "\n".join([HEADER, *hourly, *losses]) + "\n"
    ingest_file("kpis", write(tmp_path, "kpis.csv", rows), engine=engine)
    window = Window(START + timedelta(days=10), START + timedelta(days=20))
    with session_scope(engine) as session:
        trends = kpi_trends(session, ["shop", "nobody"], window)
    assert list(trends) == ["shop"]
    by_name = {t.name: t for t in trends["shop"]}
    assert by_name["losses"].change == pytest.approx(-0.2)
    assert by_name["losses"].mean == pytest.approx(120.0)
    signal = build_status(engine, since=window.since, until=window.until).system("shop")
    assert signal.signal("impact.kpi_change").value == pytest.approx(-0.2)
    # 240 hourly points come back as at most 40 buckets (6 h each), averaged in the database
    orders = by_name["orders"].trend
    assert len(orders) == 40
    assert orders[:4] == pytest.approx((2.5, 8.5, 14.5, 20.5))
    assert by_name["orders"].change == pytest.approx(0.0)


def test_what_if_replays_the_kpi_change_per_day(engine: Engine, tmp_path: Path) -> None:
    losses = _series("shop", "losses", [100.0] * 40 + [130.0] * 20, "EUR", "lower_is_better")
    ingest_file("kpis", write(tmp_path, "kpis.csv", "\n".join([HEADER, *losses]) + "\n"),
                engine=engine)  # fmt: skip
    window = Window(START + timedelta(days=50), START + timedelta(days=60))
    series = signal_series(engine, "shop", "impact.kpi_change", window)
    assert series is not None
    assert series.bucket == "day"
    assert len(series.frame) == 10
    # each day: the 30 days to its end (10 to 20 of them at 130) against 30 days at 100
    expected = [-(100 * (20 - k) + 130 * (10 + k)) / 3000 + 1 for k in range(1, 11)]
    assert list(series.frame["value"]) == pytest.approx(expected)
    default = ThresholdSpec("impact.kpi_change", "higher_is_better", -0.05, -0.15, "ratio", None, 0)
    looser = ThresholdSpec("impact.kpi_change", "higher_is_better", -0.2, -0.3, "ratio", None, 0)
    result = replay(series, default, looser)
    assert (result.buckets, result.old_warn, result.old_critical) == (10, 5, 5)  # -0.15: warn
    assert (result.new_warn, result.new_critical) == (0, 0)
