"""The Model performance page, headless: seeded and empty, metric / window / segment picks."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health import performance as views
from tests.pages.conftest import metric_values, run_app

PAGE = "app_pages/model_performance.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    return run_app(query, timeout=120, page=PAGE)


def test_empty_database_explains(sqlite_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    assert any("No production data yet" in i.value for i in app.info)


def test_seeded_shows_champion_metric_band_and_label_delay(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "30d"})
    assert not app.exception
    assert app.selectbox(key="perf_metric").value == "roc_auc"  # the champion's metric
    shown = metric_values(app)
    assert set(shown) == {
        "Latest realised ROC AUC",
        "Status vs baseline",
        "Estimated ROC AUC, unlabelled days",
        "Windows waiting for labels",
    }
    assert shown["Windows waiting for labels"].split(" of ")[0] != "0"
    assert any("v4" in w.value for w in app.warning)  # the bad release is outside the band
    assert app.selectbox(key="perf_thresholds_signal").value == "monitor.performance_ratio"
    assert app.query_params["metric"] == "roc_auc"
    sent = len(app.dataframe)  # the segment table
    assert not [d for d in app.dataframe if "window_id" in d.value.columns]  # not yet
    app.session_state["perf_every_window"] = True  # "Every window" is sent once opened
    app.run()
    assert len(app.dataframe) == sent + 1
    (every,) = [d.value for d in app.dataframe if "window_id" in d.value.columns]
    assert len(every) == every["window_id"].nunique() >= 28


def test_sections_below_the_trend_are_sent_when_their_tab_is_opened(
    seeded_engine: Engine,
) -> None:
    """One window is open first; fairness, KPI, business value and champion vs challenger
    wait for their tab (the fairness section was sent on every first visit)."""

    def titles(app: AppTest) -> str:
        return " ".join(c.proto.spec for c in app.get("plotly_chart"))

    app = open_page({"system": "fraud-scoring", "range": "30d"})
    assert not app.exception
    first = titles(app)
    assert "Confusion matrix" in first  # One window: segments, confusion matrix
    assert "Fairness gap" not in first
    picked = app.selectbox(key="perf_window").value
    assert "fraud_losses" not in first
    assert "Business value per window" not in first
    headings = [s.value for s in app.subheader]
    assert "Champion vs challenger on the same days" not in headings
    app.session_state["perf_section"] = "Fairness"
    app.run()
    assert not app.exception
    assert "Fairness gap" in titles(app)
    assert "Confusion matrix" not in titles(app)
    assert app.selectbox(key="perf_window").value == picked  # the same window
    app.session_state["perf_section"] = "KPI and business value"
    app.run()
    assert not app.exception
    opened = titles(app)
    assert "fraud_losses" in opened
    assert "Business value per window" in opened
    assert "Fairness gap" not in opened
    app.session_state["perf_section"] = "Champion vs challenger"
    app.run()
    assert not app.exception
    assert app.subheader[-1].value == "Champion vs challenger on the same days"


def _segment_table(app: AppTest) -> pd.DataFrame:
    """The one window's segment table (the business value section's table comes first)."""
    (table,) = [d.value for d in app.dataframe if "segment" in d.value.columns]
    return table


def test_metric_window_and_segment_picks_change_what_is_shown(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "30d"})
    before = metric_values(app)["Latest realised ROC AUC"]
    app.selectbox(key="perf_metric").set_value("accuracy").run()
    assert not app.exception
    assert "Latest realised Accuracy" in metric_values(app)
    assert metric_values(app)["Latest realised Accuracy"] != before
    assert app.query_params["metric"] == "accuracy"

    assert set(_segment_table(app)["segment"]) == {"app", "web"}  # channel, the first column
    app.selectbox(key="perf_segment").set_value("region").run()
    assert set(_segment_table(app)["segment"]) == {"US", "EU", "APAC"}
    assert app.query_params["segment"] == "region"

    data = views.load(seeded_engine, "fraud-scoring")
    pending = data.windows[data.windows["labelled_rows"] == 0]["id"].iloc[-1]
    app.selectbox(key="perf_window").set_value(int(pending)).run()
    assert not app.exception
    assert app.query_params["window"] == str(pending)
    assert any("have not arrived" in i.value for i in app.info)


def test_deep_link_opens_a_window_and_a_regression_model(seeded_engine: Engine) -> None:
    data = views.load(seeded_engine, "demand-forecast")
    window = int(data.windows[data.windows["labelled_rows"] > 0]["id"].iloc[-3])
    app = open_page({"system": "demand-forecast", "range": "30d", "window": str(window)})
    assert not app.exception
    assert app.selectbox(key="perf_metric").value == "mae"
    assert app.selectbox(key="perf_window").value == window


def test_a_regression_model_is_estimated_and_the_promotion_day_flagged(
    seeded_engine: Engine,
) -> None:
    """DLE: demand-forecast's unlabelled days have an estimate; the promotion day is outside."""
    promotion_day = views.load(seeded_engine, "demand-forecast").windows["window_start"].max()
    app = open_page({"system": "demand-forecast", "range": "30d"})
    assert not app.exception
    assert app.selectbox(key="perf_metric").value == "mae"
    estimate = next(m for m in app.metric if m.label == "Estimated MAE, unlabelled days")
    assert estimate.delta == "DLE estimate, not measured"
    flagged = [w.value for w in app.warning if "Estimated outside the band" in w.value]
    assert len(flagged) == 1
    assert "1 day(s)" in flagged[0]
    assert f"{promotion_day:%d %b}" in flagged[0]  # the sample data's last day, shifted
    app.selectbox(key="perf_metric").set_value("rmse").run()
    assert not app.exception
    assert "Estimated RMSE, unlabelled days" in metric_values(app)


def test_a_mangled_window_link_opens_the_default(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d", "window": "latest"})
    assert not app.exception
    assert app.selectbox(key="perf_window").value is not None
