"""The Overview's Impact section as HTML: KPI cards, sparklines, escaping, the parts list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from app.health import LaneStatus, SignalValue, StageStatus, Status, SystemStatus, Window
from app.ui import impact
from app.ui.impact import ImpactData, format_kpi, impact_html, kpi_card_html, sparkline_svg

START = datetime(2025, 3, 1, tzinfo=UTC)
WINDOW = Window(START + timedelta(days=4), START + timedelta(days=8))


def _series(name: str, values: list[float], unit: str, direction: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "system": "shop",
            "name": name,
            "timestamp": [START + timedelta(days=i) for i in range(len(values))],
            "value": values,
            "unit": unit,
            "direction": direction,
        }
    )


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


def test_card_compares_the_window_with_the_period_before() -> None:
    losses = _series("losses", [100, 100, 100, 100, 100, 120, 140, 120], "EUR", "lower_is_better")
    html = kpi_card_html(losses, WINDOW)
    assert '<div class="value">120 EUR</div>' in html  # the window's mean
    assert "-20.0 % vs the period before" in html  # losses up: worse, below 0
    assert "lower is better" in html


def test_data_strings_are_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    series = _series(hostile, [1, 1, 1, 1, 2, 2, 2, 2], '"><b>u', "higher_is_better")
    html = impact_html(_system(), ImpactData(window=WINDOW, kpis={"shop": series}))
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '"><b>' not in html


def test_every_part_is_drawn_in_order_and_a_new_part_joins_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = ImpactData(window=WINDOW, kpis={"shop": _series("conversion", [1.0] * 8, "ratio",
                                                           "higher_is_better")})  # fmt: skip
    html = impact_html(_system(), data)
    assert html.index("Business impact") < html.index("conversion")
    monkeypatch.setattr(impact, "PARTS", [*impact.PARTS, lambda s, d: "<i>cost trend</i>"])
    assert impact_html(_system(), data).endswith("<i>cost trend</i></div>")
