"""The Model performance page's fairness section: the gap over time and one window's groups.

Loaders are keyed on (database, data version, system or window), like the
page's others. Group and attribute names come from files: tables show them in
``st.dataframe`` (which interprets nothing), the chart through ``plot_text``
and Markdown through ``md_text``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health.fairness import SIGNAL, retraining_notes, version_gaps
from app.health.thresholds import ThresholdSpec
from app.production.fairness import MIN_GROUP_ROWS
from app.production.read_fairness import system_fairness_gaps, window_groups
from app.store.db import get_engine
from app.ui.charts import add_threshold, as_x
from app.ui.data import DataKey
from app.ui.performance import spec, version_colour
from app.ui.text import md_text, plot_text
from app.ui.threshold_control import inline_threshold_editor

GROUP_COLUMNS = {
    "rows": st.column_config.NumberColumn("labelled rows"),
    "selection_rate": st.column_config.NumberColumn("selection rate", format="percent"),
    "true_positive_rate": st.column_config.NumberColumn("TPR", format="percent"),
    "false_positive_rate": st.column_config.NumberColumn("FPR", format="percent"),
    "mae": st.column_config.NumberColumn("MAE", format="%.3f"),
}
ATTRIBUTE_COLUMNS = {
    "demographic_parity_difference": st.column_config.NumberColumn(
        "demographic parity difference", format="%.3f"
    ),
    "demographic_parity_ratio": st.column_config.NumberColumn(
        "demographic parity ratio", format="%.3f"
    ),
    "equalized_odds_difference": st.column_config.NumberColumn(
        "equalized odds difference", format="%.3f"
    ),
    "mae_gap": st.column_config.NumberColumn("MAE gap", format="%.3f"),
    "relative_mae_gap": st.column_config.NumberColumn("relative MAE gap", format="percent"),
    "groups_left_out": st.column_config.NumberColumn("groups left out", format="%d"),
}


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def gaps(key: DataKey, system: str) -> pd.DataFrame:
    return system_fairness_gaps(get_engine(key[0]), system)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def groups(key: DataKey, window_id: int) -> pd.DataFrame:
    return window_groups(get_engine(key[0]), window_id)


def gap_figure(frame: pd.DataFrame, bounds: ThresholdSpec) -> go.Figure:
    """The gap per window, a line per version, the bounds, and a marked line per version change."""
    fig = go.Figure()
    for version in sorted(frame["model_version"].unique().tolist()):
        rows = frame[frame["model_version"] == version]
        fig.add_trace(
            go.Scatter(
                x=as_x(rows["window_start"]),
                y=rows["gap"].round(4).to_numpy(),
                name=f"v{version}",
                mode="lines+markers",
                marker={"size": 5},
                line={"width": 1.4, "color": version_colour(int(version))},
                customdata=[plot_text(a) for a in rows["attribute"]],
                hovertemplate="%{y:.3f} (%{customdata})",
            )
        )
    y_max = float(frame["gap"].max()) if len(frame) else bounds.critical
    add_threshold(fig, bounds, 1.0, y_max)
    changes = version_gaps(frame).iloc[1:]
    for since, version in zip(changes["since"], changes["model_version"], strict=True):
        x, colour = as_x(pd.Series([since]))[0], version_colour(int(version))
        fig.add_shape(
            type="line", x0=x, x1=x, xref="x", yref="paper", y0=0, y1=1,
            line={"color": colour, "width": 1, "dash": "dot"},
        )  # fmt: skip
        fig.add_annotation(
            x=x, y=1, xref="x", yref="paper", text=f"v{version}", showarrow=False,
            yanchor="bottom", font={"size": 10, "color": colour},
        )  # fmt: skip
    fig.update_layout(
        title={"text": "Fairness gap per window", "font": {"size": 14}},
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.2},
        yaxis_title="gap",
        xaxis_type="date",
    )
    return fig


def section(key: DataKey, system: str, window_id: int, days: int) -> None:
    """Gap over time with its bounds, what each retrain did, the chosen window's groups."""
    st.subheader("Fairness across groups")
    frame = gaps(key, system)
    if frame.empty:
        st.info(
            "No fairness figures: this system's production files declare no `sensitive.<name>` "
            "column (a group per row, e.g. an age band), or no window has two groups with "
            f"{MIN_GROUP_ROWS} labelled rows."
        )
        return
    if days and len(frame):
        newest = frame["window_start"].max()
        frame = frame[frame["window_start"] > newest - pd.Timedelta(days=days)]
    bounds = spec(key, system, SIGNAL)
    st.plotly_chart(gap_figure(frame, bounds), width="stretch", key="fairness_trend")
    st.caption(
        "Per window, the largest gap over the sensitive columns: Fairlearn's equalized odds "
        "difference for classifiers (the larger of the TPR and FPR differences between groups), "
        f"the relative MAE gap for regressors. Dashed: warn {bounds.warn:g} and critical "
        f"{bounds.critical:g}; dotted: a new model version starts serving."
    )
    for note in retraining_notes(version_gaps(frame), bounds.warn):
        st.markdown(f"**Retraining:** {md_text(note)}")
    inline_threshold_editor(system, [SIGNAL], key="fairness_thresholds")
    table = groups(key, window_id)
    if table.empty:
        st.info("The chosen window has no fairness figures (no labels yet, or no groups).")
        return
    per_group = table[table["group"] != ""].dropna(axis="columns", how="all")
    whole = table[table["group"] == ""].drop(columns=["group", "rows"])
    st.dataframe(
        per_group, hide_index=True, width="stretch", column_config=GROUP_COLUMNS, key="fair_groups"
    )
    st.dataframe(
        whole.dropna(axis="columns", how="all"),
        hide_index=True,
        width="stretch",
        column_config=ATTRIBUTE_COLUMNS,
        key="fair_attributes",
    )
    st.caption(
        f"The chosen window, per sensitive column and group. Groups with fewer than "
        f"{MIN_GROUP_ROWS} labelled rows are left out (counted in the second table)."
    )
