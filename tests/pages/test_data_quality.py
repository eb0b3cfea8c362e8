"""The Data quality page, headless: the ETL break stands out; widgets change the view."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ENTRY

PAGE = "app_pages/data_quality.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=120)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.switch_page(PAGE)
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
    assert "merchant_risk" in missing.delta
    assert float(worst["Worst out-of-range share"].value.rstrip("%")) > 35  # distance_km × 1000
    assert "distance_km" in worst["Worst out-of-range share"].delta


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
