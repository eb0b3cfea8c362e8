"""The Model performance page's cached loaders and figures.

Loaders are keyed on (database, data version, system): an ingest or a
threshold save bumps the data version. Moving the band (a threshold edit) only
re-runs :func:`app.health.performance.metric_series` on cached results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health import performance as views
from app.health.champion import lower_is_better
from app.health.thresholds import ThresholdSpec
from app.production import read_summaries
from app.production.summaries import ResidualCounts
from app.store.db import get_engine
from app.ui.charts import CRITICAL, WARN, as_x, as_y
from app.ui.data import DataKey
from app.ui.filters import query_int
from app.ui.threshold_editor import thresholds_at_cached

VERSION_COLOURS = ["#2563eb", "#7c3aed", "#0891b2", "#db2777", "#059669", "#ea580c"]
PENDING_FILL = "rgba(107,114,128,0.12)"
OK_FILL = "rgba(22,163,74,0.08)"


def version_colour(version: int) -> str:
    return VERSION_COLOURS[(int(version) - 1) % len(VERSION_COLOURS)]


def faded(colour: str, alpha: float = 0.15) -> str:
    """``#rrggbb`` as ``rgba(r,g,b,alpha)``: a band in the version's colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def performance(key: DataKey, system: str) -> views.Performance:
    return views.load(get_engine(key[0]), system)


def spec(key: DataKey, system: str, signal: str) -> ThresholdSpec:
    """The bounds of ``signal`` in force for ``system``."""
    return thresholds_at_cached(key, system)[signal]


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def confusion(key: DataKey, window_id: int, path: str) -> pd.DataFrame | None:
    """The window's stored confusion counts (:func:`read_summaries.confusion_table`)."""
    return read_summaries.confusion_table(get_engine(key[0]), window_id, path)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def residuals(key: DataKey, window_id: int, path: str) -> ResidualCounts | None:
    """The window's stored residual counts (:func:`read_summaries.residual_cells`)."""
    return read_summaries.residual_cells(get_engine(key[0]), window_id, path)


def window_picker(series: pd.DataFrame) -> int:
    """The window the One window and Fairness tabs show, picked by the user (kept in the URL
    as ``window``; default: the newest labelled window); its id."""
    ids = list(series["window_id"])
    if st.session_state.get("perf_window") not in ids:
        labelled = series.loc[series["realised"].notna(), "window_id"]
        fallback = int(labelled.iloc[-1]) if len(labelled) else ids[-1]
        wanted = query_int("window")
        st.session_state["perf_window"] = wanted if wanted in ids else fallback
    by_id = series.set_index("window_id")
    window_id: int = st.selectbox(
        "Window",
        ids,
        format_func=lambda i: (
            f"{by_id.loc[i, 'window_start']:%Y-%m-%d} v{by_id.loc[i, 'model_version']}"
            f" ({by_id.loc[i, 'labelled_rows']} of {by_id.loc[i, 'rows']} labelled)"
        ),
        key="perf_window",
        width=420,
    )
    st.query_params["window"] = str(window_id)
    return window_id


def headline(series: pd.DataFrame, metric: str, warn: float) -> None:
    """Four numbers a manager reads first, and the windows outside the band."""
    label = views.METRIC_LABELS.get(metric, metric)
    labelled = series[series["realised"].notna()]
    latest = labelled.iloc[-1] if len(labelled) else None
    pending = series[series["realised"].isna()]  # labels pending
    a, b, c, d = st.columns(4)
    if latest is not None:
        a.metric(
            f"Latest realised {label}",
            f"{latest['realised']:.3f}",
            f"{latest['realised'] - latest['baseline']:+.3f} "
            f"vs v{latest['model_version']} baseline",
            delta_color="inverse" if lower_is_better(metric) else "normal",
            help=f"Window of {latest['window_start']:%d %b}; baseline {latest['baseline']:.3f}.",
        )
        b.metric("Status vs baseline", latest["status"].upper(), f"band: live/baseline ≥ {warn:g}",
                 delta_color="off", delta_arrow="off")  # fmt: skip
    else:
        a.metric(f"Latest realised {label}", "—", "no labelled window in range", delta_color="off")
    if len(pending) and pending["estimated"].notna().any():
        method = "DLE" if metric in views.METRICS["regression"] else "CBPE"
        c.metric(f"Estimated {label}, unlabelled days", f"{pending['estimated'].mean():.3f}",
                 f"{method} estimate, not measured", delta_color="off",
                 delta_arrow="off")  # fmt: skip
    share = series["labelled_rows"].sum() / max(int(series["rows"].sum()), 1)
    d.metric("Windows waiting for labels", f"{len(pending)} of {len(series)}",
             f"{share:.0%} of rows labelled", delta_color="off", delta_arrow="off")  # fmt: skip
    estimated_below = pending[pending["estimated_status"].isin([views.WARN, views.CRITICAL])]
    if len(estimated_below):
        listed = ", ".join(
            f"v{w.model_version} on {w.window_start:%d %b} ({w.estimated:.3f} vs {w.baseline:.3f})"
            for w in estimated_below.tail(3).itertuples()
        )
        st.warning(
            f"**Estimated outside the band on {len(estimated_below)} day(s) whose labels have "
            f"not arrived.** {listed}: an estimate, to confirm when the labels land.",
            icon=":material/query_stats:",
        )
    below = series[series["status"].isin([views.WARN, views.CRITICAL])]
    if len(below):
        worst = below.sort_values("ratio").head(3)
        listed = ", ".join(
            f"v{w.model_version} on {w.window_start:%d %b} ({w.realised:.3f} vs {w.baseline:.3f})"
            for w in worst.itertuples()
        )
        st.warning(
            f"**{len(below)} window(s) outside the band.** Worst: {listed}.",
            icon=":material/trending_down:",
        )


