"""Overview: every system's two lifecycles side by side and its impact, worst first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.health.catalog import SIGNALS_BY_KEY, STAGES, format_value
from app.ui import data
from app.ui.filters import current_selection
from app.ui.impact import load_impact_data, render_impact
from app.ui.text import html_text, md_text
from app.ui.threshold_control import inline_threshold_editor
from app.ui.tiles import STATUS_WORDS, render_css, render_lane, status_pill_html, verdict
from app.ui.timeline import render_timelines

selection = current_selection()
st.title("Overview")

report = data.status_report(selection)
if report is None or not report.systems:
    st.info(
        "**No data yet.** Load the bundled sample data with `tandem seed`, or your own "
        "files with `tandem ingest KIND FILE --system NAME` (formats: `docs/data-formats.md`).",
        icon=":material/inbox:",
    )
    st.code("tandem seed\ntandem ingest deployments deployments.csv --system checkout-api")
    st.stop()

since, until = report.window.since, report.window.until
st.caption(
    f"{since:%d %b %Y %H:%M} – {until:%d %b %Y %H:%M} UTC · a tile shows its stage's "
    "worst signal; hover a tile for every signal and its thresholds."
)

counts = pd.Series([str(s.status) for s in report.systems]).value_counts()
summary = [
    status_pill_html(name, f"{counts[name]} {STATUS_WORDS[name].lower()}")
    for name in ("critical", "warn", "ok", "unknown")
    if name in counts
]
st.html(f"<div style='display:flex;gap:8px'>{''.join(summary)}</div>")
render_css()

sorted_systems = sorted(report.systems, key=lambda s: (-s.status.rank, s.system))
impact_data = load_impact_data(report.window, [s.system for s in sorted_systems])
for system in sorted_systems:
    with st.container(border=True):
        st.html(
            f"<div style='font-size:1.25rem;font-weight:700'>{html_text(system.system)} "
            f"{status_pill_html(system.status)}</div>"
            f"<div style='color:#374151'>{html_text(verdict(system))}</div>"
        )
        devops, mlops = st.columns([5, 6], gap="medium")
        with devops:
            render_lane("devops", system.lanes["devops"])
        with mlops:
            render_lane("mlops", system.lanes["mlops"], has_model=system.has_model)
        render_impact(system, impact_data)
        # Loaded when opened: a closed table and its controls cost the browser as much as
        # an open one, once per system on the page.
        signals_label = f"All signals of {md_text(system.system)}"
        signals_key = f"overview_signals_{system.system}"
        with st.expander(signals_label, key=signals_key, on_change="rerun") as signals:
            if not signals.open:
                continue
            rows = [
                {
                    "Lane": lane_key,
                    "Stage": STAGES[lane_key][stage_key],
                    "Signal": SIGNALS_BY_KEY[signal.key].label,
                    "Key": signal.key,
                    "Value": format_value(signal.key, signal.value),
                    "Status": STATUS_WORDS[str(signal.status)],
                    "Warn": format_value(signal.key, signal.warn),
                    "Critical": format_value(signal.key, signal.critical),
                }
                for lane_key, lane in system.lanes.items()
                for stage_key, stage in lane.stages.items()
                for signal in stage.signals
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            inline_threshold_editor(
                system.system, [r["Key"] for r in rows], key=f"inline_{system.system}"
            )

render_timelines([s.system for s in sorted_systems], selection)
