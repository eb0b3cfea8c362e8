"""Plotly figures for Service health: a time series with its thresholds, burn-down, trends.

Pure functions from DataFrames to figures (no Streamlit calls), so they are
unit-tested; thresholds are drawn as dashed warn/critical lines with the
critical side shaded, in the value's display scale (ratios as percent).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app.health.thresholds import ThresholdSpec

WARN, CRITICAL = "#b26a00", "#c62828"
SERIES = ["#2563eb", "#7c3aed", "#0891b2", "#db2777"]
HEIGHT = 260
_MARGIN = {"l": 10, "r": 10, "t": 36, "b": 10}


def as_x(times: pd.Series) -> np.ndarray:
    """Times as naive-UTC ISO text, to the minute when no time has seconds (else the second).

    What a chart costs the browser is mostly its JSON: datetime64 goes out with
    nanoseconds (``"2026-09-02T00:00:00.000000000"``, 31 characters a point),
    this as ``"2026-09-02 00:00"`` (16). Plotly reads both as dates.
    """
    values = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    precise = bool((values.dt.second != 0).any() or (values.dt.microsecond != 0).any())
    text = values.dt.strftime("%Y-%m-%d %H:%M:%S" if precise else "%Y-%m-%d %H:%M")
    return text.to_numpy(dtype=object)


def as_y(values: pd.Series | Sequence[float], digits: int = 4) -> np.ndarray:
    """Values to ``digits`` significant digits (NaN stays NaN), as the chart's JSON carries them.

    Seventeen digits a point (``1.8194444444444444``) are what a float prints,
    not what a 260-pixel chart or its hover can show; four keep every value
    distinct to 0.05 % while the JSON shrinks by half.
    """
    return np.array([float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=float)])


def x_axis(times: pd.Series) -> dict[str, object]:
    """A trace's x: ``x0`` and a step ``dx`` (ms) when ``times`` are evenly spaced, else ``x``.

    Evenly spaced buckets need no x per point at all; a line of 2,160 hourly
    points then sends 2,160 numbers instead of 2,160 numbers and 2,160 dates.
    """
    values = pd.to_datetime(times, utc=True)
    steps = values.diff().dropna()
    if len(values) > 2 and steps.nunique() == 1 and steps.iloc[0] > pd.Timedelta(0):
        start = values.iloc[0].tz_localize(None)
        step_ms = steps.iloc[0].total_seconds() * 1000
        return {"x0": start.strftime("%Y-%m-%d %H:%M:%S"), "dx": step_ms}
    return {"x": as_x(times)}


def _layout(fig: go.Figure, title: str, y_title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        height=height,
        margin=_MARGIN,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.2},
        yaxis_title=y_title,
    )
    return fig


def add_threshold(fig: go.Figure, spec: ThresholdSpec, scale: float, y_max: float) -> None:
    """Dashed warn and critical lines; the region past critical shaded red.

    Added as plain layout shapes in one update: ``add_hline`` revalidates the
    whole figure per call, which costs more than the data.
    """
    warn, critical = spec.warn * scale, spec.critical * scale
    if spec.direction == "lower_is_better":
        band = (critical, max(y_max, critical * 1.25))
    else:
        band = (min(0.0, critical), critical)

    def line(y: float, colour: str) -> dict[str, object]:
        return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y,
                "line": {"color": colour, "dash": "dash", "width": 1}}  # fmt: skip

    def label(y: float, text: str, colour: str) -> dict[str, object]:
        return {"xref": "paper", "x": 0, "y": y, "text": text, "showarrow": False,
                "xanchor": "left", "yanchor": "bottom",
                "font": {"color": colour, "size": 10}}  # fmt: skip

    fig.update_layout(
        shapes=[
            line(warn, WARN),
            line(critical, CRITICAL),
            {"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "y0": band[0], "y1": band[1],
             "fillcolor": CRITICAL, "opacity": 0.07, "line": {"width": 0}, "layer": "below"},
        ],
        annotations=[label(warn, "warn", WARN), label(critical, "critical", CRITICAL)],
    )  # fmt: skip


def series_figure(
    frame: pd.DataFrame,
    columns: Sequence[str],
    names: Sequence[str],
    title: str,
    y_title: str,
    scale: float = 1.0,
    threshold: ThresholdSpec | None = None,
) -> go.Figure:
    """Lines of ``columns`` over ``frame['bucket']`` (times ``scale``), with a threshold."""
    fig = go.Figure()
    x = x_axis(frame["bucket"])  # once: every line shares it
    y_max = 0.0
    for i, (column, name) in enumerate(zip(columns, names, strict=True)):
        values = frame[column] * scale
        y_max = max(y_max, float(values.max()) if values.notna().any() else 0.0)
        fig.add_trace(
            go.Scatter(**x, y=as_y(values), name=name, mode="lines",
                         line={"width": 1.4, "color": SERIES[i % len(SERIES)]})
        )  # fmt: skip
    if threshold is not None:
        add_threshold(fig, threshold, scale, y_max)
    fig.update_layout(xaxis_type="date")  # x0/dx alone would not say so
    return _layout(fig, title, y_title)


def burn_down_figure(
    frame: pd.DataFrame, target: float, threshold: ThresholdSpec | None = None
) -> go.Figure:
    """Error budget left over the 28 days (percent), the even-spend line and its thresholds.

    The even spend is a straight line, so it is sent as its two ends, not a point per bucket.
    """
    fig = go.Figure()
    x = as_x(frame["bucket"])
    ends = [0, len(frame) - 1]
    ideal = [float(frame["ideal"].iloc[i]) * 100 for i in ends]
    fig.add_trace(go.Scatter(x=x[ends], y=as_y(ideal),
                             name="even spend", mode="lines",
                             line={"color": "#9ca3af", "dash": "dot"}))  # fmt: skip
    left = go.Scatter(x=x, y=as_y(frame["remaining"] * 100), name="budget left",
                      mode="lines", line={"color": SERIES[0], "width": 2},
                      fill="tozeroy", fillcolor="rgba(37,99,235,0.08)")  # fmt: skip
    fig.add_trace(left)
    if threshold is not None:  # first: it sets the layout's shapes, add_shape appends
        add_threshold(fig, threshold, 100, 100)
    fig.add_shape(  # what add_hline(y=0) adds, without its ~25-50 ms of revalidation
        type="line", xref="x domain", x0=0, x1=1, yref="y", y0=0, y1=0,
        line={"color": CRITICAL, "width": 1},
    )  # fmt: skip
    return _layout(fig, f"Error budget burn-down (SLO {target:.2%}, 28 days)", "% of budget left")


def ci_figure(daily: pd.DataFrame) -> go.Figure:
    """Daily pass rate (bars, percent) and median duration (line, minutes)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=as_x(daily["day"]), y=daily["pass_rate"] * 100, name="pass rate %",
                         marker_color="#93c5fd"))  # fmt: skip
    duration = go.Scatter(x=as_x(daily["day"]), y=daily["duration_p50_min"], name="median min",
                          yaxis="y2", mode="lines+markers", line={"color": SERIES[1]})  # fmt: skip
    fig.add_trace(duration)
    fig.update_layout(
        yaxis={"range": [0, 105]},
        yaxis2={"overlaying": "y", "side": "right", "title": "minutes", "rangemode": "tozero"},
    )
    return _layout(fig, "CI: daily pass rate and median duration", "pass rate %")


def trend_figure(weekly: dict[str, pd.DataFrame], key: str, title: str, scale: float) -> go.Figure:
    """One DORA key's weekly trend, one line per release kind."""
    fig = go.Figure()
    for i, (kind, frame) in enumerate(weekly.items()):
        fig.add_trace(go.Scatter(x=as_x(frame["week"]), y=frame[key] * scale, name=kind,
                                 mode="lines+markers", line={"color": SERIES[i]},
                                 connectgaps=False))  # fmt: skip
    return _layout(fig, title, "", height=240)
