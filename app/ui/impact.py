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

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import streamlit as st

from app.health import SystemStatus, Window
from app.health.cost_views import CostTrend
from app.health.kpis import KpiTrend, kpi_trends
from app.store.db import get_engine, session_scope
from app.ui.cost_view import cost_part, load_cost_trends
from app.ui.data import DataKey, data_key
from app.ui.text import html_text
from app.ui.tiles import STATUS_COLOURS, lane_html, status_pill_html


@dataclass(frozen=True)
class ImpactData:
    """What the parts draw beyond the status, for every system on the page.

    ``kpis``: by system name, each KPI's change and trend over ``window``
    (:func:`app.health.kpis.kpi_trends`).
    """

    window: Window | None = None
    kpis: Mapping[str, Sequence[KpiTrend]] = field(default_factory=dict)
    costs: Mapping[str, CostTrend] = field(default_factory=dict)  # by system (app.ui.cost_view)


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


def sparkline_img(values: Sequence[float], colour: str, width: int = 120, height: int = 28) -> str:
    """:func:`sparkline_svg` as an ``<img>`` with a data URI.

    ``st.html`` sanitises with DOMPurify's HTML profile, which drops inline
    ``<svg>``; an image's ``data:`` source is kept, and an SVG image runs no script.
    """
    svg = sparkline_svg(values, colour, width, height).replace(
        "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1
    )
    data = base64.b64encode(svg.encode()).decode()
    return (
        f'<img src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" '
        'alt="trend over the window">'
    )


def lane_part(system: SystemStatus, data: ImpactData) -> str | None:
    """The Impact lane's stage tiles (hover one for every signal and its bounds)."""
    return lane_html("impact", system.lanes["impact"])


def kpi_card_html(kpi: KpiTrend) -> str:
    """One KPI: its name, its mean over the window, the change against the period before."""
    if kpi.change is None:
        status, change_text = "unknown", "no period before to compare"
    else:
        status = "ok" if kpi.change >= 0 else "warn"
        change_text = f"{kpi.change * 100:+.1f} % vs the period before"
    fg, bg = STATUS_COLOURS[status]
    better = "higher is better" if kpi.direction == "higher_is_better" else "lower is better"
    value = format_kpi(kpi.mean, kpi.unit)
    tooltip = f"{kpi.name} ({kpi.unit}, {better}): mean {value} over the window; {change_text}"
    return (
        f'<div class="tandem-tile" style="--fg:{fg};--bg:{bg};flex:1.4 1 0" '
        f'title="{html_text(tooltip)}">'
        f'<div class="stage">{html_text(kpi.name)}</div>'
        f'<div style="display:flex;align-items:center;gap:6px">'
        f'<div class="value">{html_text(value)}</div>'
        f"{sparkline_img(kpi.trend, fg)}</div>"
        f'<div class="signal">{html_text(change_text)}</div></div>'
    )


def kpi_part(system: SystemStatus, data: ImpactData) -> str | None:
    """One card per business KPI of the system: window mean, change, sparkline."""
    cards = data.kpis.get(system.system, ())
    return "".join(kpi_card_html(kpi) for kpi in cards) or None


def cost_trend_part(system: SystemStatus, data: ImpactData) -> str | None:
    """The system's spend over the window, daily, against its monthly budget."""
    return cost_part(system, data, sparkline_img)  # an <img>: st.html drops inline <svg>


PARTS: list[ImpactPart] = [lane_part, kpi_part, cost_trend_part]


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
) -> dict[str, list[KpiTrend]]:
    with session_scope(get_engine(key[0])) as session:
        return kpi_trends(session, systems, Window(since, until))


def load_impact_data(window: Window, systems: Sequence[str]) -> ImpactData:
    """Everything the parts need for ``systems`` over ``window``, aggregated in the database."""
    kpis = _kpis(data_key(), window.since, window.until, tuple(sorted(systems)))
    return ImpactData(window=window, kpis=kpis, costs=load_cost_trends(window, systems))


__all__ = [
    "PARTS",
    "ImpactData",
    "ImpactPart",
    "format_kpi",
    "impact_html",
    "load_impact_data",
    "render_impact",
    "sparkline_img",
    "sparkline_svg",
]
