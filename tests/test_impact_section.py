"""The Overview's Impact section as HTML: KPI cards, sparklines, escaping, the parts list."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from app.health import LaneStatus, SignalValue, StageStatus, Status, SystemStatus, Window
from app.health.kpis import KpiTrend
from app.ui import impact
from app.ui.impact import ImpactData, format_kpi, impact_html, kpi_card_html, sparkline_svg

START = datetime(2025, 3, 1, tzinfo=UTC)
WINDOW = Window(START + timedelta(days=4), START + timedelta(days=8))


def _kpi(name: str, unit: str = "EUR", change: float | None = -0.2) -> KpiTrend:
    return KpiTrend(name, unit, "lower_is_better", 120.0, 100.0, change, (100.0, 120.0, 140.0))


def _system() -> SystemStatus:
    signal = SignalValue(
        "impact.kpi_change", -0.2, Status.CRITICAL, "ratio", "higher_is_better", -0.05, -0.15
    )
    stage = StageStatus("impact", Status.CRITICAL, (signal,))
    lane = LaneStatus("impact", Status.CRITICAL, {"impact": stage})
    return SystemStatus("shop", Status.CRITICAL, False, {"impact": lane})


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(0.031, "ratio", "3.10 %"), (41.0, "count", "41"), (12034.456, "EUR", "12,034 EUR"),
     (3.14159, "h", "3.14 h"), (float("nan"), "EUR", "—")],
)  # fmt: skip
def test_kpi_values_read_in_their_unit(value: float, unit: str, shown: str) -> None:
    assert format_kpi(value, unit) == shown


def test_sparkline_scales_every_point_into_its_box() -> None:
    svg = sparkline_svg([1.0, 3.0, 2.0], "#c62828", width=100, height=20)
    points = svg.split('points="')[1].split('"')[0].split()
    assert len(points) == 3
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == [2.0, 50.0, 98.0]
    assert (min(ys), max(ys)) == (3.0, 17.0)
    assert ys[1] == 3.0  # SVG's y grows downwards: the highest value is at the top
    assert "<polyline" not in sparkline_svg([1.0], "#000")


def test_card_shows_the_mean_the_change_and_the_trend() -> None:
    html = kpi_card_html(_kpi("losses"))
    assert '<div class="value">120 EUR</div>' in html  # the window's mean
    assert "-20.0 % vs the period before" in html  # losses up: worse, below 0
    assert "lower is better" in html
    source = html.split('src="data:image/svg+xml;base64,')[1].split('"')[0]
    assert "<polyline" in base64.b64decode(source).decode()  # an image: st.html drops <svg>
    assert "<svg" not in html
    assert "no period before to compare" in kpi_card_html(_kpi("new", change=None))


def test_data_strings_are_escaped() -> None:
    hostile = _kpi("<img src=x onerror=alert(1)>", unit='"><b>u')
    html = impact_html(_system(), ImpactData(window=WINDOW, kpis={"shop": [hostile]}))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '"><b>' not in html


def test_every_part_is_drawn_in_order_and_a_new_part_joins_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = ImpactData(window=WINDOW, kpis={"shop": [_kpi("conversion", "ratio")]})
    html = impact_html(_system(), data)
    assert html.index("Business impact") < html.index("conversion")
    monkeypatch.setattr(impact, "PARTS", [*impact.PARTS, lambda s, d: "<i>cost trend</i>"])
    assert impact_html(_system(), data).endswith("<i>cost trend</i></div>")
