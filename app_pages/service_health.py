"""Service health: is the service within SLO, and what happened to it?"""

from __future__ import annotations

import streamlit as st

from app.ui import data
from app.ui.filters import current_selection
from app.ui.service_data import load_service_health, load_service_timeline
from app.ui.service_health import (
    DORA_LABELS,
    render_ci,
    render_deep_link,
    render_dora,
    render_golden,
    render_incidents,
)
from app.ui.slo_editor import slo_editor
from app.ui.slo_view import render_headline, render_slos
from app.ui.text import md_text
from app.ui.threshold_control import inline_threshold_editor
from app.ui.timeline import render_timeline

GOLDEN_SIGNALS = ["operate.error_rate", "operate.latency_p95_ms"]
SLO_SIGNALS = ["operate.error_budget_remaining"]

selection = current_selection()
st.title("Service health")

systems = data.system_names()
if not systems:
    st.info(
        "**No data yet.** Load the sample data with `tandem seed`, or health samples with "
        "`tandem ingest health FILE --system NAME` (or `tandem import-prometheus`).",
        icon=":material/inbox:",
    )
    st.code("tandem seed\ntandem ingest health health.parquet --system checkout-api")
    st.stop()

system = selection.system
if system is None:
    system = st.selectbox(
        "System", systems, key="service_health_system",
        help="Pick one system here, or in the sidebar.",
    )  # fmt: skip

health = load_service_health(system, selection)
if health is None:
    st.info(f"**No data for {md_text(system)} yet.**", icon=":material/inbox:")
    st.stop()

window = health.window
st.caption(
    f"**{md_text(system)}** · {window.since:%d %b %Y %H:%M} – {window.until:%d %b %Y %H:%M} UTC · "
    f"SLO {md_text(health.primary.slo.name)}: {health.primary.slo.describe()}"
)
tl = load_service_timeline(system, selection)
render_deep_link(tl, dict(st.query_params))
render_headline(health)

st.subheader("Timeline")
if tl is not None:
    render_timeline(tl, key="service_health_timeline")

st.subheader("Golden signals")
if not health.has_samples:
    st.info("No health samples in this range.", icon=":material/monitoring:")
else:
    percentiles = st.multiselect(
        "Latency percentiles", ["p50", "p95", "p99"], default=["p50", "p95", "p99"],
        key="service_health_percentiles",
    )  # fmt: skip
    render_golden(health, percentiles)
    report = data.status_report(selection)
    if report is not None and system in {s.system for s in report.systems}:
        latency = report.system(system).signal("operate.latency_p95_ms")
        if latency.note:
            st.caption(f"Latency p95 over the range, {latency.display}: {md_text(latency.note)}.")
    with st.expander("Thresholds on these charts", icon=":material/tune:"):
        inline_threshold_editor(system, GOLDEN_SIGNALS, key="service_health_golden")

st.subheader("SLO and error budget")
render_slos(health)
with st.expander("Edit SLOs", icon=":material/flag:"):
    slo_editor(system, key="service_health_slo_editor")
with st.expander("Error budget thresholds", icon=":material/tune:"):
    st.caption("These bounds colour `operate.error_budget_remaining`; they never move an SLO.")
    inline_threshold_editor(system, SLO_SIGNALS, key="service_health_slo")

st.subheader("DORA: service releases and model releases")
trend = st.radio(
    "Weekly trend of", list(DORA_LABELS), format_func=lambda k: DORA_LABELS[k][0],
    horizontal=True, key="service_health_dora_trend",
)  # fmt: skip
render_dora(health, trend)

st.subheader("CI")
render_ci(health)

st.subheader("Incidents")
render_incidents(health)