def _by_version(frame: pd.DataFrame) -> list[tuple[int, pd.DataFrame]]:
    return [
        (int(v), frame[frame["model_version"] == v])
        for v in sorted(frame["model_version"].unique())
    ]


def _pending_spans(series: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Runs of consecutive days whose windows have no labels yet."""
    days = series.groupby("window_start")["labelled_rows"].sum()
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    starts = pd.to_datetime(days.index, utc=True)
    for day, labelled in zip(starts, days.to_numpy(), strict=True):
        end = day + pd.Timedelta(days=1)
        if labelled:
            continue
        if spans and spans[-1][1] == day:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((day, end))
    return spans


def _line(x: np.ndarray, y: np.ndarray, group: str, **spec: object) -> dict[str, object]:
    """A scatter trace of the trend's top row, as a plain spec (see :func:`trend_figure`)."""
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "legendgroup": group, **spec}


def trend_figure(series: pd.DataFrame, metric: str) -> go.Figure:
    """Realised and estimated metric per window, baseline band, and the labelled share.

    Values go out to 4 significant digits (``charts.as_y``), what the hover shows:
    the figure's ~35 traces were the page's largest message (issue 15 item 7).
    Built as a plain spec and wrapped without plotly's validation (as the Drift
    page's figures): validating ~40 traces through ``make_subplots``/``add_trace``
    was a third of the page's server time. The layout is ``make_subplots(rows=2,
    shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.04)``'s.
    """
    label = views.METRIC_LABELS.get(metric, metric)
    middle = series["window_start"] + pd.Timedelta(hours=12)
    shapes: list[dict[str, object]] = [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": start.tz_localize(None),
         "x1": end.tz_localize(None), "y0": 0, "y1": 1, "fillcolor": PENDING_FILL,
         "line": {"width": 0}, "layer": "below"}
        for start, end in _pending_spans(series)
    ]  # fmt: skip
    traces: list[dict[str, object]] = []
    for version, rows in _by_version(series):
        colour, x = version_colour(version), as_x(middle[rows.index])
        group = f"v{version}"
        warn_bound = as_y(rows["warn_bound"])
        if rows["baseline"].notna().any():
            traces += [
                _line(x, warn_bound, group, line={"width": 0}, showlegend=False,
                      hoverinfo="skip"),
                _line(x, as_y(rows["baseline"]), group, fill="tonexty", fillcolor=OK_FILL,
                      line={"color": "#6b7280", "dash": "dot", "width": 1},
                      name=f"{group} validation baseline"),
                _line(x, warn_bound, group, name="warn bound", showlegend=False,
                      line={"color": WARN, "dash": "dash", "width": 1}),
                _line(x, as_y(rows["critical_bound"]), group, name="critical bound",
                      showlegend=False, line={"color": CRITICAL, "dash": "dash", "width": 1}),
            ]  # fmt: skip
        if rows["estimated_lower"].notna().any():
            traces += [
                _line(x, as_y(rows["estimated_lower"]), group, line={"width": 0},
                      showlegend=False, hoverinfo="skip"),
                _line(x, as_y(rows["estimated_upper"]), group, fill="tonexty",
                      fillcolor=faded(colour), line={"width": 0},
                      name=f"{group} estimate's band (±3 sampling errors)"),
            ]  # fmt: skip
        if rows["estimated"].notna().any():
            flagged = rows["estimated_status"].isin([views.WARN, views.CRITICAL]).to_numpy()
            traces.append(
                _line(x, as_y(rows["estimated"]), group, mode="lines+markers",
                      name=f"{group} estimated (no labels needed)",
                      marker={"size": np.where(flagged, 10, 5), "symbol": "circle-open",
                              "color": np.where(flagged, CRITICAL, colour)},
                      line={"color": colour, "dash": "dot", "width": 1.5})
            )  # fmt: skip
        below = rows["status"].isin([views.WARN, views.CRITICAL]).to_numpy()
        traces.append(
            _line(x, as_y(rows["realised"]), group, mode="lines+markers",
                  name=f"{group} realised (labelled)", line={"color": colour, "width": 2.5},
                  marker={"size": np.where(below, 12, 6),
                          "color": np.where(below, CRITICAL, colour), "line": {"width": 0}})
        )  # fmt: skip
        traces.append(
            {"type": "bar", "x": x, "y": as_y(rows["labelled_share"] * 100), "xaxis": "x2",
             "yaxis": "y2", "marker": {"color": colour}, "opacity": 0.5,
             "name": f"{group} labelled %", "showlegend": False, "legendgroup": group}
        )  # fmt: skip
    outside = series[series["status"].isin([views.WARN, views.CRITICAL])]
    worst = outside.sort_values("ratio").head(3)
    annotations: list[dict[str, object]] = [
        {"x": x_at, "y": value, "xref": "x", "yref": "y", "text": f"v{version} {start:%d %b}: "
         f"{value:.3f}", "showarrow": True, "arrowhead": 0, "ax": 40, "ay": -24,
         "font": {"color": CRITICAL, "size": 11}}
        for x_at, start, version, value in zip(
            middle[worst.index].dt.tz_localize(None), worst["window_start"],
            worst["model_version"], worst["realised"], strict=True,
        )
    ]  # fmt: skip
    if shapes:
        annotations.append(
            {"x": shapes[-1]["x0"], "y": 1, "xref": "x", "yref": "paper", "showarrow": False,
             "text": "labels pending", "xanchor": "left", "yanchor": "top",
             "font": {"color": "#4b5563", "size": 11}}
        )  # fmt: skip
    layout = {
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False},
        "yaxis": {"anchor": "x", "domain": [0.2512, 1.0], "title": {"text": label}},
        "xaxis2": {"anchor": "y2", "domain": [0.0, 1.0]},
        "yaxis2": {"anchor": "x2", "domain": [0.0, 0.2112], "title": {"text": "labelled %"},
                   "range": [0, 105]},
        "shapes": shapes,
        "annotations": annotations,
        "height": 460,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "hovermode": "x unified",
        "barmode": "group",
        "legend": {"orientation": "h", "y": -0.12},
    }  # fmt: skip
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def confusion_figure(table: pd.DataFrame) -> go.Figure:
    """The 2×2 counts with their numbers written in the cells."""
    names = ["0 (legit)", "1 (positive)"]
    fig = go.Figure(
        go.Heatmap(z=table.to_numpy(), x=names, y=names, colorscale="Blues", showscale=False,
                   text=table.to_numpy(), texttemplate="%{text:,}", textfont={"size": 16})
    )  # fmt: skip
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="predicted",
        yaxis_title="actual",
        yaxis={"autorange": "reversed"},
        title={"text": "Confusion matrix (score ≥ 0.5)", "font": {"size": 14}},
    )
    return fig


