"""While the database is away: say so instead of a traceback, and come back by itself.

Nothing here is cached: a failed read raises through ``st.cache_data``
(which never stores an exception), the engine's pool pings each connection
before use (``pool_pre_ping``), so the first rerun after the database
answers again draws the page as if nothing had happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import DBAPIError

from app.config import load_settings
from app.store.availability import answers, unavailable
from app.store.db import get_engine

# How often a page showing the outage asks the database whether it is back.
RETRY_SECONDS = 5


@contextmanager
def unavailable_database_shown() -> Iterator[None]:
    """Run the page; if the database is away, show why and retry, else let errors raise."""
    try:
        yield
    except DBAPIError as error:
        reason = unavailable(error)
        if reason is None:
            raise
        show_unavailable(reason)


def show_unavailable(reason: str) -> None:
    """The outage message (the reason as plain text), and a probe that reruns when it ends."""
    st.error(
        "**The database is unavailable.** This page tries again every "
        f"{RETRY_SECONDS} seconds and shows the data as soon as the database answers.",
        icon=":material/cloud_off:",
    )
    st.text(reason)
    _rerun_when_back(load_settings().database_url)


@st.fragment(run_every=RETRY_SECONDS)
def _rerun_when_back(database_url: str) -> None:
    if answers(get_engine(database_url)):
        st.rerun(scope="app")
