"""Model performance's business value section, headless: fraud-scoring's values, and none."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ENTRY

PAGE = "app_pages/model_performance.py"


def open_page(query: dict[str, str]) -> AppTest:
    """The page with its "KPI and business value" tab open (One window is open first)."""
    app = AppTest.from_file(ENTRY, default_timeout=120)
    for name, value in query.items():
        app.query_params[name] = value
    app.switch_page(PAGE)
    app.session_state["perf_section"] = "KPI and business value"
    return app.run()


def test_fraud_scoring_draws_realised_and_estimated_value(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    assert "Business value" in [s.value for s in app.subheader]
    charts = [c for c in app.get("plotly_chart") if "Business value per window" in c.proto.spec]
    assert len(charts) == 1
    spec = charts[0].proto.spec
    assert "v3 realised" in spec
    assert "v3 estimated" in spec  # the days whose labels have not arrived
    assert "EUR" in spec
    assert "off the chart: v4" in spec  # the bad release's over-confident estimate, named
    versions = next(d.value for d in app.dataframe if "ratio" in d.value.columns)
    by_version = versions.set_index("version")
    assert by_version.loc["v4", "ratio"] < 0.5  # the bad release
    assert by_version.loc["v3", "ratio"] > 0.8
    assert app.selectbox(key="value_thresholds_signal").value == "impact.value_ratio"


def test_a_system_without_a_value_matrix_explains(seeded_engine: Engine) -> None:
    app = open_page({"system": "demand-forecast", "range": "90d"})
    assert not app.exception
    assert any("No business value" in i.value for i in app.info)


def test_an_empty_database_shows_no_section(sqlite_engine: Engine) -> None:
    app = open_page({})
    assert not app.exception
    assert "Business value" not in [s.value for s in app.subheader]
