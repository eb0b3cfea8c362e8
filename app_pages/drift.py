"""Drift: does production data still look like the data the model was trained on?"""

from __future__ import annotations

import streamlit as st

from app.drift import apply_family_thresholds
from app.production import read_drift as views
from app.production.read import PREDICTION
from app.ui import drift as ui
from app.ui import multivariate as multi
from app.ui.data import data_key
from app.ui.filters import current_selection, query_int
from app.ui.on_demand import on_demand
from app.ui.text import from_plot_text, md_text

MULTIVARIATE_KEY = "drift_multivariate"

selection = current_selection()
key = data_key()
st.title("Drift")

names = ui.systems(key)
if not names:
    st.info(
        "**No production data yet.** Drift compares logged production windows with the model's "
        "training data: `tandem seed` loads the samples, `tandem ingest production FILE "
        "--system NAME [--reference]` your own.",
        icon=":material/inbox:",
    )
    st.stop()
if selection.system is not None and selection.system not in names:
    st.info(f"**{md_text(selection.system)}** logs no production data, so it has no drift to show.")
    st.stop()
system = selection.system or st.selectbox("System", names, key="drift_system")

frame = ui.windows(key, system)
production = frame[~frame["is_reference"]]
versions = sorted(int(v) for v in production["model_version"].unique())
if not versions:
    st.info(f"**{md_text(system)}** has training data but no production window yet.")
    st.stop()
champion = ui.champion(key, system)

# A click on the heatmap picks that window and feature (applied once, before the widgets).
clicked = st.session_state.get("drift_heatmap")
points = clicked.selection.points if clicked else []
if points and (points[0].get("x"), points[0].get("y")) != st.session_state.get("drift_applied"):
    st.session_state["drift_applied"] = (points[0].get("x"), points[0].get("y"))
    labels = {views.window_label(r): r for _, r in production.iterrows()}
    if points[0].get("x") in labels:
        picked = labels[points[0]["x"]]
        st.session_state["drift_version"] = int(picked["model_version"])
        st.session_state["drift_window"] = int(picked["id"])
        st.session_state["drift_feature"] = from_plot_text(str(points[0]["y"]))

if st.session_state.get("drift_version") not in versions:
    wanted = query_int("version")
    if wanted not in versions:
        wanted = champion if champion in versions else versions[-1]
    st.session_state["drift_version"] = wanted
left, middle, right = st.columns(3)
version = left.selectbox(
    "Model version",
    versions,
    format_func=lambda v: f"v{v}" + (" (champion)" if v == champion else ""),
    key="drift_version",
)
of_version = production[production["model_version"] == version].set_index("id", drop=False)
ids = list(of_version["id"])
if st.session_state.get("drift_window") not in ids:
    wanted_window = query_int("window")
    st.session_state["drift_window"] = wanted_window if wanted_window in ids else ids[-1]
window_id = right.selectbox(
    "Current window",
    ids,
    format_func=lambda i: (
        f"{of_version.loc[i, 'window_start']:%Y-%m-%d} ({of_version.loc[i, 'rows']} rows)"
    ),
    key="drift_window",
)
choices = dict(views.reference_choices(frame, version, window_id))
if not choices:
    st.info(
        f"v{version} has no training data logged (nor does an older version): nothing to compare."
    )
    st.stop()
reference_id = middle.selectbox(
    "Reference", list(choices), format_func=choices.get, key=f"drift_reference_v{version}"
)
ref_path = str(frame.set_index("id").loc[reference_id, "path"])
cur_path = str(of_version.loc[window_id, "path"])
thresholds = ui.threshold_controls()
st.query_params.update(version=str(version), window=str(window_id))

pair = ui.pair(key, system, window_id, reference_id)
columns = apply_family_thresholds(pair.columns, thresholds).sort_values("relative", ascending=False)
evidently_drifted, share, n_drifted, n_features = views.verdict(columns)
status, spec = ui.drift_share_status(key, system, n_drifted, n_features)
prediction = columns[columns["column"] == PREDICTION]
a, b, c, d = st.columns(4)
a.metric(
    "Drift share status",
    status.upper(),
    help=f"{md_text(system)}'s `monitor.drift_share` bounds (warn above {spec.warn:.0%}, "
    f"critical above {spec.critical:.0%}): the verdict the Overview, `tandem check` and the "
    "alerts give for the same window.",
)
b.metric(
    "Drifted features",
    f"{n_drifted} of {n_features}",
    f"{share:.0%} of features",
    delta_color="off",
    delta_arrow="off",
)
c.metric(
    "Evidently's dataset drift",
    "DRIFTED" if evidently_drifted else "No drift",
    help="Evidently's own rule (its DataDriftPreset): drifted when at least 50% of the "
    "features drifted. Tandem's status uses the stored bounds instead.",
)
if len(prediction):
    p = prediction.iloc[0]
    verdict_word = "DRIFTED" if p["drifted"] else "No drift"
    d.metric(
        "Prediction drift",
        verdict_word,
        f"{p['method']} {p['score']:.3g} (threshold {p['threshold']:.3g})",
        delta_color="off",
        delta_arrow="off",
    )
