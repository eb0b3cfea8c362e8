"""The Drift page's multivariate section: both detectors over time, and which drift matters.

Everything drawn here was computed at ingest (:mod:`app.production.multivariate`)
and is read from the store (:mod:`app.production.read_multivariate`); no
scikit-learn on this path. Loaders are keyed on (database, data version,
selection), as the rest of the page's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health.thresholds import ThresholdSpec
from app.production import read_multivariate as views
from app.production.multivariate import DOMAIN_CLASSIFIER, PCA
from app.store.db import get_engine
from app.ui import charts
from app.ui.data import DataKey
from app.ui.text import md_text
from app.ui.threshold_control import inline_threshold_editor
from app.ui.threshold_editor import thresholds_at_cached

SIGNAL = "monitor.multivariate_drift"
ALERT_COLOUR, LINE_COLOUR, BAND_COLOUR = "#b91c1c", "#2f6fdd", "rgba(47,111,221,0.12)"


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def series(key: DataKey, system: str, days: int) -> pd.DataFrame:
    """Both detectors per window in the last ``days`` (0: all) before the newest window."""
    frame = views.multivariate_series(get_engine(key[0]), system, None)
    if days and len(frame):
        frame = frame[frame["window_start"] > frame["window_start"].max() - pd.Timedelta(days=days)]
    starts = pd.to_datetime(frame["window_start"], utc=True).dt.tz_localize(None)
    return frame.assign(window_start=starts).reset_index(drop=True)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def importances(key: DataKey, reference_id: int) -> pd.DataFrame:
    return views.importances(get_engine(key[0]), reference_id)


LOG_SPREAD = 20.0  # max / min of the errors above which the axis is logarithmic


def pca_figure(frame: pd.DataFrame) -> go.Figure:
    """Mean reconstruction error per window, the reference band shaded, alerts in red."""
    pca = frame[frame["method"] == PCA]
    x = pca["window_start"].to_numpy()
    lower, upper = pca["lower"].to_numpy(dtype=float), pca["upper"].to_numpy(dtype=float)
    alert = pca["alert"].to_numpy(dtype=bool)
    value = pca["value"].to_numpy(dtype=float)
    traces: list[dict[str, object]] = [
        {"type": "scatter", "x": x, "y": upper, "mode": "lines", "line": {"width": 0},
         "hoverinfo": "skip", "showlegend": False},
        {"type": "scatter", "x": x, "y": lower, "mode": "lines", "line": {"width": 0},
         "fill": "tonexty", "fillcolor": BAND_COLOUR, "name": "reference band (mean ± 3 std)",
         "hoverinfo": "skip"},
        {"type": "scatter", "x": x, "y": value, "mode": "lines+markers", "name": "error",
         "line": {"color": LINE_COLOUR, "width": 1.5}, "marker": {"size": 5},
         "hovertemplate": "%{x|%Y-%m-%d}: %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": x[alert], "y": value[alert], "mode": "markers",
         "name": "outside the band", "marker": {"color": ALERT_COLOUR, "size": 9},
         "hoverinfo": "skip"},
    ]  # fmt: skip
    fig = _figure(traces, "PCA reconstruction error", "mean error")
    if _spans_orders_of_magnitude(value):
        # One burst (fraud-scoring's: 200 against a band near 1) would flatten the band and
        # every other alert onto the axis; on a log axis both stay readable. The band's
        # lower edge (mean - 3 std, often below 0) is cut at half the smallest value.
        floor = float(np.nanmin(value[value > 0])) / 2
        fig.data[1].y = np.maximum(lower, floor)
        fig.update_layout(yaxis={"type": "log", "title": {"text": "mean error (log scale)"}})
    return fig


def _spans_orders_of_magnitude(value: np.ndarray) -> bool:
    positive = value[np.isfinite(value) & (value > 0)]
    return len(positive) > 1 and float(positive.max() / positive.min()) > LOG_SPREAD


def domain_classifier_figure(frame: pd.DataFrame, spec: ThresholdSpec) -> go.Figure:
    """Domain classifier AUC per window with the signal's warn/critical lines."""
    dc = frame[frame["method"] == DOMAIN_CLASSIFIER]
    x = dc["window_start"].to_numpy()
    value = dc["value"].to_numpy(dtype=float)
    past = value > spec.warn
    traces: list[dict[str, object]] = [
        {"type": "scatter", "x": x, "y": value, "mode": "lines+markers", "name": "ROC AUC",
         "line": {"color": LINE_COLOUR, "width": 1.5}, "marker": {"size": 5},
         "hovertemplate": "%{x|%Y-%m-%d}: AUC %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": x[past], "y": value[past], "mode": "markers",
         "name": "past warn", "marker": {"color": ALERT_COLOUR, "size": 9}, "hoverinfo": "skip"},
    ]  # fmt: skip
    fig = _figure(traces, f"Domain classifier ROC AUC ({SIGNAL})", "ROC AUC")
    fig.update_layout(yaxis={"range": [0.4, 1.0]})
    charts.add_threshold(fig, spec, 1, 1.0)
    return fig


