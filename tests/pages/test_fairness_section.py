"""Model performance's fairness section, headless: the sample data's reopened gap, and none."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health import performance as views
from tests.pages.conftest import ENTRY, shown

PAGE = "app_pages/model_performance.py"


def open_page(query: dict[str, str]) -> AppTest:
    """The page with its Fairness tab open (One window is open first)."""
    app = AppTest.from_file(ENTRY, default_timeout=120)
    for name, value in query.items():
        app.query_params[name] = value
    app.switch_page(PAGE)
    app.session_state["perf_section"] = "Fairness"
    app.run()
    return app


def _tables(app: AppTest) -> list:
    return [d.value for d in app.dataframe if "attribute" in d.value.columns]


def test_fraud_scoring_shows_the_gap_v3_reopened(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    assert "Fairness across groups" in [s.value for s in app.subheader]
    charts = [c for c in app.get("plotly_chart") if "Fairness gap" in c.proto.spec]
    assert len(charts) == 1
    notes = [shown(m.value) for m in app.markdown if "Retraining" in m.value]
    assert any("v3" in n and "reopened the fairness gap v2 had closed" in n for n in notes), notes
    groups, whole = _tables(app)
    assert set(groups["group"]) == {"under_35", "35_plus"}
    assert set(groups["attribute"]) == {"age_band"}
    assert {"selection_rate", "true_positive_rate", "false_positive_rate"} <= set(groups.columns)
    assert "equalized_odds_difference" in whole.columns
    assert app.selectbox(key="fairness_thresholds_signal").value == "monitor.fairness_gap"


def test_a_window_without_labels_and_a_system_without_groups_explain(
    seeded_engine: Engine,
) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    data = views.load(seeded_engine, "fraud-scoring")
    pending = data.windows[data.windows["labelled_rows"] == 0]["id"].iloc[-1]
    app.selectbox(key="perf_window").set_value(int(pending)).run()
    assert not app.exception
    assert any("no fairness figures" in i.value for i in app.info)
    assert not _tables(app)
    app = open_page({"system": "demand-forecast", "range": "90d"})
    assert not app.exception
    assert any("No fairness figures" in i.value for i in app.info)
    assert not _tables(app)
