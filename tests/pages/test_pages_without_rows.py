"""The Drift and Model performance pages draw a window from its stored summaries: the same
numbers with every Parquet file deleted from the data dir (so no page reads rows)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from app.config import load_settings
from app.production import read_drift as views
from tests.pages.conftest import run_app

DRIFT, PERFORMANCE = "app_pages/drift.py", "app_pages/model_performance.py"


def _figure(app: AppTest, needle: str) -> dict:
    """The one plotly figure on the page whose spec contains ``needle``."""
    (chart,) = [c for c in app.get("plotly_chart") if needle in c.proto.spec]
    return json.loads(chart.proto.spec)


def _rows_of(path: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(load_settings().data_dir / path, columns=columns)


def _delete_rows() -> int:
    files = list(load_settings().data_dir.rglob("*.parquet"))
    for file in files:
        file.unlink()
    st.cache_data.clear()  # the page's loaders are cached per process, keyed on the data version
    return len(files)


def _expected_shares(reference: pd.Series, current: pd.Series, kind: str) -> dict[str, list]:
    """Each side's shares as the page draws them, straight from the rows."""
    if kind == "categorical":
        ref = reference.dropna().astype(str).value_counts(normalize=True)
        cur = current.dropna().astype(str).value_counts(normalize=True)
        both = pd.concat([ref.rename("reference"), cur.rename("current")], axis=1).fillna(0.0)
        return {v: both.loc[v].tolist() for v in both.index}
    ref = reference.to_numpy(dtype=float)
    cur = current.to_numpy(dtype=float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    edges = np.histogram_bin_edges(ref, bins=30)
    inside = cur[(cur >= edges[0]) & (cur <= edges[-1])]
    shares = {
        round(float(m), 9): [float(r), float(c)]
        for m, r, c in zip(
            (edges[:-1] + edges[1:]) / 2,
            np.histogram(ref, edges)[0] / ref.size,
            np.histogram(inside, edges)[0] / cur.size,
            strict=True,
        )
    }
    width = edges[1] - edges[0]
    if (cur < edges[0]).any():
        shares[round(float(edges[0] - width / 2), 9)] = [0.0, float((cur < edges[0]).mean())]
    if (cur > edges[-1]).any():
        shares[round(float(edges[-1] + width / 2), 9)] = [0.0, float((cur > edges[-1]).mean())]
    return shares


def _drawn_shares(app: AppTest, kind: str) -> dict[object, list[float]]:
    bars = _figure(app, "share of rows")["data"]
    by_side = {bar["name"]: dict(zip(bar["x"], bar["y"], strict=True)) for bar in bars}
    keys = by_side["reference"].keys()
    return {
        (k if kind == "categorical" else round(float(k), 9)): [
            by_side["reference"][k],
            by_side["current"][k],
        ]
        for k in keys
    }


@pytest.mark.parametrize(
    ("system", "feature", "kind"),
    [
        ("fraud-scoring", "amount", "numerical"),
        ("fraud-scoring", "country", "categorical"),
        ("demand-forecast", "price", "numerical"),
    ],
)
def test_drift_distribution_is_drawn_without_the_rows(
    seeded_engine: Engine, system: str, feature: str, kind: str
) -> None:
    app = run_app({"system": system, "range": "90d", "feature": feature}, timeout=120, page=DRIFT)
    assert not app.exception
    assert app.selectbox(key="drift_feature").value == feature
    frame = views.windows(seeded_engine, system).set_index("id")
    version = app.selectbox(key="drift_version").value
    reference = frame.loc[app.selectbox(key=f"drift_reference_v{version}").value, "path"]
    current = frame.loc[app.selectbox(key="drift_window").value, "path"]
    expected = _expected_shares(
        _rows_of(reference, [feature])[feature], _rows_of(current, [feature])[feature], kind
    )
    drawn = _drawn_shares(app, kind)
    assert drawn.keys() == expected.keys()
    for bin_, shares in expected.items():
        assert drawn[bin_] == pytest.approx(shares, abs=1e-12)

    assert _delete_rows() > 0
    again = run_app({"system": system, "range": "90d", "feature": feature}, timeout=120, page=DRIFT)
    assert not again.exception
    assert _drawn_shares(again, kind) == drawn
    assert [m.value for m in again.metric] == [m.value for m in app.metric]
    assert any("so it is not offered here" in i.value for i in again.info)  # no rows to report
    assert "drift_render" not in [b.key for b in again.button]


def test_an_upgraded_store_draws_from_the_files_until_summaries_are_stored(
    seeded_engine: Engine,
) -> None:
    query = {"system": "fraud-scoring", "range": "90d", "feature": "country"}
    drawn = _drawn_shares(run_app(query, timeout=120, page=DRIFT), "categorical")
    with seeded_engine.begin() as connection:  # as before migration 0007: no summaries
        connection.execute(text("DELETE FROM window_summaries"))
    st.cache_data.clear()
    app = run_app(query, timeout=120, page=DRIFT)
    assert not app.exception
    assert _drawn_shares(app, "categorical") == drawn
    _delete_rows()  # neither summaries nor rows: said so, nothing drawn
    app = run_app(query, timeout=120, page=DRIFT)
    assert not app.exception
    assert any("No stored distribution" in i.value for i in app.info)


def test_confusion_matrix_is_drawn_without_the_rows(seeded_engine: Engine) -> None:
    app = run_app({"system": "fraud-scoring", "range": "30d"}, timeout=120, page=PERFORMANCE)
    assert not app.exception
    window = app.selectbox(key="perf_window").value
    path = views.windows(seeded_engine, "fraud-scoring").set_index("id").loc[window, "path"]
    rows = _rows_of(path, ["label", "prediction"])
    labelled = rows[rows["label"].notna() & rows["prediction"].notna()]
    actual = labelled["label"].astype(int).to_numpy()
    predicted = (labelled["prediction"] >= 0.5).to_numpy()
    expected = [[int(((actual == a) & (predicted == p)).sum()) for p in (0, 1)] for a in (0, 1)]
    assert _figure(app, "Confusion matrix")["data"][0]["z"] == expected
    assert sum(map(sum, expected)) == len(labelled) > 0

    _delete_rows()
    again = run_app({"system": "fraud-scoring", "range": "30d"}, timeout=120, page=PERFORMANCE)
    assert not again.exception
    assert again.selectbox(key="perf_window").value == window
    assert _figure(again, "Confusion matrix")["data"][0]["z"] == expected


def test_residuals_count_every_labelled_row_without_the_rows(seeded_engine: Engine) -> None:
    app = run_app({"system": "demand-forecast", "range": "30d"}, timeout=120, page=PERFORMANCE)
    assert not app.exception
    window = app.selectbox(key="perf_window").value
    path = views.windows(seeded_engine, "demand-forecast").set_index("id").loc[window, "path"]
    rows = _rows_of(path, ["label", "prediction"])
    labelled = int((rows["label"].notna() & rows["prediction"].notna()).sum())
    figure = _figure(app, "Residuals of")
    counts = np.array(figure["data"][0]["z"], dtype=float)
    assert np.nansum(counts) == labelled > 0
    assert f"Residuals of {labelled:,} labelled rows" in figure["layout"]["title"]["text"]

    _delete_rows()
    again = run_app({"system": "demand-forecast", "range": "30d"}, timeout=120, page=PERFORMANCE)
    assert not again.exception
    assert _figure(again, "Residuals of") == figure
