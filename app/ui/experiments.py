"""Cached loaders and figures for the Experiments page.

Every loader is keyed on (database, data version) plus its filters, so a
rerun that only changes a widget elsewhere reads nothing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from app.experiments.compare import best_cells, compare_runs, run_labels_of
from app.experiments.filters import RunQuery
from app.experiments.histories import metric_histories, metrics_with_history
from app.experiments.overfitting import overfit_checks
from app.experiments.table import RunOptions, RunPage, run_options
from app.experiments.table import runs_page as query_runs_page
from app.health.window import default_window
from app.store.db import get_engine, session_scope
from app.ui.data import DataKey, data_key
from app.ui.filters import Selection
from app.ui.text import plot_text

BEST_STYLE = "background-color: #d9f2e3; font-weight: 700"
STATUS_STYLE = {
    "critical": "background-color: #fdecea; color: #c62828; font-weight: 700",
    "warn": "background-color: #fff4e0; color: #b26a00; font-weight: 700",
    "ok": "color: #1f8a4c",
    "unknown": "color: #6b7280",
}


OVERFIT_COLUMNS = {
    "run": "Run",
    "metric": "Metric",
    "train": "Train",
    "test": "Test",
    "gap": "Gap",
    "warn": "Warn above",
    "critical": "Critical above",
    "status": "Status",
}


def runs_columns(metrics: Sequence[str]) -> dict[str, object]:
    """Column labels and formats of the runs table."""
    return {
        "run": st.column_config.TextColumn("Run", help="The run's name, else its short id"),
        "run_id": st.column_config.TextColumn("Run id", width="small"),
        "experiment": "Experiment",
        "status": "Status",
        "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="YYYY-MM-DD HH:mm"),
        "duration_min": st.column_config.NumberColumn("Duration (min)", format="%.1f"),
        "cost": st.column_config.NumberColumn("Cost", format="%.2f", help="What the run cost"),
        "currency": st.column_config.TextColumn("Currency", width="small"),
        "trigger": "Trigger",
        "code_commit": "Commit",
        "train_dataset": "Training data",
        **{m: st.column_config.NumberColumn(m, format="%.4f") for m in metrics},
    }


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _window(
    key: DataKey, system: str | None, days: int, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime] | None:
    if since is not None and until is not None:
        return since, until
    with session_scope(get_engine(key[0])) as session:
        window = default_window(session, [system] if system else None)
    if window is None:
        return None
    return window.until - timedelta(days=days), window.until


def base_query(selection: Selection) -> RunQuery | None:
    """The sidebar's system and range as a run query; None when there is no data at all."""
    window = _window(data_key(), selection.system, selection.days, selection.since, selection.until)
    if window is None:
        return None
    return RunQuery(system=selection.system, since=window[0], until=window[1])


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _options(key: DataKey, query: RunQuery) -> RunOptions:
    return run_options(get_engine(key[0]), query)


def options(query: RunQuery) -> RunOptions:
    return _options(data_key(), query)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _page(
    key: DataKey,
    query: RunQuery,
    metrics: tuple[str, ...],
    sort: str,
    descending: bool,
    page: int,
    page_size: int,
) -> RunPage:
    return query_runs_page(
        get_engine(key[0]),
        query,
        metrics=metrics,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
    )


def runs_page(
    query: RunQuery, metrics: Sequence[str], sort: str, descending: bool, page: int, size: int
) -> RunPage:
    return _page(data_key(), query, tuple(metrics), sort, descending, page, size)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _history_keys(key: DataKey, run_ids: tuple[str, ...]) -> list[str]:
    return metrics_with_history(get_engine(key[0]), run_ids)


def history_keys(run_ids: Sequence[str]) -> list[str]:
    return _history_keys(data_key(), tuple(run_ids))


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _histories(key: DataKey, run_ids: tuple[str, ...], metric: str) -> pd.DataFrame:
    return metric_histories(get_engine(key[0]), run_ids, metric)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _labels(key: DataKey, run_ids: tuple[str, ...]) -> dict[str, str]:
    return run_labels_of(get_engine(key[0]), run_ids)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _comparison(key: DataKey, run_ids: tuple[str, ...], diff_only: bool) -> pd.DataFrame:
    return compare_runs(get_engine(key[0]), run_ids, diff_only=diff_only)


def comparison(run_ids: Sequence[str], diff_only: bool) -> pd.DataFrame:
    return _comparison(data_key(), tuple(run_ids), diff_only)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _overfit(key: DataKey, run_ids: tuple[str, ...]) -> pd.DataFrame:
    return overfit_checks(get_engine(key[0]), run_ids)


def overfit(run_ids: Sequence[str]) -> pd.DataFrame:
    return _overfit(data_key(), tuple(run_ids))


def history_figure(run_ids: Sequence[str], metric: str, x: str) -> go.Figure:
    """One line per run; ``x`` is ``step`` or ``timestamp`` (wall time)."""
    return _history_figure(data_key(), tuple(run_ids), metric, x)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _history_figure(key: DataKey, run_ids: tuple[str, ...], metric: str, x: str) -> go.Figure:
    frame = _histories(key, run_ids, metric)
    labels = _labels(key, run_ids)
    fig = go.Figure()
    for run_id, group in frame.groupby("run_id", sort=False):
        xs = group[x] if x == "step" else pd.to_datetime(group[x], utc=True).dt.tz_localize(None)
        fig.add_trace(
            go.Scatter(
                x=xs.to_numpy(),
                y=group["value"].to_numpy(),
                mode="lines",
                name=plot_text(labels[str(run_id)]),
            )
        )
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        title={"text": plot_text(f"{metric} per {'step' if x == 'step' else 'wall-clock time'}")},
        xaxis_title="step" if x == "step" else "time (UTC)",
        yaxis_title=plot_text(metric),
        legend={"title": "run"},
        hovermode="x unified",
    )
    return fig


def comparison_styler(run_ids: Sequence[str], diff_only: bool) -> Styler:
    """The compare table as text, with each metric's best value highlighted."""
    shown, styles = _comparison_cells(data_key(), tuple(run_ids), diff_only)
    return shown.style.apply(lambda _: styles, axis=None)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _comparison_cells(
    key: DataKey, run_ids: tuple[str, ...], diff_only: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    frame = _comparison(key, run_ids, diff_only)
    mask = best_cells(frame).to_numpy()
    return frame.map(_cell), np.where(mask, BEST_STYLE, "")


def _cell(value: object) -> str:
    """Mixed params and metrics as text (one Arrow type per column); numbers to 6 digits."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def overfit_styler(frame: pd.DataFrame) -> Styler:
    return frame.style.format(
        {
            "train": "{:.4f}",
            "test": "{:.4f}",
            "gap": "{:+.1%}",
            "warn": "{:.0%}",
            "critical": "{:.0%}",
        },
        na_rep="—",
    ).map(lambda status: STATUS_STYLE.get(status, ""), subset=["status"])
