"""Model performance: CBPE precision, recall and F1 are picked like any metric, with bands."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import metric_values, run_app

PAGE = "app_pages/model_performance.py"


def _trend(app: AppTest) -> dict[str, Any]:
    charts = [c for c in app.get("plotly_chart") if "estimated (no labels needed)" in c.proto.spec]
    assert charts, "no trend chart with an estimate"
    spec: dict[str, Any] = json.loads(charts[0].proto.spec)
    return spec


@pytest.mark.parametrize(("metric", "label"), [("f1", "F1"), ("precision", "Precision")])
def test_a_classifier_s_estimated_metric_is_drawn_with_its_band(
    seeded_engine: Engine, metric: str, label: str
) -> None:
    app = run_app({"system": "fraud-scoring", "range": "30d"}, timeout=120, page=PAGE)
    assert not app.exception
    assert {"F1", "Precision", "Recall"} <= set(app.selectbox(key="perf_metric").options)
    app.selectbox(key="perf_metric").set_value(metric).run()
    assert not app.exception
    assert f"Estimated {label}, unlabelled days" in metric_values(app)
    traces = _trend(app)["data"]
    names = [t.get("name", "") for t in traces]
    assert any(n.endswith("estimated (no labels needed)") for n in names)
    bands = [t for t in traces if "estimate's band" in t.get("name", "")]
    assert bands
    assert all(t["fill"] == "tonexty" for t in bands)
    estimates = [t for t in traces if t.get("name", "").endswith("estimated (no labels needed)")]
    values = [y for t in estimates for y in t["y"] if y is not None]
    assert values
    assert all(0 <= y <= 1 for y in values)
