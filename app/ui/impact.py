"""The Overview's Impact section: what a system brings in and what it costs.

One call per system row, :func:`render_impact`, draws one ``st.html`` block:
a heading with the Impact lane's status, then each *part* of :data:`PARTS`
side by side. A part is a pure function of the system's status and the
page's :class:`ImpactData` that returns an HTML snippet (or None to draw
nothing): the lane's tiles, one card per KPI with its sparkline. To add a
piece (a cost trend, a value chart), write a part and append it to
``PARTS``; to feed it, add a field to ``ImpactData`` and fill it in
:func:`load_impact_data`, once for every system on the page, never one query
per system. Every string from data goes through ``html_text``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import streamlit as st

from app.health import SystemStatus, Window
from app.health.impact import relative_change
from app.store.db import get_engine, session_scope
from app.store.queries.kpis import kpi_series
from app.ui.data import DataKey, data_key
from app.ui.text import html_text
from app.ui.tiles import STATUS_COLOURS, lane_html, status_pill_html


@dataclass(frozen=True)
class ImpactData:
    """What the parts draw beyond the status, for every system on the page.

    ``kpis``: by system name, the KPI points of the window and of the
    same-length period before it (:data:`app.store.queries.kpis.SERIES_COLUMNS`).
    """

    window: Window | None = None
    kpis: Mapping[str, pd.DataFrame] = field(default_factory=dict)


ImpactPart = Callable[[SystemStatus, ImpactData], str | None]


def format_kpi(value: float, unit: str) -> str:
    """A KPI value in its unit: ``3.10 %`` for a ratio, ``41`` for a count, ``12,034 EUR``."""
    if not np.isfinite(value):
        return "—"
    if unit == "ratio":
        return f"{value * 100:.2f} %"
    digits = 0 if abs(value) >= 100 or unit == "count" else 2
    number = f"{value:,.{digits}f}"
    return number if unit == "count" else f"{number} {unit}"


def sparkline_svg(values: Sequence[float], colour: str, width: int = 120, height: int = 28) -> str:
    """A line of ``values`` (oldest first) scaled to the box, its last point dotted.

    Numbers only go into the SVG, so it needs no escaping. Fewer than two
    finite values draw an empty box.
    """
    finite = [float(v) for v in values if np.isfinite(v)]
    box = f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
    if len(finite) < 2:
        return box + "</svg>"
    low, high = min(finite), max(finite)
    span = high - low or 1.0
    step = (width - 4) / (len(finite) - 1)
    points = [
        (2 + i * step, height - 3 - (v - low) / span * (height - 6)) for i, v in enumerate(finite)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    x, y = points[-1]
    return (
        box + f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/></svg>'
    )


def lane_part(system: SystemStatus, data: ImpactData) -> str | None:
    """The Impact lane's stage tiles (hover one for every signal and its bounds)."""
    return lane_html("impact", system.lanes["impact"])


def kpi_card_html(series: pd.DataFrame, window: Window) -> str:
    """One KPI: its name and unit, its window mean, the change against the period before."""
    newest = series.iloc[-1]
    unit, direction = str(newest["unit"]), str(newest["direction"])
    stamps = series["timestamp"]
    now = series[stamps >= window.since]
    before = series[stamps < window.since]
    current = float(now["value"].mean()) if len(now) else float("nan")
    change = (
        relative_change(current, float(before["value"].mean()), direction)
        if len(now) and len(before)
        else None
    )
    if change is None:
        status, change_text = "unknown", "no period before to compare"
    else:
        status = "ok" if change >= 0 else "warn"
        change_text = f"{change * 100:+.1f} % vs the period before"
    fg, bg = STATUS_COLOURS[status]
    better = "higher is better" if direction == "higher_is_better" else "lower is better"
    tooltip = (
        f"{newest['name']} ({unit}, {better}): mean {format_kpi(current, unit)} over the window; "
        f"{change_text}"
    )
    return (
        f'<div class="tandem-tile" style="--fg:{fg};--bg:{bg};flex:1.4 1 0" '
        f'title="{html_text(tooltip)}">'
        f'<div class="stage">{html_text(newest["name"])}</div>'
        f'<div style="display:flex;align-items:center;gap:6px">'
        f'<div class="value">{html_text(format_kpi(current, unit))}</div>'
        f"{sparkline_svg(now['value'].tolist(), fg)}</div>"
        f'<div class="signal">{html_text(change_text)}</div></div>'
    )


def kpi_part(system: SystemStatus, data: ImpactData) -> str | None:
    """One card per business KPI of the system: window mean, change, sparkline."""
    series = data.kpis.get(system.system)
    if series is None or series.empty or data.window is None:
        return None
    cards = [
        kpi_card_html(kpi.reset_index(drop=True), data.window)
        for _, kpi in series.groupby("name", sort=True)
    ]
    return "".join(cards)


PARTS: list[ImpactPart] = [lane_part, kpi_part]


def impact_html(system: SystemStatus, data: ImpactData) -> str:
    """The whole section as HTML: the heading, then the parts in one row."""
    lane = system.lanes["impact"]
    pieces = [html for part in PARTS if (html := part(system, data))]
    return (
        "<div style='margin:6px 0 4px'><b>Impact</b> "
        "<span style='color:#6b7280'>· Value &amp; cost</span> "
        f"{status_pill_html(lane.status)}</div>"
        f'<div class="tandem-lane">{"".join(pieces)}</div>'
    )


def render_impact(system: SystemStatus, data: ImpactData) -> None:
    """The system row's Impact section (one HTML block)."""
    st.html(impact_html(system, data))


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _kpis(
    key: DataKey, since: datetime, until: datetime, systems: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    with session_scope(get_engine(key[0])) as session:
        frame = kpi_series(session, systems, since - (until - since), until)
    return {str(name): group.reset_index(drop=True) for name, group in frame.groupby("system")}


def load_impact_data(window: Window, systems: Sequence[str]) -> ImpactData:
    """Everything the parts need for ``systems`` over ``window``, in one query per kind."""
    kpis = _kpis(data_key(), window.since, window.until, tuple(sorted(systems)))
    return ImpactData(window=window, kpis=kpis)


__all__ = [
    "PARTS",
    "ImpactData",
    "ImpactPart",
    "format_kpi",
    "impact_html",
    "load_impact_data",
    "render_impact",
    "sparkline_svg",
]
