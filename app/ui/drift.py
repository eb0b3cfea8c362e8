"""The Drift page's cached loaders, threshold control and figures.

Loaders are keyed on (database, data version, selection): moving a threshold
re-runs none of them; it only re-decides the cached scores
(``apply_family_thresholds``), which is what keeps that rerun fast.

The per-family thresholds are **session-local** (kept in the URL as ``p``
and ``d`` so a link shares them): they are drift-test thresholds, not health
signals, and the shared Threshold table only holds catalogue signals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.drift.html_report import evidently_html
from app.health.status import Status, evaluate
from app.health.thresholds import ThresholdSpec
from app.production import read_drift as views
from app.production import read_summaries as summaries
from app.production.lake_files import is_lake_path
from app.production.read import drift_share
from app.production.stored import drift_matrix
from app.store.db import get_engine
from app.ui import charts
from app.ui.data import DataKey
from app.ui.text import md_text, plot_text
from app.ui.threshold_control import inline_threshold_editor
from app.ui.threshold_editor import thresholds_at_cached

HTML_SAMPLE_ROWS = 5_000
DATASET_SIGNALS = ("monitor.drift_share", "monitor.prediction_drift")
REFERENCE_COLOUR, CURRENT_COLOUR = "#6b7280", "#d97706"
# 0 = far from drift (green), 1 = at the threshold (amber), >= 2 far past it (red)
_SCALE = [(0.0, "#e8f5ed"), (0.3, "#b7e1c4"), (0.33, "#fde68a"), (0.5, "#f59e0b"), (1.0, "#b91c1c")]


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def systems(key: DataKey) -> list[str]:
    return views.systems_with_windows(get_engine(key[0]))


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def windows(key: DataKey, system: str) -> pd.DataFrame:
    return views.windows(get_engine(key[0]), system)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def champion(key: DataKey, system: str) -> int | None:
    return views.champion_version(get_engine(key[0]), system)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def matrix(key: DataKey, system: str, days: int) -> pd.DataFrame:
    """Stored drift of every version's windows in the last ``days`` (0: all) before the newest."""
    return views.with_labels(stored_matrix(key, system, days))


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def stored_matrix(key: DataKey, system: str, days: int) -> pd.DataFrame:
    """``matrix`` with the stored verdicts, as the health signals read them (no labels)."""
    frame = drift_matrix(get_engine(key[0]), system)
    if days and len(frame):
        frame = frame[frame["window_start"] > frame["window_start"].max() - pd.Timedelta(days=days)]
    return frame.reset_index(drop=True)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def drift_shares(key: DataKey, system: str, days: int) -> pd.DataFrame:
    """``views.drift_share_by_window`` of the stored verdicts; ``window_start`` naive UTC
    (plotly copies naive datetime64 cheaply, see ``charts.as_x``)."""
    shares = views.drift_share_by_window(stored_matrix(key, system, days))
    starts = pd.to_datetime(shares["window_start"], utc=True).dt.tz_localize(None)
    return shares.assign(window_start=starts)


@st.cache_data(ttl=600, max_entries=32, show_spinner="Computing drift...")
def pair(key: DataKey, system: str, window_id: int, reference_id: int) -> views.PairDrift:
    frame = windows(key, system).set_index("id", drop=False)
    reference, current = frame.loc[[reference_id]].iloc[0], frame.loc[[window_id]].iloc[0]
    return views.pair_drift(get_engine(key[0]), system, window_id, reference, current)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def distribution(
    key: DataKey, reference: tuple[int, str], current: tuple[int, str], column: str, kind: str
) -> pd.DataFrame | None:
    """:func:`app.production.read_summaries.distribution` of windows ``(id, path)``."""
    return summaries.distribution(get_engine(key[0]), reference, current, column, kind)


def rows_are_local(*paths: str) -> bool:
    """Whether every window's rows are a Parquet file in the data dir (not a lake's)."""
    return all(summaries.window_file(p) is not None for p in paths)


def rows_are_readable(*paths: str) -> bool:
    """Whether every window's rows can be read: its file in the data dir, or its lake's files
    (a local window whose file is gone, e.g. removed to save space, has only its summaries)."""
    return all(is_lake_path(p) or summaries.window_file(p) is not None for p in paths)


