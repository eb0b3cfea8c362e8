"""Lineage: from data to training run to model version to deployment, and what changed."""

from __future__ import annotations

import streamlit as st

from app.ui import lineage as ui
from app.ui.filters import current_selection
from app.ui.text import md_text

selection = current_selection()
st.title("Lineage")

graph = ui.graph(selection.system)
models = [n for n in graph.nodes if n.kind == "model"]
if not models:
    st.info(
        "**No registered model versions yet.** Import them from MLflow with "
        "`tandem import-mlflow --tracking-uri URI`, or load a models file with "
        "`tandem ingest models models.csv`.",
        icon=":material/inbox:",
    )
    st.code("tandem import-mlflow --tracking-uri sqlite:///mlflow.db --system fraud-scoring")
    st.stop()

scope = md_text(selection.system) if selection.system else "every system"
st.caption(
    "Every registered model version with the run that trained it, that run's data, the "
    "model's deployments and the incidents linked to them (all time, "
    f"{scope}). The champion wears a gold ring; hover a node "
    "for its details."
)

labels = {
    n.id: f"{n.kind}: {n.label}" + (f" · {n.system}" if n.system else "") for n in graph.nodes
}
rolled_back = [n for n in graph.nodes if n.status == "rolled_back"]
if rolled_back:
    st.warning(
        "Rolled back: "
        + "; ".join(
            f"{md_text(n.system)} model v{n.meta['model version']} "
            f"({md_text(n.meta['environment'])}, "
            f"{n.meta['deployed']:%d %b %Y})"
            for n in rolled_back
        ),
        icon=":material/undo:",
    )
node_ids = list(labels)
default = next((n.id for n in models if n.champion), models[0].id)
picked = st.selectbox(
    "Node details",
    node_ids,
    index=node_ids.index(default),
    format_func=labels.get,
    key="lin_node",
    help="Pick a dataset, run, model version, deployment or incident to see its metadata.",
)
chart, details = st.columns([3, 1])
chart.plotly_chart(ui.figure(graph, picked), width="stretch")
with details:
    st.markdown(f"**{md_text(labels[picked])}**")
    st.dataframe(ui.metadata_table(graph.node(picked)), hide_index=True, width="stretch")

st.subheader("Version diff")
model_names = sorted({(n.system, n.meta["model"]) for n in models})
name_col, a_col, b_col, toggle_col = st.columns([3, 2, 2, 2])
system, model = name_col.selectbox(
    "Model", model_names, format_func=lambda sm: f"{sm[1]} ({sm[0]})", key="lin_model"
)
versions = sorted(
    n.meta["version"] for n in models if (n.system, n.meta["model"]) == (system, model)
)
champion = next(
    (n.meta["version"] for n in models if n.champion and n.meta["model"] == model), versions[-1]
)
newer = [v for v in versions if v > champion]
other = newer[0] if newer else ([v for v in versions if v < champion] or [champion])[-1]
first = a_col.selectbox(
    "Version A",
    versions,
    index=versions.index(champion),
    key="lin_a",
    format_func=lambda v: f"v{v}" + (" (champion)" if v == champion else ""),
)
second = b_col.selectbox(
    "Version B",
    versions,
    index=versions.index(other),
    key="lin_b",
    format_func=lambda v: f"v{v}" + (" (champion)" if v == champion else ""),
)
diff_only = toggle_col.toggle("Differences only", value=True, key="lin_diff_only")
if first == second:
    st.info("Pick two different versions to compare.")
    st.stop()
table = ui.version_diff(system, model, [first, second], diff_only)
if table.empty:
    st.info("These versions do not differ in anything Tandem knows about them.")
else:
    st.dataframe(
        ui.diff_display(table),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(table) + 1) + 3, 900),
        column_config={"aspect": "What"},
    )
    st.caption(
        "Production rows come from the version's own production windows: the mean share of "
        "drifted columns per window, and the mean live value of its validation metric over "
        "windows with labels."
    )
