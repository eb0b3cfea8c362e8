"""Model performance's KPI chart as a figure: one time axis, events marked through both series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from app.ui.kpi_chart import kpi_figure

START = datetime(2025, 3, 1, tzinfo=UTC)
DAYS = [START + timedelta(days=i) for i in range(5)]


def test_metric_kpi_and_events_share_the_x_axis() -> None:
    series = pd.DataFrame(
        {"window_start": DAYS, "realised": [0.9, 0.91, None, None, None],
         "estimated": [None, None, 0.88, 0.87, 0.86]}
    )  # fmt: skip
    kpi = pd.DataFrame(
        {"system": "s", "name": "<b>losses</b>", "timestamp": DAYS, "value": [1, 2, 3, 4, 5.0],
         "unit": "EUR", "direction": "lower_is_better"}
    )  # fmt: skip
    events = pd.DataFrame(
        {"at": [DAYS[2], DAYS[3]], "kind": ["model_promotion", "drift_alert"],
         "label": ["Model promotion", "Drift alert"], "title": ["v3 <i>", "drift"],
         "detail": ["", ""], "page": ["lineage", "drift"]}
    )  # fmt: skip
    figure = kpi_figure(series, "roc_auc", kpi, events)
    names = [t.name for t in figure.data]
    assert names[0].endswith("(realised)")
    assert names[1].endswith("(estimated)")
    assert "&lt;b&gt;losses&lt;/b&gt; (EUR)" in names
    assert {"Model promotion", "Drift alert"} <= set(names)
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(lines) == 2
    assert {s.yref for s in lines} == {"paper"}  # through the metric and the KPI alike
    promotion = next(t for t in figure.data if t.name == "Model promotion")
    assert "v3 &lt;i&gt;" in promotion.text[0]
    # one x axis: every series trace is on it
    assert {t.xaxis or "x" for t in figure.data} == {"x"}
