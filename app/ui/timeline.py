"""The shared timeline figure: events over the error rate and live model performance.

Top band: one row per event kind (deploys, model promotions, rollbacks,
incidents, drift alerts, retrains), a marker per event; hovering shows what
happened. Bottom: the error rate (left axis, percent) and the champion's live
metric (right axis), with incidents shaded from open to restore, so a deploy
and the error spike it caused line up. Clicking a marker opens the page that
explains it (``st.switch_page`` with the event's query parameters); the same
links are listed in a table under the chart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from app.config import PROJECT_ROOT
from app.timeline import KINDS, Event, Timeline
from app.ui.filters import Selection
from app.ui.service_data import load_timeline
from app.ui.text import md_text, plot_text

if TYPE_CHECKING:
    import plotly.graph_objects as go

STYLE = {  # kind: (colour, marker symbol)
    "service_deploy": ("#2563eb", "triangle-up"),
    "model_promotion": ("#7c3aed", "diamond"),
    "rollback": ("#ea580c", "x"),
    "incident": ("#c62828", "circle"),
    "drift_alert": ("#b26a00", "square"),
    "retrain": ("#0f766e", "star"),
}
FALLBACK_PAGE = "service_health"
_NAV = "_timeline_navigation"


def page_file(page: str) -> str:
    """``app_pages/<page>.py`` when that page exists, else the Service health page."""
    name = page if Path(PROJECT_ROOT, "app_pages", f"{page}.py").exists() else FALLBACK_PAGE
    return f"app_pages/{name}.py"


def event_link(event: Event) -> str:
    """The deep link of ``event`` as a relative URL (``/drift?system=...&window=...``)."""
    return f"/{Path(page_file(event.page)).stem}?{urlencode(event.params)}"


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def timeline_figure(tl: Timeline) -> go.Figure:
    """Events on top (one row per kind), error rate and live metric below, one x axis.

    Built as one dict (no ``make_subplots``, no ``add_vrect``): plotly validates
    a figure once instead of once per shape, which keeps the page fast.
    """
    import plotly.graph_objects as go  # imported on first draw: pages without data skip it

    from app.ui.charts import as_x, as_y, x_axis

    rows = [k for k in KINDS if any(e.kind == k for e in tl.events)]
    # Each event row keeps ~28 px however many kinds there are; the series keep 240 px.
    height = 300 + 28 * len(rows)
    split = 1 - (28 * len(rows) + 10) / (height - 60)
    traces: list[dict[str, Any]] = []
    for kind in rows:
        colour, symbol = STYLE[kind]
        events = [(i, e) for i, e in enumerate(tl.events) if e.kind == kind]
        traces.append({
            "type": "scatter", "x": [_naive(e.at) for _, e in events],
            "y": [KINDS[kind]] * len(events), "yaxis": "y", "mode": "markers",
            "name": KINDS[kind], "customdata": [i for i, _ in events],
            "marker": {"color": colour, "symbol": symbol, "size": 11,
                       "line": {"width": 1, "color": "white"}},
            "text": [f"<b>{plot_text(e.title)}</b><br>{plot_text(e.detail)}" for _, e in events],
            "hovertemplate": "%{x|%d %b %H:%M}<br>%{text}<br><i>click to open</i><extra></extra>",
        })  # fmt: skip
    error = tl.error_rate
    traces.append({
        "type": "scatter", **x_axis(error["bucket"]), "y": as_y(error["error_rate"] * 100),
        "yaxis": "y2", "name": "error rate %", "mode": "lines",
        "line": {"color": "#6b7280", "width": 1}, "fill": "tozeroy",
        "fillcolor": "rgba(107,114,128,0.15)",
        "hovertemplate": "%{x|%d %b %H:%M}: %{y:.2f} % errors<extra></extra>",
    })  # fmt: skip
    layout: dict[str, Any] = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "hovermode": "closest", "clickmode": "event+select",
        "legend": {"orientation": "h", "y": -0.12},
        "xaxis": {"anchor": "y2", "type": "date",
                  "range": [_naive(tl.window.since), _naive(tl.window.until)]},
        "yaxis": {"domain": [split + 0.04, 1], "type": "category", "categoryorder": "array",
                  "categoryarray": [KINDS[k] for k in reversed(rows)], "anchor": "x"},
        "yaxis2": {"domain": [0, split], "title": {"text": "error rate %"},
                   "rangemode": "tozero", "anchor": "x"},
        "shapes": [
            {"type": "rect", "xref": "x", "yref": "y2 domain", "y0": 0, "y1": 1,
             "x0": _naive(e.at), "x1": _naive(e.until or tl.window.until),
             "fillcolor": "#c62828", "opacity": 0.10, "line": {"width": 0}, "layer": "below"}
            for e in tl.events if e.kind == "incident"
        ],
    }  # fmt: skip
    if not tl.performance.empty:
        metric = plot_text(tl.performance_metric)
        traces.append({
            "type": "scatter", "x": as_x(tl.performance["at"]), "y": as_y(tl.performance["value"]),
            "yaxis": "y3", "name": f"live {metric}", "mode": "lines+markers",
            "line": {"color": "#7c3aed", "width": 1.5}, "marker": {"size": 4},
            "hovertemplate": "%{x|%d %b}: %{y:.3f}<extra></extra>",
        })  # fmt: skip
        layout["yaxis3"] = {"overlaying": "y2", "side": "right", "showgrid": False,
                            "title": {"text": metric}, "anchor": "x"}  # fmt: skip
    return go.Figure({"data": traces, "layout": layout})


def _remember_click(chart_key: str, tl: Timeline) -> None:
    """on_select callback: remember where to go and pick the event's system in the sidebar.

    Runs before the rerun, the one moment widget state (the sidebar's system)
    may still be changed; the navigation itself happens in the next run.
    """
    state = st.session_state.get(chart_key)
    points = state.selection.points if state is not None else []
    indices = [p.get("customdata") for p in points if p.get("customdata") is not None]
    if not indices:
        return
    event = tl.events[int(indices[0])]
    st.session_state["filter_system"] = tl.system
    st.session_state[_NAV] = (page_file(event.page), dict(event.params))


def follow_pending_click() -> None:
    """Open the page of the event clicked in the previous run, if any."""
    target = st.session_state.pop(_NAV, None)
    if target is None:
        return
    page, params = target
    params = {**params, "range": st.query_params.get("range", "30d")}
    try:
        st.switch_page(page, query_params=params)
    except StreamlitAPIException:  # the page exists but is not in the navigation
        st.switch_page(page_file(FALLBACK_PAGE), query_params=params)


def render_timeline(tl: Timeline, key: str) -> None:
    """The figure (clickable) and, folded, every event with its link."""
    follow_pending_click()
    if not tl.events and tl.error_rate.empty:
        st.caption(f"Nothing happened to {md_text(tl.system)} in this range.")
        return
    st.plotly_chart(
        timeline_figure(tl), key=key, on_select=lambda: _remember_click(key, tl),
        selection_mode="points", config={"displayModeBar": False},
    )  # fmt: skip
    if not tl.events:
        return
    # Loaded when opened: the table repeats the chart's events, and a dataframe the reader
    # has not asked for still costs the browser a grid on every first visit.
    label = f"{len(tl.events)} events of {md_text(tl.system)}, with links"
    with st.expander(label, key=f"{key}_events", on_change="rerun") as events:
        if events.open:
            frame = pd.DataFrame(
                {
                    "When (UTC)": [e.at for e in tl.events],
                    "What": [e.label for e in tl.events],
                    "Event": [e.title for e in tl.events],
                    "Detail": [e.detail for e in tl.events],
                    "Open": [event_link(e) for e in tl.events],
                }
            )
            st.dataframe(
                frame.iloc[::-1], hide_index=True, width="stretch",
                column_config={
                    "When (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                    "Open": st.column_config.LinkColumn(display_text="open page"),
                },
            )  # fmt: skip


def render_timelines(systems: list[str], selection: Selection) -> None:
    """The Overview's timeline section: one system, or a tab per system (worst first)."""
    st.subheader("Timeline")
    st.caption(
        "Deploys, model promotions, rollbacks, incidents (shaded until restored), drift alerts "
        "and retrains over the error rate and the model's live metric. Click a marker to open "
        "the page that explains it."
    )
    if len(systems) == 1:
        tabs: list[Any] = [st.container()]
    else:  # lazy: only the open tab's timeline is loaded and drawn (20 systems, one chart)
        labels = [md_text(s) for s in systems]
        tabs = list(st.tabs(labels, key="overview_timeline_tabs", on_change="rerun"))
    for tab, system in zip(tabs, systems, strict=True):
        if len(tabs) > 1 and not tab.open:
            continue
        with tab:
            tl = load_timeline(system, selection)
            if tl is None:
                st.caption(f"No data for {md_text(system)} yet.")
            else:
                render_timeline(tl, key=f"overview_timeline_{system}")