def _figure(traces: list[dict[str, object]], title: str, y_title: str) -> go.Figure:
    layout = {
        "title": {"text": title, "font": {"size": 14}},
        "height": 280,
        "margin": {"l": 10, "r": 10, "t": 36, "b": 10},
        "yaxis": {"title": {"text": y_title}},
        "legend": {"orientation": "h", "y": -0.2},
    }
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def multivariate_section(key: DataKey, system: str, days: int) -> None:
    """Both detectors over time, and (editors) the signal's inline threshold editor."""
    st.subheader("Multivariate drift over time")
    frame = series(key, system, days)
    if frame.empty:
        st.info(
            "No multivariate drift stored in this range: it is measured at ingest for windows "
            "of at least 10 rows whose training data has at least 100."
        )
        return
    spec = thresholds_at_cached(key, system)[SIGNAL]
    left, right = st.columns(2)
    left.plotly_chart(pca_figure(frame), width="stretch", key="multivariate_pca_chart")
    right.plotly_chart(
        domain_classifier_figure(frame, spec), width="stretch", key="multivariate_dc_chart"
    )
    alerts = frame[frame["alert"]].groupby("method").size().to_dict()
    st.caption(
        "Features taken together, against each version's training data (NannyML's two "
        "detectors): PCA reconstruction error outside the band of the training data's chunks, "
        f"and a classifier telling the window's rows from training rows (0.5 = indistinguishable). "
        f"Alerts in range: PCA {alerts.get(PCA, 0)}, domain classifier "
        f"{alerts.get(DOMAIN_CLASSIFIER, 0)}. The lines are {md_text(system)}'s `{SIGNAL}` "
        "bounds, as `tandem check` uses them."
    )
    inline_threshold_editor(system, (SIGNAL,), key=f"multivariate_inline_{system}")


def importance_section(key: DataKey, columns: pd.DataFrame, reference_id: int) -> None:
    """The selected window's drifted features, ranked by importance × drift strength."""
    st.subheader("Which drift matters")
    importance = importances(key, reference_id)
    if importance.empty:
        st.info("No feature importance stored for this reference (it is measured at ingest).")
        return
    ranked = views.rank_drifted(columns, importance)
    if ranked.empty:
        st.caption("No drifted feature in this window.")
    else:
        st.dataframe(
            ranked.assign(relative=np.minimum(ranked["relative"], views.RELATIVE_CAP)),
            hide_index=True,
            width="stretch",
            column_config={
                "feature": st.column_config.TextColumn("feature"),
                "importance": st.column_config.NumberColumn(
                    "importance", format="%.4f", help="permutation importance"
                ),
                "share": st.column_config.ProgressColumn(
                    "importance share", format="percent", min_value=0.0, max_value=1.0
                ),
                "relative": st.column_config.NumberColumn("drift (x threshold)", format="%.2f"),
                "impact": st.column_config.NumberColumn("impact", format="%.3f"),
            },
        )
    st.caption(
        "Importance: how much a surrogate of this version's predictions loses when the feature "
        "is shuffled (permutation importance on its training data). Impact = importance share "
        f"× drift relative to its threshold (capped at {views.RELATIVE_CAP:g})."
    )
