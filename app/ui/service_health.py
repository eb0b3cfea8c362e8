"""Sections of the Service health page: golden signals, DORA, CI, incidents.

The SLO sections live in ``app.ui.slo_view`` and ``app.ui.slo_editor``.

Each ``render_*`` draws one section from the ``ServiceHealth`` bundle; the
page file only orders them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.health import StatusReport
from app.health.delivery import KEYS, LABELS, REPORT_YEAR, THROUGHPUT, DoraMetrics
from app.health.status import evaluate
from app.service_health import ServiceHealth
from app.timeline import Timeline
from app.ui.charts import ci_figure, series_figure, trend_figure
from app.ui.on_demand import on_demand
from app.ui.service_data import load_ci, load_dora
from app.ui.text import md_text
from app.ui.threshold_control import inline_threshold_editor

_DORA_UNITS = {
    "change_lead_time_h": ("h", 1.0),
    "deployment_frequency_per_day": ("/day", 1.0),
    "failed_deployment_recovery_time_h": ("h", 1.0),
    "change_fail_rate": ("%", 100.0),
    "deployment_rework_rate": ("%", 100.0),
}
DORA_LABELS = {key: (LABELS[key], *_DORA_UNITS[key]) for key in KEYS}
LEVEL_WORDS = {"elite": "Elite", "high": "High", "medium": "Medium", "low": "Low"}
_NO_PLOTLY_BAR = {"displayModeBar": False}
GOLDEN_SIGNALS = ["operate.error_rate", "operate.latency_p95_ms"]


def render_deep_link(tl: Timeline | None, params: dict[str, str]) -> None:
    """Name the event a timeline click opened this page for."""
    wanted = {k: v for k, v in params.items() if k in ("incident", "deployment")}
    if not wanted or tl is None:
        return
    for event in tl.events:
        if any(event.params.get(k) == v for k, v in wanted.items()):
            st.info(
                f"**{md_text(event.label)}, {event.at:%d %b %Y %H:%M} UTC:** "
                f"{md_text(event.title)} — {md_text(event.detail)}",
                icon=":material/pin_drop:",
            )
            return


def render_golden(health: ServiceHealth, percentiles: list[str]) -> None:
    g, t = health.golden, health.thresholds
    minutes = health.bucket_seconds // 60
    st.caption(f"{len(g)} points per line: one per {minutes} min bucket, summed in the database.")
    left, right = st.columns(2)
    left.plotly_chart(series_figure(g, ["request_rate"], ["requests/s"], "Request rate",
                                    "req/s"), config=_NO_PLOTLY_BAR)  # fmt: skip
    right.plotly_chart(series_figure(g, ["error_rate"], ["error rate"], "Error rate", "%", 100,
                                     t["operate.error_rate"]), config=_NO_PLOTLY_BAR)  # fmt: skip
    columns = [f"latency_{p}_ms" for p in percentiles]
    left.plotly_chart(series_figure(g, columns, percentiles, "Latency (thresholds on p95)", "ms",
                                    threshold=t["operate.latency_p95_ms"]),
                      config=_NO_PLOTLY_BAR)  # fmt: skip
    right.plotly_chart(series_figure(g, ["cpu_util", "mem_util"], ["CPU", "memory"],
                                     "Saturation", "%", 100), config=_NO_PLOTLY_BAR)  # fmt: skip


def render_golden_section(system: str, health: ServiceHealth, report: StatusReport | None) -> None:
    """The golden-signals tab: percentiles picker, four charts, the latency note, thresholds."""
    if not health.has_samples:
        st.info("No health samples in this range.", icon=":material/monitoring:")
        return
    percentiles = st.multiselect(
        "Latency percentiles", ["p50", "p95", "p99"], default=["p50", "p95", "p99"],
        key="service_health_percentiles",
    )  # fmt: skip
    render_golden(health, percentiles)
    if report is not None and system in {s.system for s in report.systems}:
        latency = report.system(system).signal("operate.latency_p95_ms")
        if latency.note:
            st.caption(f"Latency p95 over the range, {latency.display}: {md_text(latency.note)}.")
    with on_demand("Thresholds on these charts", "service_health_golden_thresholds",
                   icon=":material/tune:") as shown:  # fmt: skip
        if shown:
            inline_threshold_editor(system, GOLDEN_SIGNALS, key="service_health_golden")


def _dora_table(metrics: DoraMetrics) -> pd.DataFrame:
    rows = []
    for key in KEYS:
        label, unit, scale = DORA_LABELS[key]
        value = metrics.value(key)
        shown = "—" if value is None else f"{value * scale:.2f} {unit}"
        level = metrics.level(key)
        rows.append(
            {
                "Group": "Throughput" if key in THROUGHPUT else "Instability",
                "Metric": label,
                "Value": shown,
                "DORA level": LEVEL_WORDS.get(level or "", "—"),
            }
        )
    return pd.DataFrame(rows)


def render_dora(health: ServiceHealth, trend_key: str) -> None:
    dora = load_dora(health)
    kinds = {"Service releases": dora.service}
    if dora.model is not None:
        kinds["Model releases"] = dora.model
    cols = st.columns(len(kinds))
    for col, (title, metrics) in zip(cols, kinds.items(), strict=True):
        col.markdown(f"**{title}**")
        col.dataframe(_dora_table(metrics), hide_index=True, width="stretch")
    label, unit, scale = DORA_LABELS[trend_key]
    weekly = {title: metrics.weekly for title, metrics in kinds.items()}
    st.plotly_chart(trend_figure(weekly, trend_key, f"{label} per ISO week ({unit})", scale),
                    config=_NO_PLOTLY_BAR)  # fmt: skip
    st.caption(
        f"Levels: DORA's Accelerate State of DevOps Report {REPORT_YEAR} clusters (rework rate "
        "is not banded there). Recovery time: from a failed, rolled-back or incident-causing "
        "deployment to the next successful one; incident time to restore is under Incidents."
    )


def render_dora_section(health: ServiceHealth) -> None:
    """The DORA tab: both tables and the weekly trend of the metric picked."""
    st.markdown("**Service releases and model releases**")
    trend = st.radio(
        "Weekly trend of", list(DORA_LABELS), format_func=lambda k: DORA_LABELS[k][0],
        horizontal=True, key="service_health_dora_trend",
    )  # fmt: skip
    render_dora(health, trend)


def render_ci(health: ServiceHealth) -> None:
    """The CI tab: read only when it is opened (``load_ci``)."""
    ci = load_ci(health)
    if ci.daily.empty:
        st.caption("No finished CI pipelines in this range.")
        return
    st.plotly_chart(ci_figure(ci.daily), config=_NO_PLOTLY_BAR)
    failing = ci.failing
    if failing.empty:
        st.caption("No failed pipelines in this range.")
        return
    st.markdown("**Recent failing pipelines**")
    st.dataframe(failing, hide_index=True, width="stretch", column_config={
        "started_at": st.column_config.DatetimeColumn("started (UTC)", format="D MMM, HH:mm"),
        "duration_min": st.column_config.NumberColumn("minutes", format="%.1f"),
    })  # fmt: skip


def render_incidents(health: ServiceHealth) -> None:
    frame = health.incidents
    if frame.empty:
        st.caption("No incidents in this range.")
        return
    spec = health.thresholds["recover.time_to_restore_h"]
    frame = frame.assign(
        status=[
            "open" if pd.isna(h) else evaluate(float(h), spec).value
            for h in frame["time_to_restore_h"]
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "opened_at": st.column_config.DatetimeColumn("opened (UTC)", format="D MMM, HH:mm"),
        "resolved_at": st.column_config.DatetimeColumn("resolved (UTC)", format="D MMM, HH:mm"),
        "time_to_restore_h": st.column_config.NumberColumn("time to restore (h)", format="%.1f"),
    })  # fmt: skip
