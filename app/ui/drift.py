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

from app.drift import views
from app.drift.html_report import evidently_html
from app.drift.store import drift_matrix
from app.store.db import get_engine
from app.ui.data import DataKey

HTML_SAMPLE_ROWS = 5_000
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
    frame = drift_matrix(get_engine(key[0]), system)
    if days and len(frame):
        frame = frame[frame["window_start"] > frame["window_start"].max() - pd.Timedelta(days=days)]
    return views.with_labels(frame.reset_index(drop=True))


@st.cache_data(ttl=600, max_entries=32, show_spinner="Computing drift...")
def pair(key: DataKey, system: str, window_id: int, reference_id: int) -> views.PairDrift:
    frame = windows(key, system).set_index("id", drop=False)
    reference, current = frame.loc[[reference_id]].iloc[0], frame.loc[[window_id]].iloc[0]
    return views.pair_drift(get_engine(key[0]), system, window_id, reference, current)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def distribution(
    key: DataKey, reference_path: str, current_path: str, column: str, kind: str
) -> pd.DataFrame:
    ref = views.read_window(reference_path)[column]
    cur = views.read_window(current_path)[column]
    return views.distributions(ref, cur, kind)


@st.cache_data(ttl=3600, max_entries=4, show_spinner="Rendering Evidently's report...")
def report_html(key: DataKey, reference_path: str, current_path: str) -> tuple[str, bool]:
    """Evidently's full report; (html, sampled) — sampled when a side exceeds the cap."""
    ref, cur = views.read_window(reference_path), views.read_window(current_path)
    drop = ["timestamp", "model_version", "label", "prediction_id"]
    ref = ref.drop(columns=[c for c in drop if c in ref.columns])
    cur = cur.drop(columns=[c for c in drop if c in cur.columns])
    sampled = max(len(ref), len(cur)) > HTML_SAMPLE_ROWS
    return evidently_html(ref, cur, sample_rows=HTML_SAMPLE_ROWS), sampled


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

    Built as a plain spec and wrapped without plotly's validation: validating
    ~900 points costs more than the rest of a threshold rerun together.
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
            "y": cells["column"].to_numpy(dtype=object),
            "mode": "markers",
            "marker": {
                "symbol": "square",
                "size": max(5, min(14, 900 // n_windows)),
                "color": cells["relative"].to_numpy(dtype=float),
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
            "customdata": cells[["score", "threshold"]].to_numpy(dtype=float),
            "hovertemplate": hover,
        }
    ]
    if selected is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [selected[0]],
                "y": [selected[1]],
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
    fig = go.Figure()
    for side, colour in (("reference", REFERENCE_COLOUR), ("current", CURRENT_COLOUR)):
        fig.add_bar(x=shares["bin"], y=shares[side], name=side, marker_color=colour, opacity=0.7)
    fig.update_layout(
        barmode="overlay" if kind == "numerical" else "group",
        bargap=0.05 if kind == "numerical" else 0.2,
        height=300,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=column,
        yaxis={"title": "share of rows", "tickformat": ".0%"},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig
