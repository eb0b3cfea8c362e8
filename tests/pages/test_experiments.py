"""The Experiments page, headless: seeded, empty, filters, and the diff-only toggle."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ENTRY

PAGE = "app_pages/experiments.py"


def _open(query: dict[str, str] | None = None, tab: str | None = None) -> AppTest:
    """The page with ``tab`` open below the runs picker (only the open tab is sent)."""
    app = AppTest.from_file(ENTRY, default_timeout=120)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.switch_page(PAGE)
    if tab is not None:
        app.session_state["exp_section"] = tab
    return app.run()


def _runs_table(app: AppTest):
    return app.dataframe[0].value


def test_seeded_page_shows_runs_histories_and_comparison(seeded_engine: Engine) -> None:
    app = _open({"range": "90d"})
    assert not app.exception
    assert app.title[0].value == "Experiments"
    headers = [s.value for s in app.subheader]
    assert headers[0].startswith("Runs (")
    assert [t.label for t in app.tabs] == ["Metric histories", "Compare", "Overfitting check"]
    runs = _runs_table(app)
    assert len(runs) > 5
    assert {"run_id", "status", "started_at", "trigger", "code_commit", "train_dataset"} <= set(
        runs.columns
    )
    assert app.get("plotly_chart")
    assert len(app.multiselect(key="exp_picked").value) == 3
    assert len(app.dataframe) == 1  # the runs; the other tabs' tables are sent when opened


def test_compare_and_overfitting_are_sent_when_their_tab_is_opened(seeded_engine: Engine) -> None:
    compare = _open({"range": "90d", "system": "fraud-scoring"}, tab="Compare")
    assert not compare.exception
    assert not compare.get("plotly_chart")
    assert {"section", "name"} <= set(compare.dataframe[1].value.columns)
    overfit = _open({"range": "90d", "system": "fraud-scoring"}, tab="Overfitting check")
    assert not overfit.exception
    assert len(overfit.dataframe) == 2
    assert any("train.overfit_gap" in c.value for c in overfit.caption)


def test_empty_database_says_how_to_import(sqlite_engine: Engine) -> None:
    app = _open()
    assert not app.exception
    assert "No training runs" in app.info[0].value
    assert "import-mlflow" in app.code[0].value


def test_diff_only_toggle_shows_every_row_when_off(seeded_engine: Engine) -> None:
    app = _open({"range": "90d", "system": "fraud-scoring"}, tab="Compare")
    toggle = app.toggle(key="exp_diff_only")
    assert toggle.value is True
    diff_rows = len(app.dataframe[1].value)
    toggle.set_value(False).run()
    assert not app.exception
    all_rows = len(app.dataframe[1].value)
    assert all_rows > diff_rows > 0


def test_filters_narrow_the_table(seeded_engine: Engine) -> None:
    app = _open({"range": "90d"})
    total = len(_runs_table(app))
    app.multiselect(key="exp_statuses").set_value(["FAILED"]).run()
    assert not app.exception
    failed = _runs_table(app)
    assert 0 < len(failed) < total
    assert set(failed["status"]) == {"FAILED"}

    app.multiselect(key="exp_statuses").set_value([]).run()
    app.text_input(key="exp_condition").input("test_auc > 0.89").run()
    assert not app.exception
    good = _runs_table(app)
    assert 0 < len(good) < total
    assert (good["test_auc"] > 0.89).all()

    app.text_input(key="exp_condition").input("test_auc >> 1").run()
    assert not app.exception
    assert "Metric condition ignored" in app.error[0].value
    assert len(_runs_table(app)) == total


def test_run_names_show_in_the_table_compare_and_legends(seeded_engine: Engine) -> None:
    from tests.experiments.helpers import name_every_run

    names = name_every_run(seeded_engine)
    app = _open({"range": "90d", "system": "fraud-scoring"})
    assert not app.exception
    runs = _runs_table(app)
    assert runs["run"].tolist() == [names[r] for r in runs["run_id"]]
    picked = app.multiselect(key="exp_picked").value
    assert len(picked) == 3
    legend = app.get("plotly_chart")[0].proto.spec  # the histories tab, open by default
    compare = _open({"range": "90d", "system": "fraud-scoring"}, tab="Compare").dataframe[1].value
    assert list(compare.columns[2:]) == [names[r] for r in picked]
    assert "tag.mlflow.runName" in set(compare["name"])
    assert all(f'"name":"{names[r]}"' in legend for r in picked)