@st.cache_data(
    ttl=3600, max_entries=4, show_spinner="Reading rows and rendering Evidently's report..."
)
def report_html(
    key: DataKey, reference: tuple[int, str], current: tuple[int, str]
) -> tuple[str, list[str]]:
    """Evidently's full report of two windows ``(id, path)``, and a note per side saying
    which rows it read (a lake window's: a sample of at most ``HTML_SAMPLE_ROWS``; a side
    over that cap is sampled to it). The one view that reads rows."""
    engine = get_engine(key[0])
    (ref, ref_note), (cur, cur_note) = (
        views.report_rows(engine, window_id, path, HTML_SAMPLE_ROWS)
        for window_id, path in (reference, current)
    )
    drop = ["timestamp", "model_version", "label", "prediction_id"]
    ref = ref.drop(columns=[c for c in drop if c in ref.columns])
    cur = cur.drop(columns=[c for c in drop if c in cur.columns])
    notes = [f"reference: {ref_note}", f"current: {cur_note}"]
    if max(len(ref), len(cur)) > HTML_SAMPLE_ROWS:
        notes.append(f"sides over {HTML_SAMPLE_ROWS:,} rows sampled to it for this report")
    return evidently_html(ref, cur, sample_rows=HTML_SAMPLE_ROWS), notes


def dataset_drift_signal(key: DataKey, system: str, days: int) -> None:
    """The drift share per window against its persisted bounds, and (editors) an inline
    editor of those bounds: the ``monitor.*`` health signals, unlike the session sliders."""
    shares = drift_shares(key, system, days)
    spec = thresholds_at_cached(key, system)["monitor.drift_share"]
    st.plotly_chart(drift_share_figure(shares, spec), width="stretch", key="drift_share_chart")
    st.caption(
        "The verdicts stored at ingest, as the health signals read them (the sliders above do "
        f"not move them). The lines are {md_text(system)}'s `monitor.drift_share` bounds, "
        "the same ones "
        "the Overview, the Thresholds page and `tandem check` use; editing them here saves them."
    )
    inline_threshold_editor(system, DATASET_SIGNALS, key=f"drift_inline_{system}")


def drift_share_status(
    key: DataKey, system: str, drifted: int, features: int
) -> tuple[Status, ThresholdSpec]:
    """Tandem's verdict on a drift share: ``evaluate`` under the stored ``monitor.drift_share``
    bounds (no features: unknown), and those bounds."""
    spec = thresholds_at_cached(key, system)["monitor.drift_share"]
    return evaluate(drift_share(drifted, features), spec), spec


def _param_float(name: str, default: float) -> float:
    try:
        return float(st.query_params.get(name, default))
    except ValueError:
        return default


def threshold_controls() -> dict[str, float]:
    """One threshold per method family, mirrored in the URL (``p``, ``d``)."""
    left, right = st.columns(2)
    p = left.slider(
        "p-value tests (ks, chisquare, z): drifted when p below",
        0.001,
        0.2,
        _param_float("p", 0.05),
        step=0.001,
        format="%.3f",
        key="drift_p",
        help="Evidently's default is 0.05. Only re-decides stored scores; nothing is recomputed. "
        "Kept for this session and in the URL; health signals use the stored verdicts.",
    )
    d = right.slider(
        "Distance tests (wasserstein, jensenshannon, psi, ...): drifted when score at least",
        0.01,
        1.0,
        _param_float("d", 0.1),
        step=0.01,
        key="drift_d",
        help="Evidently's default is 0.1. Only re-decides stored scores; nothing is recomputed.",
    )
    st.query_params["p"], st.query_params["d"] = f"{p:g}", f"{d:g}"
    return {"p_value": p, "distance": d}


