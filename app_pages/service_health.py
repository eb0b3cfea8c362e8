"""Service health: is the service within SLO, and what happened to it?"""

from __future__ import annotations

import streamlit as st

from app.ui import data
from app.ui.filters import current_selection
from app.ui.service_data import load_service_health, load_service_timeline
from app.ui.service_health import (
    render_ci,
    render_deep_link,
    render_dora_section,
    render_golden_section,
    render_incidents,
)
from app.ui.slo_view import render_headline, render_slo_section
from app.ui.text import md_text
from app.ui.timeline import render_timeline

SECTIONS = ["SLO and error budget", "Golden signals", "DORA", "CI", "Incidents"]
SECTION_KEY = "service_health_section"

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

# Below the timeline, one section at a time: only the open tab is computed and sent, so a
# first visit draws two charts instead of eight (bench_pages, issue 15 item 7).
slo_tab, golden_tab, dora_tab, ci_tab, incidents_tab = st.tabs(
    SECTIONS, key=SECTION_KEY, on_change="rerun",
    default="Incidents" if "incident" in st.query_params else SECTIONS[0],
)  # fmt: skip
if slo_tab.open:
    with slo_tab:
        render_slo_section(system, health)
if golden_tab.open:
    with golden_tab:
        render_golden_section(system, health, data.status_report(selection))
if dora_tab.open:
    with dora_tab:
        render_dora_section(health)
if ci_tab.open:
    with ci_tab:
        render_ci(health)
if incidents_tab.open:
    with incidents_tab:
        render_incidents(health)
