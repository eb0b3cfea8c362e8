"""The Lineage page, headless: seeded, empty, node details and the version diff."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.lineage.build import build_lineage
from tests.pages.conftest import ENTRY

PAGE = "app_pages/lineage.py"


def _open(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=60)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.switch_page(PAGE)
    return app.run()


def test_seeded_lineage_shows_graph_rollback_and_diff(seeded_engine: Engine) -> None:
    app = _open({"system": "fraud-scoring"})
    assert not app.exception
    assert app.title[0].value == "Lineage"
    assert app.get("plotly_chart")
    assert "Rolled back" in app.warning[0].value
    assert "fraud-scoring model v4" in app.warning[0].value
    assert app.selectbox(key="lin_a").value == 3
    assert app.selectbox(key="lin_b").value == 4
    diff = app.dataframe[1].value
    assert list(diff.columns) == ["aspect", "v3", "v4"]


def test_picking_a_node_shows_its_metadata(seeded_engine: Engine) -> None:
    app = _open({"system": "fraud-scoring"})
    graph = build_lineage(seeded_engine, "fraud-scoring")
    deployment = next(n.id for n in graph.nodes if n.kind == "deployment")
    app.selectbox(key="lin_node").set_value(deployment).run()
    assert not app.exception
    details = app.dataframe[0].value
    assert "environment" in set(details["field"])


def test_diff_only_toggle(seeded_engine: Engine) -> None:
    app = _open({"system": "fraud-scoring"})
    rows = len(app.dataframe[1].value)
    app.toggle(key="lin_diff_only").set_value(False).run()
    assert not app.exception
    assert len(app.dataframe[1].value) > rows


def test_empty_database(sqlite_engine: Engine) -> None:
    app = _open()
    assert not app.exception
    assert "No registered model versions" in app.info[0].value