def heatmap_figure(cells: pd.DataFrame, selected: tuple[str, str] | None) -> go.Figure:
    """Features × windows as squares coloured by score relative to threshold (> 1 drifted).

    Feature names are drawn as ``plot_text`` (a click returns them so; see
    ``clicked_feature``).

    Built as a plain spec and wrapped without plotly's validation: validating
    ~900 points costs more than the rest of a threshold rerun together. Its
    numbers go out to the digits the colour scale and the hover show
    (``charts.as_y``): 17 digits a float were half of the page's bytes.
    """
    hover = (
        "%{x}<br>%{y}: %{text} %{customdata[0]:.4g} (threshold %{customdata[1]:.3g})<extra></extra>"
    )
    drifted = cells["drifted"].to_numpy(dtype=bool)
    text = cells["method"].to_numpy(dtype=object)
    n_windows = max(cells["label"].nunique(), 1)
    traces: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": cells["label"].to_numpy(dtype=object),
            "y": np.array([plot_text(c) for c in cells["column"]], dtype=object),
            "mode": "markers",
            "marker": {
                "symbol": "square",
                "size": max(5, min(14, 900 // n_windows)),
                "color": charts.as_y(cells["relative"], 3),
                "cmin": 0,
                "cmax": 3,
                "colorscale": [list(step) for step in _SCALE],
                "line": {"width": np.where(drifted, 1.5, 0.0), "color": "#111"},
                "colorbar": {
                    "title": {"text": "score vs<br>threshold"},
                    "tickvals": [0, 1, 2, 3],
                    "ticktext": ["0", "1 = threshold", "2×", "≥3×"],
                },
            },
            "text": text,
            "customdata": np.column_stack(
                [charts.as_y(cells["score"]), charts.as_y(cells["threshold"])]
            ),
            "hovertemplate": hover,
        }
    ]
    if selected is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [selected[0]],
                "y": [plot_text(selected[1])],
                "mode": "markers",
                "marker": {
                    "symbol": "square-open",
                    "size": 20,
                    "color": "#1d4ed8",
                    "line": {"width": 2},
                },
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    layout = {
        "height": 120 + 26 * cells["column"].nunique(),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"type": "category", "tickangle": -45, "nticks": 20},
        "yaxis": {"type": "category", "autorange": "reversed"},
        "showlegend": False,
        "clickmode": "event+select",
        "plot_bgcolor": "white",
    }
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def distribution_figure(shares: pd.DataFrame, kind: str, column: str) -> go.Figure:
    """Each side's share per bin (overlaid) or category (grouped); a plain spec, unvalidated."""
    bins = shares["bin"].to_numpy()
    if kind != "numerical":  # categories are data: drawn as text, not as Plotly's HTML
        bins = np.array([plot_text(b) for b in bins], dtype=object)
    bars: list[dict[str, object]] = [
        {
            "type": "bar",
            "x": bins,
            "y": shares[side].to_numpy(dtype=float),
            "name": side,
            "marker": {"color": colour},
            "opacity": 0.7,
        }
        for side, colour in (("reference", REFERENCE_COLOUR), ("current", CURRENT_COLOUR))
    ]
    layout = {
        "barmode": "overlay" if kind == "numerical" else "group",
        "bargap": 0.05 if kind == "numerical" else 0.2,
        "height": 300,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "xaxis": {"title": {"text": plot_text(column)}},
        "yaxis": {"title": {"text": "share of rows"}, "tickformat": ".0%"},
        "legend": {"orientation": "h", "y": 1.12},
    }
    return go.Figure({"data": bars, "layout": layout}, _validate=False)


def drift_share_figure(shares: pd.DataFrame, spec: ThresholdSpec) -> go.Figure:
    """Drifted-feature share per window (percent), one line per model version, with the
    persisted ``monitor.drift_share`` warn/critical lines; a ring where the prediction drifted.
    ``shares`` as :func:`drift_shares` returns it. A plain spec, unvalidated (as the
    heatmap): validation costs more than the data.
    """
    starts = shares["window_start"].to_numpy()
    percent = shares["share"].to_numpy(dtype=float) * 100
    versions = shares["model_version"].to_numpy()
    traces: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": starts[versions == version],
            "y": percent[versions == version],
            "mode": "lines+markers",
            "name": f"v{version}",
            "marker": {"size": 5},
            "hovertemplate": f"%{{x|%Y-%m-%d}}: %{{y:.0f}}% of features drifted<extra>v{version}"
            "</extra>",
        }
        for version in sorted(set(versions.tolist()))
    ]
    predicted = (shares["prediction_drifted"] == 1.0).to_numpy()
    if predicted.any():
        traces.append(
            {
                "type": "scatter",
                "x": starts[predicted],
                "y": percent[predicted],
                "mode": "markers",
                "name": "prediction drifted",
                "marker": {"symbol": "circle-open", "size": 11, "color": "#111"},
                "hoverinfo": "skip",
            }
        )
    layout = {
        "title": {
            "text": "Drifted features per window (monitor.drift_share)",
            "font": {"size": 14},
        },
        "height": 280,
        "margin": {"l": 10, "r": 10, "t": 36, "b": 10},
        "yaxis": {"title": {"text": "% of features drifted"}, "range": [0, 100]},
        "legend": {"orientation": "h", "y": -0.2},
    }
    fig = go.Figure({"data": traces, "layout": layout}, _validate=False)
    charts.add_threshold(fig, spec, 100, 100)
    return fig
