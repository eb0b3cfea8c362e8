"""The Drift page's multivariate section and its "which drift matters" ranking, headless."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.production.read_multivariate import importances, multivariate_series
from app.production.stored import drift_matrix
from tests.pages.conftest import ENTRY, run_app

PAGE = "app_pages/drift.py"


def open_page(query: dict[str, str], opened: bool = False) -> AppTest:
    """The page, with its "Multivariate drift over time" expander opened if ``opened``."""
    if not opened:
        app = run_app(query, timeout=120, page=PAGE)
    else:
        app = AppTest.from_file(ENTRY, default_timeout=120)
        for name, value in query.items():
            app.query_params[name] = value
        app.switch_page(PAGE)
        app.session_state["drift_multivariate"] = True
        app.run()
    assert not app.exception
    return app


def test_multivariate_charts_are_sent_only_when_their_expander_is_opened(
    seeded_engine: Engine,
) -> None:
    query = {"system": "fraud-scoring", "range": "90d"}
    titles = [c.proto.spec for c in open_page(query).get("plotly_chart")]
    assert not [t for t in titles if "PCA reconstruction error" in t]  # first visit
    assert [t for t in titles if "monitor.drift_share" in t]  # Drift over time is open
    opened = [c.proto.spec for c in open_page(query, opened=True).get("plotly_chart")]
    assert [t for t in opened if "PCA reconstruction error" in t]


def chart(app: AppTest, title: str) -> dict[str, Any]:
    (found,) = [c for c in app.get("plotly_chart") if title in c.proto.spec]
    spec: dict[str, Any] = json.loads(found.proto.spec)
    return spec


def test_both_detectors_are_drawn_over_time_with_band_and_bounds(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring", "range": "90d"}, opened=True)
    stored = multivariate_series(seeded_engine, "fraud-scoring", None)
    pca = stored[stored["method"] == "pca_reconstruction"]
    dc = stored[stored["method"] == "domain_classifier"]
    assert len(pca) == len(dc) > 80  # every daily window of the 90 days
    figure = chart(app, "PCA reconstruction error")
    upper, lower, error = figure["data"][0], figure["data"][1], figure["data"][2]
    assert lower["fill"] == "tonexty"  # the band between the reference chunks' bounds
    assert upper["y"] == list(pca["upper"])
    assert lower["y"] == list(pca["lower"])
    assert error["y"] == list(pca["value"])
    figure = chart(app, "Domain classifier ROC AUC (monitor.multivariate_drift)")
    assert figure["data"][0]["y"] == list(dc["value"])
    lines = [s["y0"] for s in figure["layout"]["shapes"] if s["type"] == "line"]
    assert lines == [0.65, 0.75]  # the signal's catalogue bounds
    # The planted joint-drift day (fraud v2, day 20): the one window past warn in which no
    # column (nor the prediction) drifted.
    drifted = drift_matrix(seeded_engine, "fraud-scoring").groupby("window_id")["drifted"].sum()
    quiet = dc[dc["window_id"].map(drifted) == 0]
    (joint,) = quiet[quiet["value"] > 0.65].itertuples()
    assert joint.model_version == 2
    assert joint.value > 0.75
    warned = figure["data"][1]
    assert pd.Timestamp(joint.window_start).tz_convert(None) in pd.to_datetime(warned["x"])


def test_drifted_features_are_ranked_by_importance_times_drift(seeded_engine: Engine) -> None:
    matrix = drift_matrix(seeded_engine, "fraud-scoring", model_version=2)
    features = matrix[matrix["column"] != "prediction"]
    window = int(features.groupby("window_id")["drifted"].sum().idxmax())
    reference = int(matrix["reference_window_id"].iloc[0])
    app = open_page(
        {"system": "fraud-scoring", "range": "90d", "version": "2", "window": str(window)}
    )
    per_feature, ranked = app.dataframe[0].value, app.dataframe[1].value
    assert list(ranked.columns) == ["feature", "importance", "share", "relative", "impact"]
    drifted = set(per_feature.loc[per_feature["status"] == "DRIFTED", "column"]) - {"prediction"}
    assert set(ranked["feature"]) == drifted
    assert list(ranked["impact"]) == sorted(ranked["impact"], reverse=True)
    shown = ranked.set_index("feature")
    stored = importances(seeded_engine, reference).set_index("column")
    for feature in drifted:
        assert shown.loc[feature, "importance"] == stored.loc[feature, "importance"]
        expected = stored.loc[feature, "share"] * min(shown.loc[feature, "relative"], 10.0)
        assert abs(shown.loc[feature, "impact"] - expected) < 1e-12
