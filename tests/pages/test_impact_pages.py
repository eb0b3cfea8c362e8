"""The Impact section of the Overview and the KPI beside Model performance, headless."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ENTRY, run_app

PERFORMANCE = "app_pages/model_performance.py"


def _html(app) -> str:
    return "\n".join(str(h.proto) for h in app.get("html"))


def test_overview_draws_each_systems_impact_section(seeded_engine: Engine) -> None:
    app = run_app()
    assert not app.exception
    html = _html(app)
    assert html.count("<b>Impact</b>") == 3
    assert "Business impact" in html
    for kpi in ("conversion_rate", "fraud_losses", "stockouts"):
        assert kpi in html
    assert "vs the period before" in html
    assert html.count("data:image/svg+xml;base64,") == 6  # KPI and spend sparklines


def test_model_performance_draws_the_kpi_beside_the_metric(seeded_engine: Engine) -> None:
    app = AppTest.from_file(ENTRY, default_timeout=120)
    app.query_params["system"], app.query_params["range"] = "fraud-scoring", "30d"
    app.switch_page(PERFORMANCE)
    app.session_state["perf_section"] = "KPI and business value"  # One window is open first
    app.run()
    assert not app.exception
    assert "Business KPI beside the model" in [s.value for s in app.subheader]
    charts = [c.proto.spec for c in app.get("plotly_chart") if "fraud_losses" in c.proto.spec]
    assert len(charts) == 1
    for marked in ("Model promotion", "Rollback", "Drift alert"):
        assert marked in charts[0]


def test_empty_database_pages_still_render(sqlite_engine: Engine) -> None:
    assert not run_app().exception
    assert not run_app(page=PERFORMANCE).exception
