"""Cached loaders for the pages.

Every cache is bounded and keyed on (database, data version, filters): an
ingest or a threshold change bumps the data version, so pages never show stale
numbers and never recompute on a plain rerun.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from app.config import load_settings
from app.health import StatusReport, build_status
from app.health.window import default_window
from app.store import queries
from app.store.db import get_engine, session_scope
from app.ui.filters import Selection

DataKey = tuple[str, tuple[int, int]]


def data_key() -> DataKey:
    """(database URL, data version): part of every cache key."""
    url = load_settings().database_url
    return url, queries.data_version(get_engine(url))


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _system_names(key: DataKey) -> list[str]:
    return queries.system_names(get_engine(key[0]))


def system_names() -> list[str]:
    return _system_names(data_key())


@st.cache_data(ttl=600, max_entries=64, show_spinner="Evaluating health...")
def _status(
    key: DataKey, system: str | None, days: int, since: datetime | None, until: datetime | None
) -> StatusReport | None:
    engine = get_engine(key[0])
    if since is None or until is None:
        with session_scope(engine) as session:
            window = default_window(session, [system] if system else None)
        if window is None:
            return None
        until = window.until
        since = until - timedelta(days=days)
    return build_status(engine, system=system, since=since, until=until)


def status_report(selection: Selection) -> StatusReport | None:
    """The health of the selected systems over the selected range; None without data."""
    return _status(data_key(), selection.system, selection.days, selection.since, selection.until)
