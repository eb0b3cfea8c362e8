"""Model performance's business section: the KPI beside the model's metric, one time axis.

A manager's question, "did the model change move the business number?",
needs both series on the same days with the changes between them marked:
the model's metric per window on top (realised solid, estimated dotted),
the system's KPI below, and the shared timeline's model promotions,
rollbacks, service deployments and drift alerts (:mod:`app.timeline`) as
vertical lines through both with a marker to hover. The figure is built as
one dict, as the Overview's timeline is (plotly validates it once).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health import performance as views
from app.health.window import Window
from app.store.db import get_engine, session_scope
from app.store.queries.kpis import kpi_series
from app.timeline import KINDS, timeline
from app.ui.charts import as_x, as_y
from app.ui.data import DataKey
from app.ui.text import md_text, plot_text
from app.ui.timeline import STYLE

# The events that can move a business number, as the timeline names them.
MARKED = ("model_promotion", "rollback", "service_deploy", "drift_alert")


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def events(key: DataKey, system: str, since: datetime, until: datetime) -> pd.DataFrame:
    """The timeline's :data:`MARKED` events of ``system`` in ``[since, until)``."""
    no_health = pd.DataFrame({"bucket": [], "error_rate": []})  # the timeline's scan skipped
    tl = timeline(get_engine(key[0]), system, Window(since, until), error_rate=no_health)
    frame = tl.events_frame()
    return frame[frame["kind"].isin(MARKED)].reset_index(drop=True)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def kpis(key: DataKey, system: str, since: datetime, until: datetime) -> pd.DataFrame:
    """``system``'s KPI points in ``[since, until)`` (``kpi_series`` columns)."""
    with session_scope(get_engine(key[0])) as session:
        return kpi_series(session, [system], since, until)


def _naive(moment: datetime) -> datetime:
    return pd.Timestamp(moment).tz_convert(UTC).tz_localize(None).to_pydatetime()


def kpi_figure(
    series: pd.DataFrame, metric: str, kpi: pd.DataFrame, marked: pd.DataFrame
) -> go.Figure:
    """Metric per window on top, the KPI below, ``marked`` events as lines through both.

    ``series``: :func:`app.health.performance.metric_series` rows; ``kpi``: one
    KPI's points; ``marked``: :func:`events` rows.
    """
    label = plot_text(views.METRIC_LABELS.get(metric, metric))
    name, unit = plot_text(kpi["name"].iloc[-1]), plot_text(kpi["unit"].iloc[-1])
    x = as_x(series["window_start"])
    traces: list[dict[str, Any]] = [
        {"type": "scatter", "x": x, "y": as_y(series["realised"]), "yaxis": "y",
         "name": f"{label} (realised)", "mode": "lines+markers", "marker": {"size": 4},
         "line": {"color": "#7c3aed", "width": 1.5},
         "hovertemplate": "%{x|%d %b}: %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": x, "y": as_y(series["estimated"]), "yaxis": "y",
         "name": f"{label} (estimated)", "mode": "lines",
         "line": {"color": "#7c3aed", "width": 1.5, "dash": "dot"},
         "hovertemplate": "%{x|%d %b}: %{y:.3f} (estimated)<extra></extra>"},
        {"type": "scatter", "x": as_x(kpi["timestamp"]), "y": as_y(kpi["value"]), "yaxis": "y2",
         "name": f"{name} ({unit})", "mode": "lines+markers", "marker": {"size": 4},
         "line": {"color": "#0891b2", "width": 2},
         "hovertemplate": "%{x|%d %b}: %{y:,.4g}<extra></extra>"},
    ]  # fmt: skip
    shapes: list[dict[str, Any]] = []
    for kind in MARKED:
        rows = marked[marked["kind"] == kind]
        if rows.empty:
            continue
        colour, symbol = STYLE[kind]
        at = [_naive(t) for t in rows["at"]]
        # Service deployments are routine (several a week): faint, so the model's changes stand out.
        faint = kind == "service_deploy"
        shapes += [
            {"type": "line", "xref": "x", "yref": "paper", "x0": t, "x1": t, "y0": 0, "y1": 1,
             "line": {"color": colour, "width": 1, "dash": "dot" if faint else "dash"},
             "opacity": 0.3 if faint else 0.9, "layer": "below"}
            for t in at
        ]  # fmt: skip
        text = [
            f"<b>{plot_text(t)}</b><br>{plot_text(d)}"
            for t, d in zip(rows["title"], rows["detail"], strict=True)
        ]
        traces.append(
            {"type": "scatter", "x": at, "y": [1.0] * len(at), "yaxis": "y3",
             "name": KINDS[kind], "mode": "markers", "text": text,
             "marker": {"color": colour, "symbol": symbol, "size": 10,
                        "line": {"width": 1, "color": "white"}},
             "hovertemplate": "%{x|%d %b %H:%M}<br>%{text}<extra></extra>"}
        )  # fmt: skip
    layout: dict[str, Any] = {
        "height": 420, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "hovermode": "x",
        "legend": {"orientation": "h", "y": -0.12},
        "xaxis": {"type": "date", "anchor": "y2"},
        "yaxis": {"domain": [0.55, 0.92], "title": {"text": label}},
        "yaxis2": {"domain": [0, 0.45], "title": {"text": f"{name} ({unit})"}},
        "yaxis3": {"domain": [0.94, 1], "visible": False, "range": [0, 2]},
        "shapes": shapes,
    }  # fmt: skip
    return go.Figure({"data": traces, "layout": layout})


def section(key: DataKey, system: str, series: pd.DataFrame, metric: str) -> None:
    """The page's "Business KPI" section for the windows of ``series``."""
    st.subheader("Business KPI beside the model")
    since = series["window_start"].min().to_pydatetime()
    until = series["window_start"].max().to_pydatetime() + timedelta(days=1)
    points = kpis(key, system, since, until)
    if points.empty:
        st.info(
            f"**{md_text(system)}** has no business KPI in this range: load one with "
            "`tandem ingest kpis FILE` (format: `docs/data-formats.md`)."
        )
        return
    names = sorted(points["name"].unique())
    chosen = names[0]
    if len(names) > 1:
        chosen = st.selectbox("KPI", names, key="perf_kpi", width=240)
    figure = kpi_figure(series, metric, points[points["name"] == chosen], events(key, system,
                        since, until))  # fmt: skip
    st.plotly_chart(figure, width="stretch", key="perf_kpi_chart")
    st.caption(
        "Top: the model's metric per window (solid realised, dotted estimated). Bottom: the "
        "business KPI on the same days. Dashed lines: model promotions, rollbacks and drift "
        "alerts from the shared timeline (faint dotted: service deployments); hover the markers "
        "above."
    )
