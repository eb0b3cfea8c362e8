"""The Service health page, headless: seeded, empty, and its widgets change what is shown."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health.threshold_edits import change_history
from tests.pages.conftest import run_app

PAGE = "app_pages/service_health.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    return run_app(query, timeout=60, page=PAGE)


def _text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    parts += [i.value for i in app.info] + [t.value for t in app.title]
    parts += [s.value for s in app.subheader] + [str(m.value) for m in app.metric]
    return "\n".join(parts)


def test_seeded_page_shows_every_section(seeded_engine: Engine) -> None:
    app = open_page({"system": "checkout-api"})
    assert not app.exception
    text = _text(app)
    assert "Service health" in text
    for heading in ("Timeline", "Golden signals", "SLO and error budget", "DORA", "CI",
                    "Incidents"):  # fmt: skip
        assert heading in text, heading
    assert "checkout-api" in text
    labels = [m.label for m in app.metric]
    assert "Error budget left" in labels
    assert len(app.dataframe) >= 4  # burn rates, DORA, failing pipelines, incidents


def test_all_systems_offers_a_system_picker(seeded_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    picker = app.selectbox(key="service_health_system")
    first = _text(app)
    other = [o for o in picker.options if o != picker.value][0]
    picker.select(other).run()
    assert not app.exception
    assert f"**{other}**" in _text(app)
    assert _text(app) != first


def test_dora_trend_radio_changes_the_chart(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring"})
    charts = lambda: [c.proto.spec for c in app.get("plotly_chart")]  # noqa: E731
    before = charts()
    app.radio(key="service_health_dora_trend").set_value("change_fail_rate").run()
    assert not app.exception
    after = charts()
    assert before != after
    assert any("Change fail rate per ISO week" in spec for spec in after)


def test_deep_link_names_the_incident(seeded_engine: Engine) -> None:
    app = open_page({"system": "checkout-api", "incident": "INC-1004", "range": "90d"})
    assert not app.exception
    assert any("INC-1004" in i.value for i in app.info)


def test_empty_database_says_how_to_load_data(sqlite_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    assert "No data yet" in _text(app)
    assert any("tandem seed" in c.value for c in app.code)


def _figure_with_title(app: AppTest, title: str) -> dict:
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("title", {}).get("text", "").startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def _dashed_lines(spec: dict) -> list[float]:
    return sorted(
        round(shape["y0"], 9)
        for shape in spec["layout"].get("shapes", [])
        if shape.get("type") == "line" and shape.get("line", {}).get("dash") == "dash"
    )


def test_inline_error_rate_threshold_saves_and_moves_the_line(seeded_engine: Engine) -> None:
    app = open_page({"system": "checkout-api"})
    assert _dashed_lines(_figure_with_title(app, "Error rate")) == [0.5, 2.0]
    key = "service_health_golden_operate.error_rate"
    app.selectbox(key="service_health_golden_signal").select("operate.error_rate").run()
    app.number_input(key=f"{key}_warn").set_value(0.01)
    app.number_input(key=f"{key}_critical").set_value(0.03).run()
    app.button(key=f"{key}_save").click().run()
    assert not app.exception
    assert _dashed_lines(_figure_with_title(app, "Error rate")) == [1.0, 3.0]
    (change,) = change_history(seeded_engine)
    assert (change.scope, change.signal, change.new_warn, change.new_critical) == (
        "checkout-api", "operate.error_rate", 0.01, 0.03,
    )  # fmt: skip


def test_slo_control_moves_the_burn_down_thresholds(seeded_engine: Engine) -> None:
    app = open_page({"system": "checkout-api"})
    key = "service_health_slo_operate.error_budget_remaining"
    app.selectbox(key="service_health_slo_signal").select("operate.error_budget_remaining").run()
    app.number_input(key=f"{key}_warn").set_value(0.6)
    app.number_input(key=f"{key}_critical").set_value(0.4).run()
    app.button(key=f"{key}_save").click().run()
    assert not app.exception
    assert _dashed_lines(_figure_with_title(app, "Error budget burn-down")) == [40.0, 60.0]
