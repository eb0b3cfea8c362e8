"""The Data quality page's cached loaders and figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.drift import quality
from app.store.db import get_engine
from app.ui.data import DataKey

LINE_COLOURS = {"warn": "#b26a00", "critical": "#c62828"}


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def results(
    key: DataKey, system: str, days: int, since: datetime | None, until: datetime | None
) -> pd.DataFrame:
    """The system's stored results in the sidebar's range (ending at its newest window)."""
    frame = quality.stored_quality(get_engine(key[0]), system, since, until)
    if since is None and len(frame):
        newest = frame["window_start"].max()
        frame = frame[frame["window_start"] > newest - timedelta(days=days)]
    return frame


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def thresholds(key: DataKey, system: str) -> dict[str, tuple[float, float]]:
    return quality.quality_thresholds(get_engine(key[0]), system)


def trend_figure(
    trends: pd.DataFrame, checks: list[str], bounds: dict[str, tuple[float, float]]
) -> go.Figure:
    """Share checks over windows, with the warn/critical lines of the health signals."""
    fig = go.Figure()
    for check in checks:
        fig.add_scatter(
            x=trends.index,
            y=trends[check],
            name=quality.WINDOW_CHECKS[check],
            mode="lines+markers",
            marker={"size": 5},
        )
    shown = {bounds[c] for c in checks if c in bounds}
    for warn, critical in shown:
        for name, value in (("warn", warn), ("critical", critical)):
            fig.add_hline(
                y=value,
                line={"dash": "dash", "color": LINE_COLOURS[name], "width": 1},
                annotation_text=f"{name} {value:.0%}",
                annotation_position="top left",
            )
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"tickformat": ".0%", "rangemode": "tozero"},
        legend={"orientation": "h", "y": 1.15},
        hovermode="x unified",
    )
    return fig


def column_heatmap(matrix: pd.DataFrame, check: str) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[f"{c:%Y-%m-%d}" for c in matrix.columns],
            y=list(matrix.index),
            colorscale="OrRd",
            zmin=0,
            zmax=max(float(matrix.max().max()), 0.05) if matrix.size else 1,
            colorbar={"tickformat": ".0%"} if check.endswith("share") else {},
            hovertemplate="%{x}<br>%{y}: %{z:.1%}<extra></extra>"
            if check.endswith("share")
            else "%{x}<br>%{y}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        height=120 + 24 * len(matrix.index),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "tickangle": -45, "nticks": 20},
    )
    return fig
