"""The Data quality page, headless: the ETL break stands out; widgets change the view."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health.threshold_edits import change_history, thresholds_at
from tests.pages.conftest import ENTRY, run_app, shown
from tests.pages.test_thresholds import AUTH

PAGE = "app_pages/data_quality.py"


def open_page(query: dict[str, str] | None = None, opened: tuple[str, ...] = ()) -> AppTest:
    """The page with the ``opened`` on-demand expanders open (closed ones send nothing)."""
    if not opened:
        return run_app(query, timeout=120, page=PAGE)
    app = AppTest.from_file(ENTRY, default_timeout=120)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.switch_page(PAGE)
    for key in opened:
        app.session_state[key] = True
    return app.run()


def test_empty_database_explains(sqlite_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    assert any("No production data yet" in i.value for i in app.info)


def test_etl_break_stands_out_over_90_days(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    worst = {m.label: m for m in app.metric}
    missing = worst["Worst missing share"]
    assert float(missing.value.rstrip("%")) > 35  # ~40% of merchant_risk missing
    assert "merchant_risk" in shown(missing.delta)
    assert float(worst["Worst out-of-range share"].value.rstrip("%")) > 35  # distance_km × 1000
    assert "distance_km" in shown(worst["Worst out-of-range share"].delta)


def test_last_7_days_are_clean_and_check_picker_works(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "7d"})
    assert not app.exception
    missing = {m.label: m.value for m in app.metric}["Worst missing share"]
    assert float(missing.rstrip("%")) < 5
    app.selectbox(key="quality_check").set_value("out_of_range_share").run()
    assert not app.exception
    app.multiselect(key="quality_checks").set_value(["duplicated_share"]).run()
    assert not app.exception


def test_overview_data_and_monitor_tiles_tell_the_story(seeded_engine: Engine) -> None:
    """Over 90 days the ETL break makes Data critical; drift is stored for Monitor/Retrain."""
    from app.health import build_status

    report = build_status(seeded_engine, system="fraud-scoring")
    until = report.window.until
    wide = build_status(
        seeded_engine, system="fraud-scoring", since=until - timedelta(days=90), until=until
    ).systems[0]
    assert str(wide.signal("data.missing_share").status) == "critical"
    assert str(wide.signal("data.out_of_range_share").status) == "critical"
    recent = report.systems[0]
    assert str(recent.signal("data.missing_share").status) == "ok"  # last 30 days: clean
    assert recent.signal("monitor.drift_share").value is not None
    assert recent.signal("monitor.prediction_drift").value is not None
    assert recent.signal("retrain.retrain_lag_d").value is not None


def _lines(app: AppTest, chart: int = 0) -> dict[str, float]:
    """The dashed threshold lines of a plotly chart on the page: annotation text → y."""
    spec = json.loads(app.get("plotly_chart")[chart].proto.spec)
    return {a["text"]: a["y"] for a in spec["layout"].get("annotations", [])}


def test_closed_expanders_send_no_table_and_no_controls(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    assert len(app.get("plotly_chart")) == 2  # no schema change in 90 days: a line, no chart
    assert any("none in these" in c.value and "critical above 2" in c.value for c in app.caption)
    assert not app.dataframe
    assert not [w for w in app.number_input if (w.key or "").startswith("dq_threshold")]
    opened = open_page({"system": "fraud-scoring", "range": "90d"}, opened=("dq_every_window",))
    (table,) = opened.dataframe
    assert "missing_share" in table.value.columns


def test_inline_threshold_edit_moves_the_line_and_is_audited(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"}, opened=("dq_thresholds_open",))
    assert _lines(app) == {"warn 5%": 0.05, "critical 20%": 0.2}  # the catalogue defaults
    app.selectbox(key="dq_threshold_signal").select("data.missing_share").run()
    control = app.number_input(key="dq_threshold_data.missing_share_warn")
    assert control.value == 0.05  # the bound in force is shown
    control.set_value(0.1).run()
    app.button(key="dq_threshold_data.missing_share_save").click().run()
    assert not app.exception

    (spec,) = [
        s for s in thresholds_at(seeded_engine, "fraud-scoring") if s.signal == "data.missing_share"
    ]
    assert (spec.scope, spec.warn, spec.critical) == ("fraud-scoring", 0.1, 0.2)
    (change,) = change_history(seeded_engine)
    assert (change.scope, change.signal, change.new_warn, change.new_critical) == (
        "fraud-scoring", "data.missing_share", 0.1, 0.2,
    )  # fmt: skip
    assert change.reason == "inline edit"
    lines = _lines(app)  # missing values now has its own warn line; out-of-range keeps 5%
    assert lines["Missing values (worst column): warn 10%"] == 0.1
    assert lines["Out of reference range (worst column): warn 5%"] == 0.05
    helps = {m.label: m.help for m in app.metric}
    assert helps["Worst missing share"].startswith("warn at 10%")


def test_viewer_gets_no_inline_threshold_control(seeded_engine: Engine) -> None:
    app = AppTest.from_file(ENTRY, default_timeout=120)
    app.query_params["system"] = "fraud-scoring"
    app.secrets.update(AUTH)
    app.user = {"email": "vic@other.org", "is_logged_in": True}
    app.switch_page(PAGE)
    app.session_state["dq_thresholds_open"] = True
    app.run()
    assert not app.exception
    assert len(app.get("plotly_chart")) == 2  # the page itself is shown
    assert not [w for w in (*app.selectbox, *app.number_input, *app.button)
                if (w.key or "").startswith("dq_threshold")]  # fmt: skip
