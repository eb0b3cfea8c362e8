"""The Drift page, headless: seeded and empty, feature pick, thresholds, Evidently report."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from app.health.status import evaluate
from app.health.threshold_edits import change_history
from app.health.thresholds import effective_thresholds
from app.production import read_drift as views
from app.production.read import window_drift
from app.production.stored import drift_matrix
from app.store.db import session_scope
from app.store.models import ProductionWindow, System
from tests.pages.conftest import metric_values, run_app

PAGE = "app_pages/drift.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    return run_app(query, timeout=120, page=PAGE)


def test_empty_database_explains(sqlite_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    assert any("No production data yet" in i.value for i in app.info)


def test_seeded_defaults_to_champion_and_latest_window(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    version = app.selectbox(key="drift_version")
    assert version.value == 3  # the champion
    matrix = drift_matrix(seeded_engine, "fraud-scoring", model_version=3)
    assert app.selectbox(key="drift_window").value == int(matrix["window_id"].max())
    assert set(metric_values(app)) == {
        "Drift share status",
        "Drifted features",
        "Evidently's dataset drift",
        "Prediction drift",
    }
    assert list(app.dataframe[0].value.columns)[:2] == ["column", "status"]  # per-feature table
    assert app.query_params["version"] == "3"


def test_feature_pick_and_threshold_change_what_is_shown(seeded_engine: Engine) -> None:
    matrix = drift_matrix(seeded_engine, "fraud-scoring", model_version=2)
    # The seasonal drift before the retrain: a v2 window with drifted features.
    drifted = matrix.groupby("window_id")["drifted"].sum()
    window = int(drifted.idxmax())
    app = open_page(
        {"system": "fraud-scoring", "range": "90d", "version": "2", "window": str(window)}
    )
    assert not app.exception
    assert app.selectbox(key="drift_window").value == window
    before = metric_values(app)["Drifted features"]
    assert not before.startswith("0 ")
    table = app.dataframe[0].value
    top = table.iloc[0]["column"]
    assert app.selectbox(key="drift_feature").value == top  # highest score first

    other = table.iloc[-1]["column"]
    app.selectbox(key="drift_feature").set_value(other).run()
    assert not app.exception
    assert app.query_params["feature"] == other

    # A strict distance threshold: more features drift, the stored scores are unchanged.
    app.slider(key="drift_d").set_value(1.0).run()
    assert not app.exception
    assert metric_values(app)["Drifted features"] != before
    assert app.query_params["d"] == "1"
    assert app.dataframe[0].value["score"].tolist() == table["score"].tolist()


def test_earlier_window_as_reference_is_computed(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    reference = app.selectbox(key="drift_reference_v3")
    assert reference.options[0].startswith("Training data of v3")
    frame = views.windows(seeded_engine, "fraud-scoring")
    window = app.selectbox(key="drift_window").value
    earlier = views.reference_choices(frame, 3, window)[1][0]
    reference.set_value(earlier).run()
    assert not app.exception
    assert any("Computed now" in c.value for c in app.caption)


def test_evidently_report_renders_on_demand(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.get("iframe")  # nothing is rendered (nor Evidently imported) until asked
    assert not app.get("download_button")
    app.button(key="drift_render").click().run()
    assert not app.exception
    (frame,) = app.get("iframe")
    html = frame.proto.srcdoc
    assert html.lstrip().lower().startswith(("<!doctype html", "<html"))
    assert len(html) > 100_000  # Evidently's whole report, scripts and data inline
    assert app.dataframe[0].value.iloc[0]["column"] in html  # the features it tested
    (download,) = app.get("download_button")
    assert download.proto.label == "Download HTML"


def _drift_share_lines(app: AppTest) -> list[float]:
    """The y of the dashed lines (warn, critical, in percent) on the drift share chart."""
    (chart,) = [c for c in app.get("plotly_chart") if "monitor.drift_share" in c.proto.spec]
    shapes = json.loads(chart.proto.spec)["layout"]["shapes"]
    return [s["y0"] for s in shapes if s["type"] == "line"]


def test_inline_drift_share_threshold_is_saved_and_drawn(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    key = "drift_inline_fraud-scoring_monitor.drift_share"
    assert app.selectbox(key="drift_inline_fraud-scoring_signal").value == "monitor.drift_share"
    assert app.number_input(key=f"{key}_warn").value == 0.3  # the catalogue default
    assert _drift_share_lines(app) == [30, 50]
    app.number_input(key=f"{key}_warn").set_value(0.2).run()
    app.button(key=f"{key}_save").click().run()
    assert not app.exception
    (change,) = change_history(seeded_engine)
    assert (change.scope, change.signal, change.new_warn, change.new_critical) == (
        "fraud-scoring", "monitor.drift_share", 0.2, 0.5,
    )  # fmt: skip
    assert change.reason == "inline edit"
    assert _drift_share_lines(app) == [20, 50]  # redrawn from the saved bound
    assert app.number_input(key=f"{key}_warn").value == 0.2


def test_a_mangled_link_opens_the_defaults(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d", "version": "x", "window": "9z"})
    assert not app.exception
    assert app.selectbox(key="drift_version").value == 3  # the champion
    assert app.query_params["version"] == "3"


def test_headline_status_is_the_overview_verdict_not_evidently_s(seeded_engine: Engine) -> None:
    """Tandem's verdict comes from the stored monitor.drift_share bounds (the Overview's);
    Evidently's 50 % rule is shown under Evidently's name."""
    with session_scope(seeded_engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == "fraud-scoring"))
        windows = window_drift(session, [system_id])[system_id]
        spec = effective_thresholds(session, "fraud-scoring")["monitor.drift_share"]
    # A window past the warn bound but under Evidently's 50 %: the two verdicts differ.
    drift = next(w for w in reversed(windows) if w.share and spec.warn < w.share < 0.5)
    app = open_page(
        {"system": "fraud-scoring", "range": "90d", "version": str(drift.model_version),
         "window": str(drift.window_id)}
    )  # fmt: skip
    assert not app.exception
    shown = metric_values(app)
    assert shown["Drifted features"] == f"{drift.drifted_features} of {drift.features}"
    assert shown["Drift share status"] == evaluate(drift.share, spec).upper()
    assert shown["Drift share status"] in {"WARN", "CRITICAL"}
    assert shown["Evidently's dataset drift"] == "No drift"


def _references_in_the_lake(engine: Engine, system: str) -> None:
    """Make the system's references lake windows, as the Spark engine stores them (their
    rows stay where they are: the path is the files' URL, ``source_files`` lists them)."""
    root = Path(os.environ["TANDEM_DATA_DIR"])
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        references = session.execute(
            select(ProductionWindow.id, ProductionWindow.path).where(
                ProductionWindow.system_id == system_id, ProductionWindow.is_reference.is_(True)
            )
        ).all()
        for window_id, path in references:
            url, stat = (root / path).as_uri(), (root / path).stat()
            session.execute(
                update(ProductionWindow)
                .where(ProductionWindow.id == window_id)
                .values(path=url, source_files=[[url, stat.st_size, int(stat.st_mtime * 1000)]])
            )


def test_evidently_report_of_a_lake_window_runs_on_a_stated_sample(seeded_engine: Engine) -> None:
    _references_in_the_lake(seeded_engine, "fraud-scoring")
    app = open_page({"system": "fraud-scoring", "range": "90d"})
    assert not app.exception
    assert any("stay in the lake" in c.value for c in app.caption)
    assert not app.get("iframe")
    app.button(key="drift_render").click().run()
    assert not app.exception
    (frame,) = app.get("iframe")
    assert len(frame.proto.srcdoc) > 100_000  # Evidently's whole report
    (note,) = [c.value for c in app.caption if c.value.startswith("Rows in this report")]
    assert "reference: 5,000 of its " in note
    assert "rows, sampled from the lake's files" in note
    assert "rows from Tandem's data dir" in note  # the current window is a local one
