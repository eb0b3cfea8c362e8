"""The Service health page, headless: seeded, empty, and its widgets change what is shown."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ENTRY

PAGE = "app_pages/service_health.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=60)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.switch_page(PAGE)
    return app.run()


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
    app.radio(key="service_health_dora_trend").set_value("change_failure_rate").run()
    assert not app.exception
    after = charts()
    assert before != after
    assert any("Change failure rate per ISO week" in spec for spec in after)


def test_deep_link_names_the_incident(seeded_engine: Engine) -> None:
    app = open_page({"system": "checkout-api", "incident": "INC-1004", "range": "90d"})
    assert not app.exception
    assert any("INC-1004" in i.value for i in app.info)


def test_empty_database_says_how_to_load_data(sqlite_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    assert "No data yet" in _text(app)
    assert any("tandem seed" in c.value for c in app.code)
