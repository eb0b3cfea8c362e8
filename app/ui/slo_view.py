"""The Service health page's SLO sections: headline, burn-rate view and burn-down.

Everything shown reads the system's SLO objects (``ServiceHealth.slos``),
never a threshold: the ``operate.error_budget_remaining`` bounds only colour
the burn-down chart.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.health.slo import BurnRateRow
from app.service_health import ServiceHealth, SloReport
from app.ui.charts import burn_down_figure
from app.ui.on_demand import on_demand
from app.ui.slo_editor import slo_editor
from app.ui.text import md_text
from app.ui.threshold_control import inline_threshold_editor

_NO_PLOTLY_BAR = {"displayModeBar": False}
SLO_SIGNALS = ["operate.error_budget_remaining"]


def _pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def render_headline(health: ServiceHealth) -> None:
    primary = health.primary
    budget, slo = primary.budget, primary.slo
    open_incidents = int(health.incidents["resolved_at"].isna().sum())
    firing = [f"{r.slo.name}: {a.alert.name}" for r in health.slos for a in r.burn if a.firing]
    alerts = sum(len(r.burn) for r in health.slos)
    cols = st.columns(4)
    cols[0].metric(f"Availability ({slo.period_days} d)", _pct(budget.availability, 3),
                   help=f"SLO {md_text(slo.name)}: {slo.describe()}")  # fmt: skip
    cols[1].metric("Error budget left", _pct(budget.remaining, 1),
                   help=f"1 − bad events / allowed bad events over the last {slo.period_days} "
                   f"days (SLO {md_text(slo.name)})")  # fmt: skip
    quiet = "No alert's windows both burn too fast."
    cols[2].metric("Burn-rate alerts firing", f"{len(firing)} of {alerts}",
                   help=md_text(", ".join(firing)) or quiet)  # fmt: skip
    cols[3].metric("Open incidents", open_incidents)


def _span(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours / 24:.0f} d" if hours >= 24 else f"{hours:.0f} h"


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.2f}×"


def _status(row: BurnRateRow) -> str:
    if row.firing:
        return "FIRING"
    if row.gated:
        return f"gated ({row.long_events:,.0f} < {row.min_events:,} events)"
    return "quiet"


def burn_table(report: SloReport) -> pd.DataFrame:
    """One row per alert, with the factor's derivation written out."""
    hours = report.slo.period_hours
    return pd.DataFrame(
        [
            {
                "Alert": row.alert.name,
                "Severity": row.alert.severity,
                "Windows": f"{_span(row.alert.long_hours)} and {_span(row.alert.short_hours)}",
                "Budget share": f"{row.alert.budget_share:.0%}",
                "Burn-rate factor": f"{row.alert.factor:.3g}× = {row.alert.budget_share:.0%} × "
                f"{hours:g} h / {row.alert.long_hours:g} h",
                "Long window": _rate(row.long_rate),
                "Short window": _rate(row.short_rate),
                "Events (long)": f"{row.long_events:,.0f}",
                "Status": _status(row),
            }
            for row in report.burn
        ]
    )


def _render_one(health: ServiceHealth, report: SloReport) -> None:
    slo = report.slo
    since = (
        f"saved {slo.created_at:%d %b %Y %H:%M} UTC by {md_text(slo.updated_by or 'unknown')}"
        if slo.created_at is not None
        else "built-in default, not saved yet"
    )
    st.markdown(
        f"**{md_text(slo.name)}**: {md_text(slo.describe())} · low-traffic gate "
        f"{slo.min_events:,} events · {since}"
    )
    if report.approximation:
        st.caption(f"Latency SLI: {report.approximation}.")
    st.dataframe(burn_table(report), hide_index=True, width="stretch")
    if report.burn_down.empty:
        st.caption(f"No events in the last {slo.period_days} days: no error budget to burn.")
        return
    figure = burn_down_figure(report.burn_down, slo.target,
                              health.thresholds["operate.error_budget_remaining"])  # fmt: skip
    figure.update_layout(  # no name here: Plotly reads tags in titles
        title_text=f"Error budget burn-down (SLO {slo.target:.2%}, {slo.period_days} days)"
    )
    first = report.burn_down["bucket"].iloc[0]
    if slo.created_at is not None and slo.created_at > first:
        figure.add_shape(  # what add_vline adds, without its ~25-50 ms of revalidation
            type="line", xref="x", x0=slo.created_at, x1=slo.created_at, yref="y domain",
            y0=0, y1=1, line={"color": "#6b7280", "dash": "dash", "width": 1},
        )  # fmt: skip
        figure.add_annotation(x=slo.created_at, y=100, text="SLO saved", showarrow=False,
                              yanchor="bottom", font={"size": 10})  # fmt: skip
    st.plotly_chart(figure, config=_NO_PLOTLY_BAR)


def render_slos(health: ServiceHealth) -> None:
    """Each SLO's burn-rate alerts and burn-down, one tab per SLO."""
    st.caption(
        "Multiwindow burn-rate alerts of the SRE workbook (ch. 5), scaled to each SLO's "
        "period: an alert fires when both windows burn faster than its factor and its long "
        "window holds at least the SLO's low-traffic gate of events. Burn rate 1 spends the "
        "budget exactly over the period. The burn-down is computed from the stored samples, "
        "so it reaches back a whole period, also before the SLO was saved."
    )
    reports = health.slos
    if len(reports) == 1:
        _render_one(health, reports[0])
        return
    for tab, report in zip(st.tabs([md_text(r.slo.name) for r in reports]), reports, strict=True):
        with tab:
            _render_one(health, report)


def render_slo_section(system: str, health: ServiceHealth) -> None:
    """The SLO tab: every SLO, then its editor and the budget bounds, each drawn when opened."""
    render_slos(health)
    with on_demand("Edit SLOs", "service_health_slo_editor_open", icon=":material/flag:") as shown:
        if shown:
            slo_editor(system, key="service_health_slo_editor")
    with on_demand("Error budget thresholds", "service_health_slo_thresholds",
                   icon=":material/tune:") as shown:  # fmt: skip
        if shown:
            st.caption(
                "These bounds colour `operate.error_budget_remaining`; they never move an SLO."
            )
            inline_threshold_editor(system, SLO_SIGNALS, key="service_health_slo")
