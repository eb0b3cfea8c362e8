"""The Overview page, headless: seeded, empty, and its widgets change what is shown."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.store.queries import system_names
from tests.pages.conftest import run_app


def _text(app) -> str:
    parts = [m.value for m in app.markdown] + [str(h.proto) for h in app.get("html")]
    parts += [i.value for i in app.info] + [t.value for t in app.title]
    return "\n".join(parts)


def test_seeded_overview_shows_every_system_with_both_lanes(seeded_engine: Engine) -> None:
    app = run_app()
    assert not app.exception
    text = _text(app)
    names = system_names(seeded_engine)
    assert len(names) >= 3
    for name in names:
        assert name in text
    assert "DevOps" in text
    assert "MLOps" in text
    assert "Critical" in text  # the sample data plants problems


def test_empty_database_shows_how_to_load_data(sqlite_engine: Engine) -> None:
    app = run_app()
    assert not app.exception
    assert "No data yet" in _text(app)
    assert any("tandem seed" in c.value for c in app.code)


def test_system_picker_narrows_the_page_and_the_url(seeded_engine: Engine) -> None:
    app = run_app()
    app.sidebar.selectbox(key="filter_system").select("checkout-api").run()
    assert not app.exception
    text = _text(app)
    assert "checkout-api" in text
    assert "fraud-scoring" not in text
    assert (
        app.query_params["system"] == ["checkout-api"]
        or app.query_params["system"] == "checkout-api"
    )


@pytest.mark.parametrize("range_label", ["Last 7 days", "Last 90 days"])
def test_time_range_changes_the_window(seeded_engine: Engine, range_label: str) -> None:
    app = run_app()
    before = app.caption[0].value
    app.sidebar.selectbox(key="filter_range").select(range_label).run()
    assert not app.exception
    assert app.caption[0].value != before


def test_url_opens_the_same_view(seeded_engine: Engine) -> None:
    app = run_app({"system": "fraud-scoring", "range": "7d"})
    assert not app.exception
    assert app.sidebar.selectbox(key="filter_system").value == "fraud-scoring"
    assert app.sidebar.selectbox(key="filter_range").value == "Last 7 days"


def test_the_timeline_event_table_is_sent_when_its_expander_is_opened(
    seeded_engine: Engine,
) -> None:
    app = run_app({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    (label,) = [e.label for e in app.expander if "events of fraud-scoring" in e.label]
    assert not [d for d in app.dataframe if "Open" in d.value.columns]  # closed: not sent
    app.session_state["overview_timeline_fraud-scoring_events"] = True  # the reader opens it
    app.run()
    assert not app.exception
    (table,) = [d.value for d in app.dataframe if "Open" in d.value.columns]
    assert len(table) == int(label.split()[0])  # every event, each with its link
    assert table["Open"].str.startswith("/").all()


def test_each_systems_signal_table_and_controls_load_when_opened(seeded_engine: Engine) -> None:
    app = run_app({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    assert "All signals of fraud-scoring" in [e.label for e in app.expander]
    assert not [d for d in app.dataframe if "Critical" in d.value.columns]  # closed: not sent
    assert not [n for n in app.number_input if (n.key or "").startswith("inline_")]
    app.session_state["overview_signals_fraud-scoring"] = True
    app.run()
    assert not app.exception
    (table,) = [d.value for d in app.dataframe if "Critical" in d.value.columns]
    assert "ci.pass_rate" in set(table["Key"])
    assert app.number_input(key="inline_fraud-scoring_ci.pass_rate_warn").value == 0.9
