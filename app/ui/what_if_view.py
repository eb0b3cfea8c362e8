"""What-if preview for pending threshold edits: counts and a chart with both bounds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.health.catalog import SIGNALS_BY_KEY
from app.health.thresholds import ThresholdSpec
from app.health.what_if import REPLAYABLE, Replay, replay, signal_series
from app.health.window import Window, default_window
from app.store.db import get_engine, session_scope
from app.ui.data import DataKey, data_key
from app.ui.filters import Selection
from app.ui.text import md_text, plot_text
from app.ui.threshold_editor import Edit, scope_label, thresholds_at_cached

OLD_STYLE, NEW_STYLE = "dot", "solid"
COLOURS = {"warn": "#b26a00", "critical": "#c62828"}


def replay_window(selection: Selection, system: str) -> Window | None:
    """The sidebar's range for ``system`` (ending at its newest data), None without data."""
    if selection.is_custom:
        return Window(selection.since, selection.until)  # type: ignore[arg-type]
    with session_scope(get_engine(data_key()[0])) as session:
        window = default_window(session, [system])
    if window is None:
        return None
    return Window(window.until - timedelta(days=selection.days), window.until)


@st.cache_data(ttl=600, max_entries=64, show_spinner="Replaying stored values...")
def _replay(
    key: DataKey,
    system: str,
    signal: str,
    since: datetime,
    until: datetime,
    old: tuple[float, float],
    new: tuple[float, float],
) -> Replay | None:
    series = signal_series(get_engine(key[0]), system, signal, Window(since, until))
    if series is None:
        return None
    direction = SIGNALS_BY_KEY[signal].direction
    unit = SIGNALS_BY_KEY[signal].unit
    before = ThresholdSpec(signal, direction, old[0], old[1], unit, None, 0)
    after = ThresholdSpec(signal, direction, new[0], new[1], unit, None, 0)
    return replay(series, before, after)


def affected_systems(scope: str, signal: str, systems: list[str]) -> list[str]:
    """Systems whose bound the edit moves: the scope's system, or those inheriting the global."""
    if scope:
        return [scope]
    key = data_key()
    return [s for s in systems if thresholds_at_cached(key, s)[signal].scope != s]


def chart(result: Replay, edit: Edit) -> go.Figure:
    """The signal per bucket with the old (dotted) and new (solid) warn/critical lines."""
    frame = result.series.frame
    title = f"{result.series.system} · {edit.signal} per {result.series.bucket}"
    fig = go.Figure(
        go.Scatter(x=frame["at"], y=frame["value"], mode="lines+markers", name=edit.signal,
                   line={"color": "#2f6fdd", "width": 1.5}, marker={"size": 3})
    )  # fmt: skip
    for name, old, new in (
        ("warn", edit.old_warn, edit.warn),
        ("critical", edit.old_critical, edit.critical),
    ):
        for value, dash, width, when, where in (
            (old, OLD_STYLE, 1, "old", "bottom right"),
            (new, NEW_STYLE, 2, "new", "top left"),
        ):
            fig.add_hline(
                y=value,
                line={"dash": dash, "color": COLOURS[name], "width": width},
                annotation_text=f"{when} {name} {value:g}",
                annotation_position=where,
            )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": plot_text(title),
               "font": {"size": 13}},
        showlegend=False,
    )  # fmt: skip
    return fig


def render_what_if(edits: list[Edit], scope: str, systems: list[str], selection: Selection) -> None:
    """For each valid edit: how many buckets would have been warn/critical, old vs new."""
    for edit in edits:
        if edit.problems:
            continue
        if edit.signal not in REPLAYABLE:
            st.caption(
                f"**{edit.signal}** is one number over the whole range (not a series of "
                "buckets), so there is no history to replay."
            )
            continue
        rows, first = [], None
        for system in affected_systems(scope, edit.signal, systems):
            window = replay_window(selection, system)
            if window is None:
                continue
            result = _replay(
                data_key(), system, edit.signal, window.since, window.until,
                (edit.old_warn, edit.old_critical), (edit.warn, edit.critical),
            )  # fmt: skip
            if result is None or result.buckets == 0:
                continue
            first = first or result
            rows.append(
                {
                    "System": system,
                    "Buckets": f"{result.buckets} {result.series.bucket}s",
                    "Warn (old → new)": f"{result.old_warn} → {result.new_warn}",
                    "Critical (old → new)": f"{result.old_critical} → {result.new_critical}",
                }
            )
        st.markdown(f"**What if: {edit.signal}** ({md_text(scope_label(scope))})")
        if not rows:
            st.caption("No stored values in the selected range to replay this signal on.")
            continue
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        if first is not None:
            st.plotly_chart(chart(first, edit), key=f"what_if_{edit.signal}")
