"""Costs on the pages: the Overview's cost trend card and the Experiments page's version costs.

The card is a part of the Overview's Impact section (:mod:`app.ui.impact`); it
reads ``data.costs`` (:class:`app.health.cost_views.CostTrend` by system) and
the system's ``cost.month_to_date_vs_budget`` status for its colour. Every
string from data goes through ``html_text``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

import pandas as pd
import streamlit as st

from app.health import SystemStatus, Window
from app.health.cost import BUDGET
from app.health.cost_views import CostTrend, cost_trends, version_costs
from app.store.db import get_engine, session_scope
from app.ui.data import DataKey, data_key
from app.ui.text import html_text
from app.ui.tiles import STATUS_COLOURS

__all__ = [
    "cost_card_html",
    "cost_part",
    "load_cost_trends",
    "render_version_costs",
    "version_cost_table",
    "version_cost_frame",
]


class HasCosts(Protocol):
    @property
    def costs(self) -> Mapping[str, CostTrend]: ...


def cost_card_html(trend: CostTrend, status: str, sparkline: str) -> str:
    """One card: spend over the window, its daily trend, the trailing month against the budget."""
    fg, bg = STATUS_COLOURS[status]
    if trend.currency is None:
        text = (
            f"spend in {', '.join(trend.currencies)}: not added together"
            if trend.currencies
            else "no cost recorded"
        )
        return (
            f'<div class="tandem-tile" style="--fg:{fg};--bg:{bg};flex:1.4 1 0" '
            f'title="{html_text(text)}"><div class="stage">Spend</div>'
            f'<div class="value">—</div><div class="signal">{html_text(text)}</div></div>'
        )
    total = f"{trend.total or 0:,.2f} {trend.currency}"
    if trend.budget:
        against = f"{(trend.month or 0) / trend.budget * 100:.0f} % of the monthly budget"
    else:
        against = "no budget set"
    tooltip = (
        f"Spend over the window: {total} (daily, oldest first); last 30 days "
        f"{trend.month or 0:,.2f} {trend.currency}; {against}"
    )
    return (
        f'<div class="tandem-tile" style="--fg:{fg};--bg:{bg};flex:1.4 1 0" '
        f'title="{html_text(tooltip)}"><div class="stage">Spend</div>'
        f'<div style="display:flex;align-items:center;gap:6px">'
        f'<div class="value">{html_text(total)}</div>{sparkline}</div>'
        f'<div class="signal">{html_text(against)}</div></div>'
    )


def cost_part(
    system: SystemStatus, data: HasCosts, sparkline_svg: Callable[[Sequence[float], str], str]
) -> str | None:
    """The system's spend card, coloured by its budget signal (grey without a budget)."""
    trend = data.costs.get(system.system)
    if trend is None or (trend.currency is not None and not any(trend.daily)):
        return None
    status = system.signal(BUDGET).status.value
    return cost_card_html(trend, status, sparkline_svg(trend.daily, STATUS_COLOURS[status][0]))


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _trends(
    key: DataKey, since: datetime, until: datetime, systems: tuple[str, ...]
) -> dict[str, CostTrend]:
    with session_scope(get_engine(key[0])) as session:
        return cost_trends(session, systems, Window(since, until))


def load_cost_trends(window: Window, systems: Sequence[str]) -> dict[str, CostTrend]:
    """Every listed system's spend trend over ``window`` (cached on the data version)."""
    return _trends(data_key(), window.since, window.until, tuple(sorted(systems)))


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _versions(key: DataKey, system: str | None) -> pd.DataFrame:
    with session_scope(get_engine(key[0])) as session:
        return version_costs(session, None if system is None else [system])


def version_cost_frame(system: str | None) -> pd.DataFrame:
    """Each registered model version's training cost, of one system or all (cached)."""
    return _versions(data_key(), system)


def render_version_costs(system: str | None) -> None:
    """The Experiments page's "Cost per model version" table and how runs are attributed.

    A static table (a few rows per model): the page's grids stay the runs' and the
    comparison's.
    """
    frame = version_cost_frame(system)
    st.subheader("Cost per model version")
    if frame.empty:
        st.info("No registered model version yet: costs are shown per version once one is.")
        return
    st.table(version_cost_table(frame))
    st.caption(
        "A version's runs are those of its run's experiment started after the previous "
        "version was registered, failed and killed ones included: what it took to get it. "
        "Costs in different currencies are not added (the cost is then empty)."
    )


def version_cost_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``version_costs``' rows as the page shows them: labelled columns, values as text."""
    shown = pd.DataFrame(
        {
            "System": frame["system"],
            "Model": frame["model"],
            "Version": "v" + frame["version"].astype(str),
            "Registered (UTC)": frame["registered_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "In production": frame["in_production"].map({True: "yes", False: "no"}),
            "Runs": frame["runs"],
            "Failed or killed": frame["failed_runs"],
            "Without cost": frame["runs_without_cost"],
            "Cost": frame["cost"].map(lambda v: "—" if pd.isna(v) else f"{v:,.2f}"),
            "Currency": frame["currency"].fillna("—"),
            "Compute (h)": frame["compute_hours"].map(lambda v: f"{v:,.1f}"),
        }
    )
    return shown.reset_index(drop=True)
