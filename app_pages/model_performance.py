"""Model performance: is the model still as good as when it was validated?"""

from __future__ import annotations

import streamlit as st

from app.health import performance as views
from app.ui import business_value as value_ui
from app.ui import drift as drift_ui
from app.ui import fairness as fairness_ui
from app.ui import kpi_chart
from app.ui import performance as ui
from app.ui.data import data_key
from app.ui.filters import current_selection
from app.ui.on_demand import on_demand
from app.ui.text import md_text
from app.ui.threshold_control import inline_threshold_editor

SECTIONS = ["One window", "Fairness", "KPI and business value", "Champion vs challenger"]
SECTION_KEY = "perf_section"

selection = current_selection()
key = data_key()
st.title("Model performance")

names = drift_ui.systems(key)
if not names:
    st.info(
        "**No production data yet.** Performance is measured per logged production window once "
        "labels arrive: `tandem seed` loads the samples, `tandem ingest production FILE "
        "--system NAME` your own.",
        icon=":material/inbox:",
    )
    st.stop()
if selection.system is not None and selection.system not in names:
    st.info(
        f"**{md_text(selection.system)}** logs no production data, so it has no model performance."
    )
    st.stop()
system = selection.system or st.selectbox("System", names, key="perf_system")

data = ui.performance(key, system)
metrics = [m for m in views.METRICS[data.task] if (data.results["metric"] == m).any()]
if data.windows.empty or not metrics:
    st.info(f"No production window of **{md_text(system)}** has a performance result yet.")
    st.stop()
default = data.champion_metric or metrics[0]
if st.session_state.get("perf_metric") not in metrics:
    wanted = st.query_params.get("metric", default)
    st.session_state["perf_metric"] = wanted if wanted in metrics else metrics[0]
metric = st.selectbox(
    "Metric", metrics, format_func=views.METRIC_LABELS.get, key="perf_metric", width=240
)
st.query_params["metric"] = metric
ratio_spec = ui.spec(key, system, "monitor.performance_ratio")
warn, critical = ratio_spec.warn, ratio_spec.critical
series = views.metric_series(data, metric, ratio_spec, selection.days)
if series.empty:
    st.info(f"No production window of **{md_text(system)}** in the selected time range.")
    st.stop()

ui.headline(series, metric, warn)

st.plotly_chart(ui.trend_figure(series, metric), width="stretch", key="perf_trend")
st.caption(
    "Solid: realised on labelled rows. Dotted: **estimated** without labels, from the version's "
    "training data: classifiers by CBPE (scores calibrated), regressors by DLE (a model of the "
    "error, MAE and RMSE, shaded ±3 sampling errors). Green band: from the validation baseline "
    f"down to warn (live/baseline ≥ {warn:g}; critical {critical:g}); big red dots: windows "
    "outside it (open: the estimate is). Grey: days whose labels have not arrived. Bars: "
    "labelled share."
)
inline_threshold_editor(
    system, ["monitor.performance_ratio", "monitor.segment_gap"], key="perf_thresholds"
)

# Below the trend, one section at a time: only the open tab is computed and sent (issue 15
# item 7). One window (segments, confusion matrix) is open first; Fairness shows the same window.
window_tab, fairness_tab, value_tab, overlap_tab = st.tabs(
    SECTIONS, key=SECTION_KEY, on_change="rerun"
)
if window_tab.open:
    with window_tab:
        window_id = ui.window_picker(series)
        row = series.set_index("window_id").loc[window_id]
        left, right = st.columns([6, 5])
        with left:
            columns = views.segment_columns(data)
            if row["labelled_rows"] == 0:
                st.info(
                    "Labels for this window have not arrived yet: no measured segment performance."
                )
            elif not columns:
                st.info("This system logs no `segment.*` columns.")
            else:
                if st.session_state.get("perf_segment") not in columns:
                    wanted_segment = st.query_params.get("segment", columns[0])
                    st.session_state["perf_segment"] = (
                        wanted_segment if wanted_segment in columns else columns[0]
                    )
                column = st.selectbox("Segment column", columns, key="perf_segment", width=240)
                st.query_params["segment"] = column
                gap_spec = ui.spec(key, system, "monitor.segment_gap")
                table = views.segment_table(data, window_id, metric, column, gap_spec)
                st.dataframe(
                    table.assign(
                        flagged=[
                            s.upper() if f else ""
                            for s, f in zip(table["status"], table["flagged"], strict=True)
                        ]
                    ).drop(columns="status"),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "value": st.column_config.NumberColumn(
                            views.METRIC_LABELS[metric], format="%.3f"
                        ),
                        "gap": st.column_config.NumberColumn("gap to overall", format="percent"),
                        "flagged": st.column_config.TextColumn(
                            f"gap (warn {gap_spec.warn:.0%}, critical {gap_spec.critical:.0%})"
                        ),
                    },
                )
                st.caption("Segments with fewer than 100 labelled rows are not measured.")
        path = str(data.windows.set_index("id").loc[window_id, "path"])
        with right:
            if row["labelled_rows"] == 0:
                st.info("No labels yet: nothing to compare predictions with.")
            elif data.task == "classification":
                confusion = ui.confusion(key, window_id, path)
                if confusion is None:
                    st.info("No stored confusion counts for this window.")
                else:
                    st.plotly_chart(ui.confusion_figure(confusion), width="stretch")
            else:
                cells = ui.residuals(key, window_id, path)
                if cells is None:
                    st.info("No stored residual counts for this window.")
                else:
                    st.plotly_chart(ui.residual_figure(cells), width="stretch")
if fairness_tab.open:
    with fairness_tab:
        fairness_ui.section(key, system, ui.window_picker(series), selection.days)
if value_tab.open:
    with value_tab:
        kpi_chart.section(key, system, series, metric)
        value_ui.section(key, system, selection.days)
if overlap_tab.open:
    with overlap_tab:
        st.subheader("Champion vs challenger on the same days")
        overlaps = views.overlapping_versions(series)
        if overlaps.empty:
            st.info("No two model versions served on the same day in this range, so there is no "
                    "like-for-like comparison to show.")  # fmt: skip
        else:
            st.caption("Days on which two versions both served traffic (rollouts and rollbacks).")
            st.plotly_chart(
                ui.overlap_figure(overlaps, metric), width="stretch", key="perf_overlap"
            )

with on_demand("Every window", "perf_every_window") as shown:  # sent when opened
    if shown:
        st.dataframe(
            series.drop(columns=["warn_bound", "critical_bound"]).sort_values(
                "window_start", ascending=False
            ),
            hide_index=True,
            width="stretch",
            column_config={"labelled_share": st.column_config.NumberColumn(format="percent")},
        )
