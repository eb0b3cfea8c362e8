"""Refuse to draw pages over a database whose schema is behind, and say the fix."""

from __future__ import annotations

import streamlit as st

from app.config import load_settings
from app.store.db import SchemaOutOfDateError, get_engine
from app.store.migrate import ensure_current


@st.cache_data(ttl=60, max_entries=8)
def _schema_problem(database_url: str) -> str:
    try:
        ensure_current(get_engine(database_url))
    except SchemaOutOfDateError as error:
        return str(error)
    return ""


def stop_unless_schema_current() -> None:
    problem = _schema_problem(load_settings().database_url)
    if problem:
        st.error(problem, icon=":material/database:")
        st.stop()
