"""The Model performance page's business value section: realised and estimated value over time.

Loaders are keyed on (database, data version, system), like the page's
others. The unit comes from a file: Markdown shows it through ``md_text``,
the chart through ``plot_text``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health.value import SIGNAL, version_table
from app.production.read_value import system_values
from app.store.db import get_engine
from app.ui.charts import as_x
from app.ui.data import DataKey
from app.ui.performance import faded, spec, version_colour
from app.ui.text import md_text, plot_text
from app.ui.threshold_control import inline_threshold_editor


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def values(key: DataKey, system: str) -> tuple[pd.DataFrame, str]:
    return system_values(get_engine(key[0]), system)


def value_figure(frame: pd.DataFrame, unit: str) -> go.Figure:
    """Per version: value per prediction, realised (solid) and estimated (dotted, its band
    shaded), and the reference's value per prediction (dashed grey)."""
    fig = go.Figure()
    per_row = frame["rows"].where(frame["rows"] > 0)
    for version in sorted(frame["model_version"].unique().tolist()):
        rows = frame[frame["model_version"] == version]
        n = per_row[rows.index]
        x, colour = as_x(rows["window_start"]), version_colour(int(version))
        estimated = rows["estimated"] / n
        if estimated.notna().any():
            fig.add_trace(go.Scatter(x=x, y=(rows["upper"] / n).round(4).to_numpy(),
                                     mode="lines", line={"width": 0}, showlegend=False,
                                     hoverinfo="skip", legendgroup=f"v{version}"))  # fmt: skip
            fig.add_trace(go.Scatter(x=x, y=(rows["lower"] / n).round(4).to_numpy(),
                                     mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor=faded(colour), showlegend=False,
                                     hoverinfo="skip", legendgroup=f"v{version}"))  # fmt: skip
            fig.add_trace(go.Scatter(x=x, y=estimated.round(4).to_numpy(),
                                     name=f"v{version} estimated", mode="lines",
                                     line={"color": colour, "dash": "dot", "width": 1.4},
                                     legendgroup=f"v{version}"))  # fmt: skip
        realised = rows["realised"] / n
        if realised.notna().any():
            fig.add_trace(go.Scatter(x=x, y=realised.round(4).to_numpy(),
                                     name=f"v{version} realised", mode="lines+markers",
                                     marker={"size": 5}, line={"color": colour, "width": 1.6},
                                     legendgroup=f"v{version}"))  # fmt: skip
        reference = rows["reference_per_prediction"]
        if reference.notna().any():
            fig.add_trace(go.Scatter(x=x, y=reference.round(4).to_numpy(),
                                     name=f"v{version} reference", mode="lines",
                                     line={"color": "#6b7280", "dash": "dash", "width": 1},
                                     legendgroup=f"v{version}"))  # fmt: skip
    label = f"value per prediction ({plot_text(unit)})" if unit else "value per prediction"
    _clip_outliers(fig, frame, per_row)
    fig.update_layout(
        title={"text": "Business value per window", "font": {"size": 14}},
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.2},
        yaxis_title=label,
        xaxis_type="date",
    )
    return fig


def _clip_outliers(fig: go.Figure, frame: pd.DataFrame, per_row: pd.Series) -> None:
    """Keep the y axis to the bulk of the values (up to 1.3 x their 98th percentile): one
    over-confident estimate (a bad release's, ~30x its realised value) would flatten the rest.
    The values left above are named in an annotation."""
    realised, estimated = frame["realised"] / per_row, frame["estimated"] / per_row
    drawn = pd.concat([realised, estimated, frame["reference_per_prediction"]]).dropna()
    if drawn.empty:
        return
    low, high = min(float(drawn.min()), 0.0), float(drawn.quantile(0.98)) * 1.3
    above = frame[(estimated > high) | (realised > high)]
    if above.empty:
        return
    fig.update_yaxes(range=[low * 1.1, high])
    top = (above[["realised", "estimated"]].max(axis=1) / per_row[above.index]).sort_values()
    text = ", ".join(
        f"v{above.at[i, 'model_version']} {above.at[i, 'window_start']:%d %b} {value:.1f}"
        for i, value in top.iloc[::-1].head(3).items()
    )
    fig.add_annotation(
        x=1, y=1, xref="paper", yref="paper", xanchor="right", yanchor="top", showarrow=False,
        text=f"off the chart: {text}", font={"size": 11, "color": "#b91c1c"},
    )  # fmt: skip


def section(key: DataKey, system: str, days: int) -> None:
    """Value over time, each version's value ratio, and the ratio's threshold editor."""
    st.subheader("Business value")
    frame, unit = values(key, system)
    if frame.empty:
        st.info(
            "No business value: no model version of this system has a value matrix. A binary "
            "classifier's `models` row gives one with `value_tp`, `value_fp`, `value_fn`, "
            "`value_tn` (and `value_unit`)."
        )
        return
    if days:
        newest = frame["window_start"].max()
        frame = frame[frame["window_start"] > newest - pd.Timedelta(days=days)]
    bounds = spec(key, system, SIGNAL)
    st.plotly_chart(value_figure(frame, unit), width="stretch", key="value_trend")
    in_unit = f" in {md_text(unit)}" if unit else ""
    st.caption(
        f"Per window, the value matrix × the confusion counts, per prediction{in_unit}"
        ": solid once labels arrived, dotted before (CBPE's expected counts, "
        "shaded ±3 standard errors); dashed grey: the version's reference. The ratio of a "
        f"version to its reference warns below {bounds.warn:g} and is critical below "
        f"{bounds.critical:g}."
    )
    st.dataframe(
        version_table(frame),
        hide_index=True,
        width="stretch",
        key="value_versions",
        column_config={
            "predictions": st.column_config.NumberColumn(format="%d"),
            "per_prediction": st.column_config.NumberColumn("value / prediction", format="%.3f"),
            "reference": st.column_config.NumberColumn("reference / prediction", format="%.3f"),
            "ratio": st.column_config.NumberColumn("value ratio", format="percent"),
        },
    )
    inline_threshold_editor(system, [SIGNAL], key="value_thresholds")