if not pair.measured:
    st.info(
        "**This pair is not measured.** Ingest measures each window against its training data; "
        "another pair is computed from the two windows' rows, and one of them is in the lake, "
        "not in Tandem's data dir. Pick the training data as reference to see stored drift.",
        icon=":material/cloud:",
    )
elif not pair.stored:
    st.caption(
        "Computed now from the two windows' local rows (ingest stores drift against training "
        "data only; lake windows offer no other pair)."
    )

table, chart = st.columns([5, 6])
shown = columns.assign(status=columns["drifted"].map({True: "DRIFTED", False: "ok"}))
table.dataframe(
    shown[["column", "status", "method", "score", "threshold", "kind"]],
    hide_index=True,
    width="stretch",
    column_config={
        "score": st.column_config.NumberColumn(format="%.4g"),
        "status": st.column_config.TextColumn(width="small"),
        "column": st.column_config.TextColumn("feature"),
    },
)
features = list(columns["column"])
if st.session_state.get("drift_feature") not in features:
    wanted_feature = st.query_params.get("feature", features[0] if features else None)
    st.session_state["drift_feature"] = wanted_feature if wanted_feature in features else None
if features:
    feature = chart.selectbox("Feature", features, key="drift_feature")
    st.query_params["feature"] = feature
    row = columns.set_index("column").loc[feature]
    shares = ui.distribution(
        key, (reference_id, ref_path), (window_id, cur_path), feature, row["kind"]
    )
    if shares is None:
        chart.info("No stored distribution of this feature for this pair.")
    else:
        chart.plotly_chart(ui.distribution_figure(shares, row["kind"], feature), width="stretch")
        chart.caption(
            "Stored counts: numbers in 30 bins over the training data's range (values outside "
            "it in one bar each side), categories as counted (beyond the 50 most frequent: "
            "one 'other' bar); shares of each side's non-missing values."
        )

multi.importance_section(key, columns, reference_id)

st.subheader("Drift over time")
history = apply_family_thresholds(ui.matrix(key, system, selection.days), thresholds)
if history.empty:
    st.info("No stored drift in this range: windows are compared with training data at ingest.")
else:
    ui.dataset_drift_signal(key, system, selection.days)
    days = f"of the last {selection.days} days " if selection.days else ""
    st.caption(
        f"Every daily window {days}"
        "against its model version's training data; colour = score relative to threshold "
        "(1 = at the threshold; outlined = drifted). Click a square to open it above."
    )
    current_label = views.window_label(of_version.loc[window_id])
    selected = (current_label, st.session_state.get("drift_feature"))
    st.plotly_chart(
        ui.heatmap_figure(views.heatmap_cells(history), selected),
        on_select="rerun",
        selection_mode="points",
        key="drift_heatmap",
        width="stretch",
    )

# Multivariate drift is drawn when its expander is opened (issue 15 item 7). Not a stateful
# tab: with the charts above inside one, a first visit reached idle later in two of three
# alternating runs (benchmarks/RESULTS.md, fifth pass).
with on_demand("Multivariate drift over time", MULTIVARIATE_KEY) as shown:
    if shown:
        multi.multivariate_section(key, system, selection.days)

with st.expander("Evidently's full report for this selection"):
    wanted_pair = (reference_id, window_id)
    if not ui.rows_are_readable(ref_path, cur_path):
        st.info(
            "Evidently's report reads rows, and this pair's rows are no longer in Tandem's data "
            "dir, so it is not offered here. Everything above is drawn from the counts stored "
            "at ingest."
        )
    else:
        if not ui.rows_are_local(ref_path, cur_path):
            st.caption(
                "This pair's rows stay in the lake: the report runs on a uniform sample of at "
                f"most {ui.HTML_SAMPLE_ROWS:,} rows per side, read from the lake's files when "
                "you ask for it. Everything above is drawn from the counts stored at ingest."
            )
        if st.button("Render Evidently report", key="drift_render"):
            st.session_state["drift_report_for"] = wanted_pair
    if st.session_state.get("drift_report_for") == wanted_pair:
        html, notes = ui.report_html(key, (reference_id, ref_path), (window_id, cur_path))
        st.caption("Rows in this report: " + "; ".join(notes) + ".")
        st.iframe(html, height=900)
        st.download_button("Download HTML", html, file_name="drift-report.html", mime="text/html")
