"""Data quality: are the model's inputs complete, in range and shaped as in training?"""

from __future__ import annotations

import streamlit as st

from app.production import stored as quality
from app.ui import data_quality as ui
from app.ui import drift as drift_ui
from app.ui.data import data_key
from app.ui.filters import current_selection
from app.ui.on_demand import on_demand
from app.ui.text import md_text
from app.ui.threshold_control import inline_threshold_editor

selection = current_selection()
key = data_key()
st.title("Data quality")

names = drift_ui.systems(key)
if not names:
    st.info(
        "**No production data yet.** Quality is checked per logged production window: "
        "`tandem seed` loads the samples, `tandem ingest production FILE --system NAME` your own.",
        icon=":material/inbox:",
    )
    st.stop()
if selection.system is not None and selection.system not in names:
    st.info(
        f"**{md_text(selection.system)}** logs no production data, so it has no data quality "
        "to show."
    )
    st.stop()
system = selection.system or st.selectbox("System", names, key="quality_system")

results = ui.results(key, system, selection.days, selection.since, selection.until)
if results.empty:
    st.info(f"No production window of **{md_text(system)}** in the selected time range.")
    st.stop()
trends = quality.window_trends(results)
bounds = ui.thresholds(key, system)

st.caption(
    f"{len(trends)} daily windows of {md_text(system)}, each checked against its model version's "
    "training data. Dashed lines: the warn and critical thresholds of the Data health signals "
    "(editors change them under 'Thresholds on these charts')."
)
a, b, c, d = st.columns(4)
for column, check, label in (
    (a, "missing_share", "Worst missing share"),
    (b, "out_of_range_share", "Worst out-of-range share"),
):
    found = quality.worst(results, check)
    column.metric(
        label,
        "—" if found is None else f"{found[0]:.1%}",
        None if found is None else f"{md_text(found[2])} on {found[1]:%Y-%m-%d}",
        delta_color="off",
        delta_arrow="off",
        help=f"warn at {bounds[check][0]:.0%}, critical at {bounds[check][1]:.0%}",
    )
schema_changed = int((trends[list(quality.COUNT_CHECKS)].fillna(0) > 0).any(axis=1).sum())
c.metric("Windows with schema changes", schema_changed)
d.metric("Windows with new categories", int((trends["new_category_share"].fillna(0) > 0).sum()))

st.subheader("Trends over windows")
checks = st.multiselect(
    "Checks",
    list(quality.WINDOW_CHECKS),
    default=["missing_share", "out_of_range_share"],
    format_func=quality.WINDOW_CHECKS.get,
    key="quality_checks",
)
st.plotly_chart(ui.trend_figure(trends, checks, bounds), width="stretch")
if schema_changed:
    schema = ui.trend_figure(
        trends, list(quality.COUNT_CHECKS), bounds, share=False, title="Schema changes per window"
    )
    st.plotly_chart(schema, width="stretch")
else:  # a chart of zeros says no more than this line, and costs a first visit a Plotly chart
    warn, critical = bounds["schema_violations"]
    st.caption(
        f"**Schema changes per window:** none in these {len(trends)} windows (no schema "
        f"violation, added or removed column; violations warn above {warn:g}, critical above "
        f"{critical:g})."
    )
with on_demand("Thresholds on these charts", "dq_thresholds_open", icon=":material/tune:") as open_:
    if open_:
        inline_threshold_editor(system, list(quality.SIGNAL_OF_CHECK.values()), key="dq_threshold")

st.subheader("Per column")
present = set(results.loc[results["column"] != "", "check"])
check = st.selectbox(
    "Check",
    [c for c in quality.COLUMN_CHECKS if c in present],
    format_func=quality.COLUMN_CHECKS.get,
    key="quality_check",
)
matrix = quality.column_matrix(results, check)
st.plotly_chart(ui.column_heatmap(matrix, check), width="stretch")

with on_demand("Every check of every window", "dq_every_window") as open_:
    if open_:  # drawn when opened: a grid nobody opened still cost every first visit
        st.dataframe(
            trends.reset_index().sort_values("window_start", ascending=False),
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(format="percent") for c in quality.WINDOW_CHECKS
            },
        )
