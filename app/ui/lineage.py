"""Cached loaders and the Plotly figure of the Lineage page."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.lineage.build import build_lineage
from app.lineage.graph import LAYERS, LineageGraph, Node
from app.lineage.layout import layout
from app.lineage.version_diff import version_diff as diff_versions
from app.store.db import get_engine
from app.ui.data import DataKey, data_key
from app.ui.text import plot_text

LAYER_TITLES = ("Data", "Training runs", "Model versions", "Deployments", "Incidents")
# status → (legend label, colour); the champion also gets a gold ring.
STATUS_STYLES = {
    "data": ("Dataset version", "#64748b"),
    "ok": ("Run finished", "#1f8a4c"),
    "failed": ("Failed", "#c62828"),
    "champion": ("Champion", "#1f8a4c"),
    "challenger": ("Challenger", "#2563eb"),
    "archived": ("Archived", "#9ca3af"),
    "registered": ("Registered", "#6b7280"),
    "success": ("Deployed", "#1f8a4c"),
    "rolled_back": ("Rolled back", "#c62828"),
    "open": ("Incident open", "#c62828"),
    "resolved": ("Incident resolved", "#b26a00"),
}
SYMBOLS = {
    "dataset": "square",
    "run": "circle",
    "model": "diamond",
    "deployment": "triangle-right",
    "incident": "x",
}
CHAMPION_RING = "#f59e0b"


@st.cache_data(ttl=600, max_entries=16, show_spinner="Tracing lineage...")
def _graph(key: DataKey, system: str | None) -> LineageGraph:
    return build_lineage(get_engine(key[0]), system)


def graph(system: str | None) -> LineageGraph:
    return _graph(data_key(), system)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _diff(
    key: DataKey, system: str, model: str, versions: tuple[int, ...], diff_only: bool
) -> pd.DataFrame:
    return diff_versions(get_engine(key[0]), system, model, versions, diff_only=diff_only)


def version_diff(system: str, model: str, versions: Sequence[int], diff_only: bool) -> pd.DataFrame:
    return _diff(data_key(), system, model, tuple(versions), diff_only)


def figure(graph: LineageGraph, selected: str | None = None) -> go.Figure:
    """Layers left to right, edges in grey, one legend entry per status."""
    positions = layout(graph)
    fig = go.Figure()
    xs: list[float | None] = []
    ys: list[float | None] = []
    for edge in graph.edges:
        if edge.source in positions and edge.target in positions:
            (x0, y0), (x1, y1) = positions[edge.source], positions[edge.target]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
    fig.add_trace(
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#cbd5e1", "width": 1.5},
                   hoverinfo="skip", showlegend=False)
    )  # fmt: skip
    for status, (label, colour) in STATUS_STYLES.items():
        nodes = [n for n in graph.nodes if n.status == status]
        if not nodes:
            continue
        fig.add_trace(
            go.Scatter(
                x=[positions[n.id][0] for n in nodes],
                y=[positions[n.id][1] for n in nodes],
                mode="markers+text",
                name=label,
                text=[("★ " if n.champion else "") + plot_text(n.label) for n in nodes],
                textposition="top center",
                textfont={"size": 11},
                hovertext=[_hover(n) for n in nodes],
                hoverinfo="text",
                marker={
                    "size": [26 if n.champion or n.id == selected else 16 for n in nodes],
                    "color": colour,
                    "symbol": [SYMBOLS[n.kind] for n in nodes],
                    "line": {
                        "color": [
                            CHAMPION_RING
                            if n.champion
                            else "#111827"
                            if n.id == selected
                            else "white"
                            for n in nodes
                        ],
                        "width": [4 if n.champion or n.id == selected else 1 for n in nodes],
                    },
                },
            )
        )
    tallest = max([sum(1 for n in graph.nodes if n.kind == k) for k in LAYERS] + [1])
    for index, title in enumerate(LAYER_TITLES):
        fig.add_annotation(
            x=index, y=(tallest - 1) / 2 + 0.9, text=f"<b>{title}</b>", showarrow=False,
            font={"size": 13, "color": "#374151"},
        )  # fmt: skip
    fig.update_layout(
        height=max(360, 70 * tallest + 140),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False, "range": [-0.5, len(LAYERS) - 0.5]},
        yaxis={"visible": False, "range": [-(tallest - 1) / 2 - 0.7, (tallest - 1) / 2 + 1.2]},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top"},
        plot_bgcolor="white",
    )
    return fig


def _hover(node: Node) -> str:
    lines = [f"<b>{plot_text(node.label)}</b>"] + [
        f"{plot_text(key)}: {plot_text(value)}"
        for key, value in node.meta.items()
        if value not in (None, "")
    ]
    return "<br>".join(lines)


def metadata_table(node: Node) -> pd.DataFrame:
    """A node's details as two text columns."""
    rows = [("kind", node.kind), ("system", node.system or "—")]
    rows += [(k, "—" if v is None else str(v)) for k, v in node.meta.items()]
    return pd.DataFrame(rows, columns=["field", "value"])


def diff_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The diff as text (one Arrow type per column), missing values as a dash."""
    return frame.map(
        lambda v: "—" if v is None or v != v else f"{v:.6g}" if isinstance(v, float) else str(v)
    )
