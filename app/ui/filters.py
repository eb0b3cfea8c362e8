"""The shared sidebar: which system and which time range, kept in the URL.

Every page reads the same selection, and because it lives in
``st.query_params`` a URL copied from the address bar opens the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

ALL_SYSTEMS = "All systems"
RANGES = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "Custom": 0}
DEFAULT_RANGE = "Last 30 days"
_RANGE_PARAM = {
    "Last 7 days": "7d",
    "Last 30 days": "30d",
    "Last 90 days": "90d",
    "Custom": "custom",
}


@dataclass(frozen=True)
class Selection:
    """The sidebar's choice: one system or all, and a range ending at the newest data."""

    system: str | None
    days: int
    since: datetime | None = None  # only for a custom range
    until: datetime | None = None

    @property
    def is_custom(self) -> bool:
        return self.since is not None and self.until is not None


def _param_range() -> str:
    wanted = st.query_params.get("range", "30d")
    for label, param in _RANGE_PARAM.items():
        if param == wanted:
            return label
    return DEFAULT_RANGE


def _param_date(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def sidebar_selection(systems: list[str]) -> Selection:
    """Draw the system picker and time range, and mirror them into the URL."""
    options = [ALL_SYSTEMS, *systems]
    wanted = st.query_params.get("system", ALL_SYSTEMS)
    system = st.sidebar.selectbox(
        "System",
        options,
        index=options.index(wanted) if wanted in options else 0,
        key="filter_system",
    )
    range_label = st.sidebar.selectbox(
        "Time range",
        list(RANGES),
        index=list(RANGES).index(_param_range()),
        key="filter_range",
        help="Ranges end at the newest data point of the selected systems.",
    )
    since = until = None
    if range_label == "Custom":
        today = datetime.now(UTC).date()
        start = _param_date("since") or today - timedelta(days=30)
        end = _param_date("until") or today
        picked = st.sidebar.date_input("From – to (UTC)", (start, end), key="filter_dates")
        if isinstance(picked, tuple) and len(picked) == 2:
            start, end = picked
        since = datetime.combine(start, time(), tzinfo=UTC)
        until = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        st.query_params["since"], st.query_params["until"] = start.isoformat(), end.isoformat()
    else:
        for name in ("since", "until"):
            st.query_params.pop(name, None)
    st.query_params["system"] = system
    st.query_params["range"] = _RANGE_PARAM[range_label]
    return Selection(
        system=None if system == ALL_SYSTEMS else system,
        days=RANGES[range_label],
        since=since,
        until=until,
    )


def current_selection() -> Selection:
    """The selection the entry script stored for this run (all systems, 30 days if none)."""
    selection = st.session_state.get("selection")
    return selection if isinstance(selection, Selection) else Selection(system=None, days=30)


def query_int(name: str) -> int | None:
    """A whole-number query parameter; None when absent or not a number (a mangled link)."""
    value = st.query_params.get(name, "").strip()
    return int(value) if value.lstrip("-").isdigit() else None
