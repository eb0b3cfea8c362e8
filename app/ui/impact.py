"""The Overview's Impact section: what a system brings in and what it costs.

One call per system row, :func:`render_impact`. The section is a list of
*parts* (:data:`PARTS`), each a function drawing one piece from the
system's status and the shared :class:`ImpactData`, in order: the Impact
lane's tiles first, then the charts. To add a piece (a cost trend, a value
chart), write a part and append it to ``PARTS``; to feed it, add a field to
``ImpactData`` loaded once for every system on the page, never one query
per system.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from app.health import SystemStatus
from app.ui.tiles import lane_html, status_pill_html


@dataclass(frozen=True)
class ImpactData:
    """What the parts draw beyond the status, for every system on the page, by system name."""

    kpis: Mapping[str, pd.DataFrame] = field(default_factory=dict)


ImpactPart = Callable[[SystemStatus, ImpactData], None]


def lane_part(system: SystemStatus, data: ImpactData) -> None:
    """The Impact lane's stage tiles (hover one for every signal and its bounds)."""
    st.html(lane_html("impact", system.lanes["impact"]))


PARTS: list[ImpactPart] = [lane_part]


def render_impact(system: SystemStatus, data: ImpactData) -> None:
    """The system row's Impact section: a heading with the lane's status, then each part."""
    lane = system.lanes["impact"]
    st.html(
        "<div style='margin:6px 0 4px'><b>Impact</b> "
        "<span style='color:#6b7280'>· Value &amp; cost</span> "
        f"{status_pill_html(lane.status)}</div>"
    )
    for part in PARTS:
        part(system, data)
