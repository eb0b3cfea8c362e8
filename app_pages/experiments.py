"""Experiments: every training run in a fast table; pick runs to overlay and compare."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app.experiments.filters import parse_condition
from app.experiments.table import KEY_METRICS
from app.ui import experiments as ui
from app.ui.cost_view import render_version_costs
from app.ui.filters import current_selection
from app.ui.text import md_text

PAGE_SIZE = 50
SORT_LABELS = {"started_at": "Start time", "experiment": "Experiment", "status": "Status"}
SECTIONS = ["Metric histories", "Compare", "Overfitting check"]

selection = current_selection()
st.title("Experiments")

base = ui.base_query(selection)
options = ui.options(base) if base is not None else None
if base is None or options is None or options.total == 0:
    st.info(
        "**No training runs in this range.** Import them from MLflow with "
        "`tandem import-mlflow --tracking-uri URI`, load a runs file with "
        "`tandem ingest runs runs.csv --system NAME`, or widen the time range.",
        icon=":material/inbox:",
    )
    st.code("tandem import-mlflow --tracking-uri sqlite:///mlflow.db --system fraud-scoring")
    st.stop()

st.caption(
    f"Runs started {base.since:%d %b %Y} – {base.until:%d %b %Y} UTC"
    f"{' in ' + md_text(selection.system) if selection.system else ' in every system'}. "
    "Filter and sort the table, then pick runs below to overlay their histories and compare them."
)

left, middle, right, condition_col = st.columns([3, 2, 2, 3])
chosen_experiments = left.multiselect("Experiment", options.experiments, key="exp_experiments")
statuses = middle.multiselect("Status", options.statuses, key="exp_statuses")
triggers = right.multiselect("Trigger", options.triggers, key="exp_triggers")
condition_text = condition_col.text_input(
    "Metric condition",
    key="exp_condition",
    placeholder="test_auc > 0.9",
    help="A final metric compared with a number: >, >=, <, <=, == or !=.",
)
try:
    condition = parse_condition(condition_text)
except ValueError as error:
    st.error(f"Metric condition ignored: {md_text(error)}")
    condition = None
query = replace(
    base,
    experiments=tuple(chosen_experiments),
    statuses=tuple(statuses),
    triggers=tuple(triggers),
    condition=condition,
)

key_metrics = list(options.metrics[:KEY_METRICS])
sorts = [*SORT_LABELS, *(f"metric:{m}" for m in options.metrics)]
sort_col, order_col, page_col = st.columns([3, 2, 2])
sort = sort_col.selectbox(
    "Sort by",
    sorts,
    format_func=lambda s: SORT_LABELS.get(s, s.removeprefix("metric:")),
    key="exp_sort",
)
descending = order_col.toggle("Highest / newest first", value=True, key="exp_desc")
if sort.startswith("metric:") and sort[7:] not in key_metrics:
    key_metrics.append(sort[7:])
page_number = page_col.number_input("Page", min_value=1, value=1, step=1, key="exp_page")
page = ui.runs_page(query, key_metrics, sort, descending, int(page_number), PAGE_SIZE)

st.subheader(f"Runs ({page.total} matching, page {page.page} of {page.pages})")
st.dataframe(
    page.rows, hide_index=True, width="stretch", column_config=ui.runs_columns(key_metrics)
)
if page.rows.empty:
    st.info("No run matches these filters.")
render_version_costs(selection.system)
if page.rows.empty:
    st.stop()

run_ids = page.rows["run_id"].tolist()
run_names = {
    r: f"{name} · {e}"
    for r, name, e in zip(run_ids, page.rows["run"], page.rows["experiment"], strict=True)
}
finished = page.rows.loc[page.rows["status"] == "FINISHED", "run_id"].tolist()
picked = st.multiselect(
    "Runs to compare",
    run_ids,
    default=(finished or run_ids)[:3],
    format_func=run_names.__getitem__,
    key="exp_picked",
    help="Runs from the table's current page.",
)
if not picked:
    st.info("Pick one or more runs to see their metric histories and compare them.")
    st.stop()

# One view of the picked runs at a time: only the open tab is computed and sent (a first
# visit drew a chart and three grids, issue 15 item 7).
histories_tab, compare_tab, overfit_tab = st.tabs(
    SECTIONS, key="exp_section", on_change="rerun"
)  # fmt: skip
if histories_tab.open:
    with histories_tab:
        history_keys = ui.history_keys(picked)
        if history_keys:
            metric_col, axis_col = st.columns([3, 2])
            metric = metric_col.selectbox("Metric", history_keys, key="exp_history_metric")
            axis = axis_col.radio(
                "x axis", ["step", "timestamp"], horizontal=True, key="exp_axis",
                format_func=lambda a: "Step" if a == "step" else "Wall-clock time",
            )  # fmt: skip
            st.plotly_chart(ui.history_figure(picked, metric, axis), width="stretch")
            st.caption(
                "Long histories are reduced to each bucket's minimum and maximum, so spikes and "
                "the last point are always drawn."
            )
        else:
            st.caption("These runs logged no metric history (only final values).")

if compare_tab.open:
    with compare_tab:
        diff_only = st.toggle("Differences only", value=True, key="exp_diff_only")
        table = ui.comparison(picked, diff_only)
        if table.empty:
            st.info("These runs do not differ in any param, tag, metric or attribute.")
        else:
            st.dataframe(
                ui.comparison_styler(picked, diff_only),
                hide_index=True,
                width="stretch",
                height=min(35 * (len(table) + 1) + 3, 900),
                column_config={"section": "Kind", "name": "Name"},
            )
            st.caption("Green: the best value of each metric (lowest for losses and errors).")

if overfit_tab.open:
    with overfit_tab:
        checks = ui.overfit(picked)
        st.dataframe(
            ui.overfit_styler(checks),
            hide_index=True,
            width="stretch",
            column_config=ui.OVERFIT_COLUMNS,
        )
        if not checks.empty:
            st.caption(
                "Gap = (train − test) / train (inverted for error metrics): positive means the "
                "model does better on training data. Warn above "
                f"{checks['warn'].iloc[0]:.0%}, critical above {checks['critical'].iloc[0]:.0%} "
                "(the `train.overfit_gap` threshold)."
            )
