"""The Data quality page's cached loaders and figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health.thresholds import effective_thresholds
from app.production import stored as quality
from app.store.db import get_engine, session_scope
from app.ui.data import DataKey
from app.ui.text import plot_text

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
    """(warn, critical) in force for ``system`` per thresholded check.

    Keyed on the data version, which a threshold save bumps, so the lines
    follow an edit made with the inline control on the next rerun.
    """
    with session_scope(get_engine(key[0])) as session:
        specs = effective_thresholds(session, system)
    return {c: (specs[s].warn, specs[s].critical) for c, s in quality.SIGNAL_OF_CHECK.items()}


def trend_figure(
    trends: pd.DataFrame,
    checks: list[str],
    bounds: dict[str, tuple[float, float]],
    *,
    share: bool = True,
    title: str = "",
) -> go.Figure:
    """Checks over windows, with the warn/critical lines of their health signals.

    ``share`` checks are ratios (percent axis); the others are counts. Checks
    with the same bounds share one pair of lines; when the shown checks'
    bounds differ, each line names its check.
    """
    labels = {**quality.WINDOW_CHECKS, **quality.COUNT_CHECKS}
    fig = go.Figure()
    for check in checks:
        fig.add_scatter(
            x=trends.index,
            y=trends[check],
            name=labels[check],
            mode="lines+markers",
            marker={"size": 5},
        )
    lines: dict[tuple[float, float], list[str]] = {}
    for check in checks:
        if check in bounds:
            lines.setdefault(bounds[check], []).append(labels[check])
    number = "{:.0%}" if share else "{:g}"
    # The bound lines as plain layout shapes, in the one update below: ``add_hline`` costs
    # ~25-50 ms a line (it revalidates the figure), more than the data.
    shapes: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for (warn, critical), names in lines.items():
        prefix = f"{' / '.join(names)}: " if len(lines) > 1 else ""
        for name, value in (("warn", warn), ("critical", critical)):
            style = {"dash": "dash", "color": LINE_COLOURS[name], "width": 1}
            shapes.append({"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
                           "y0": value, "y1": value, "line": style})  # fmt: skip
            notes.append({"xref": "x domain", "x": 0, "yref": "y", "y": value,
                          "text": f"{prefix}{name} {number.format(value)}", "showarrow": False,
                          "xanchor": "left", "yanchor": "bottom"})  # fmt: skip
    yaxis: dict[str, object] = {"tickformat": ".0%", "rangemode": "tozero"}
    if not share:  # whole counts: integer ticks, one per unit while the axis is short
        top = max([*trends[checks].max().fillna(0), *(b for pair in lines for b in pair), 0])
        yaxis = {"tickformat": "d", "rangemode": "tozero", **({"dtick": 1} if top <= 10 else {})}
    fig.update_layout(
        title={"text": title, "font": {"size": 14}} if title else None,
        height=340,
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
        yaxis=yaxis,
        legend={"orientation": "h", "y": 1.15},
        hovermode="x unified",
        shapes=shapes,
        annotations=notes,
    )
    return fig


def column_heatmap(matrix: pd.DataFrame, check: str) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[f"{c:%Y-%m-%d}" for c in matrix.columns],
            y=[plot_text(c) for c in matrix.index],
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