def residual_figure(cells: ResidualCounts) -> go.Figure:
    """Labelled rows per prediction × residual bin (every row counted, from the stored
    summary), empty cells blank, and the zero-residual line."""
    p_edges, r_edges = np.asarray(cells.prediction_edges), np.asarray(cells.residual_edges)
    counts = np.asarray(cells.counts, dtype=float).T  # rows: residual bins
    fig = go.Figure(
        go.Heatmap(x=(p_edges[:-1] + p_edges[1:]) / 2, y=(r_edges[:-1] + r_edges[1:]) / 2,
                   z=np.where(counts > 0, counts, np.nan), colorscale="Blues",
                   colorbar={"title": {"text": "rows"}},
                   hovertemplate="prediction %{x:.3g}, residual %{y:.3g}: %{z:,} rows"
                                 "<extra></extra>")
    )  # fmt: skip
    fig.add_shape(  # what add_hline(y=0) adds, without its revalidation of the figure
        type="line", xref="x domain", x0=0, x1=1, yref="y", y0=0, y1=0,
        line={"color": "#6b7280", "dash": "dash"},
    )  # fmt: skip
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="prediction",
        yaxis_title="label − prediction",
        title={
            "text": f"Residuals of {cells.rows:,} labelled rows (mean {cells.mean_residual:+.3g})",
            "font": {"size": 14},
        },
    )
    return fig


def overlap_figure(overlaps: pd.DataFrame, metric: str) -> go.Figure:
    """Per shared day, each version's realised metric (bars) and estimate (diamonds)."""
    fig = go.Figure()
    days = overlaps["window_start"].dt.strftime("%d %b")
    for version, rows in _by_version(overlaps):
        colour = version_colour(version)
        fig.add_trace(go.Bar(x=days[rows.index], y=rows["realised"], name=f"v{version} realised",
                             marker_color=colour, offsetgroup=str(version),
                             text=rows["realised"].map("{:.3f}".format),
                             textposition="outside"))  # fmt: skip
        if rows["estimated"].notna().any():
            fig.add_trace(go.Scatter(x=days[rows.index], y=rows["estimated"], mode="markers",
                                     name=f"v{version} estimated", offsetgroup=str(version),
                                     marker={"symbol": "diamond-open", "size": 11,
                                             "color": colour}))  # fmt: skip
    values = overlaps[["realised", "estimated"]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    fig.update_layout(
        barmode="group",
        scattermode="group",
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"title": views.METRIC_LABELS.get(metric, metric), "range": [low * 0.9, high * 1.06]},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
