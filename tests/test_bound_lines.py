"""Bound lines drawn as plain layout shapes are what Plotly's ``add_hline`` would draw.

``add_hline``/``add_vline`` revalidate the whole figure per call (tens of ms
each, more than a page's data); the charts build the same shapes and
annotations as dicts instead. Plotly itself is the oracle here.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.production import stored as quality
from app.ui.charts import CRITICAL, burn_down_figure
from app.ui.data_quality import LINE_COLOURS, trend_figure


def _layout_part(fig: go.Figure, name: str) -> list[dict]:
    return fig.to_plotly_json()["layout"].get(name, [])


def test_quality_trend_lines_equal_add_hline() -> None:
    checks = list(quality.WINDOW_CHECKS)[:2]
    index = pd.date_range("2026-09-01", periods=10, freq="D")
    trends = pd.DataFrame({c: [i / 100 for i in range(10)] for c in checks}, index=index)
    bounds = {checks[0]: (0.05, 0.1), checks[1]: (0.02, 0.2)}  # two pairs: each line named
    drawn = trend_figure(trends, checks, bounds)
    expected = go.Figure()
    for check, (warn, critical) in bounds.items():
        label = {**quality.WINDOW_CHECKS, **quality.COUNT_CHECKS}[check]
        for name, value in (("warn", warn), ("critical", critical)):
            expected.add_hline(
                y=value,
                line={"dash": "dash", "color": LINE_COLOURS[name], "width": 1},
                annotation_text=f"{label}: {name} {value:.0%}",
                annotation_position="top left",
            )
    assert _layout_part(drawn, "shapes") == _layout_part(expected, "shapes")
    assert _layout_part(drawn, "annotations") == _layout_part(expected, "annotations")
    assert len(_layout_part(drawn, "shapes")) == 4


def test_burn_down_zero_line_equals_add_hline() -> None:
    frame = pd.DataFrame(
        {
            "bucket": pd.date_range("2026-09-01", periods=5, freq="h", tz="UTC"),
            "ideal": [1.0, 0.75, 0.5, 0.25, 0.0],
            "remaining": [1.0, 0.9, 0.7, 0.6, 0.5],
        }
    )
    drawn = _layout_part(burn_down_figure(frame, 0.999), "shapes")
    expected = _layout_part(
        go.Figure().add_hline(y=0, line={"color": CRITICAL, "width": 1}), "shapes"
    )
    assert drawn == expected
