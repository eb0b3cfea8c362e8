"""Cached loaders of Service health and the timeline, keyed like ``app.ui.data``.

The window follows the sidebar: a custom range as given, otherwise the
selected number of days ending at the newest data point of the system.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from app.health.delivery import DoraReport
from app.health.window import Window, default_window
from app.service_health import (
    CiReport,
    ServiceHealth,
    ci_report,
    delivery_report,
    service_health,
)
from app.store.db import get_engine, session_scope
from app.timeline import Timeline, timeline
from app.ui.data import DataKey, data_key
from app.ui.filters import Selection


def _window(
    key: DataKey, system: str, days: int, since: datetime | None, until: datetime | None
) -> Window | None:
    if since is not None and until is not None:
        return Window(since, until)
    with session_scope(get_engine(key[0])) as session:
        default = default_window(session, [system])
    if default is None:
        return None
    return Window(default.until - timedelta(days=days), default.until)


@st.cache_data(ttl=600, max_entries=32, show_spinner="Loading service health...")
def _service_health(
    key: DataKey, system: str, days: int, since: datetime | None, until: datetime | None
) -> ServiceHealth | None:
    window = _window(key, system, days, since, until)
    return None if window is None else service_health(get_engine(key[0]), system, window)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _timeline(
    key: DataKey, system: str, days: int, since: datetime | None, until: datetime | None
) -> Timeline | None:
    window = _window(key, system, days, since, until)
    return None if window is None else timeline(get_engine(key[0]), system, window)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _service_timeline(
    key: DataKey, system: str, days: int, since: datetime | None, until: datetime | None
) -> Timeline | None:
    health = _service_health(key, system, days, since, until)
    if health is None:
        return None
    return timeline(get_engine(key[0]), system, health.window, health.golden)


@st.cache_data(ttl=600, max_entries=32, show_spinner="Loading CI...")
def _ci(key: DataKey, system: str, since: datetime, until: datetime) -> CiReport:
    return ci_report(get_engine(key[0]), system, Window(since, until))


@st.cache_data(ttl=600, max_entries=32, show_spinner="Loading DORA metrics...")
def _dora(key: DataKey, system: str, since: datetime, until: datetime) -> DoraReport:
    return delivery_report(get_engine(key[0]), system, Window(since, until))


def load_ci(health: ServiceHealth) -> CiReport:
    """The CI tab over ``health``'s window, read when the tab is opened."""
    return _ci(data_key(), health.system, health.window.since, health.window.until)


def load_dora(health: ServiceHealth) -> DoraReport:
    """The DORA tab over ``health``'s window, read when the tab is opened."""
    return _dora(data_key(), health.system, health.window.since, health.window.until)


def load_service_health(system: str, selection: Selection) -> ServiceHealth | None:
    """``system``'s service health over the selected range; None without data."""
    return _service_health(data_key(), system, selection.days, selection.since, selection.until)


def load_timeline(system: str, selection: Selection) -> Timeline | None:
    """``system``'s timeline over the selected range; None without data."""
    return _timeline(data_key(), system, selection.days, selection.since, selection.until)


def load_service_timeline(system: str, selection: Selection) -> Timeline | None:
    """The timeline of the Service health page: its error rate reuses the golden signals."""
    return _service_timeline(data_key(), system, selection.days, selection.since, selection.until)
