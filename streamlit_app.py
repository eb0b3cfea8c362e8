"""Tandem's entry: the shared sidebar, then the page the user picked.

Run with ``tandem serve`` (which migrates and seeds first) or
``streamlit run streamlit_app.py``.
"""

from __future__ import annotations

import streamlit as st

from app.ui import data
from app.ui.filters import sidebar_selection
from app.ui.schema import stop_unless_schema_current

st.set_page_config(page_title="Tandem", page_icon=":material/monitor_heart:", layout="wide")

stop_unless_schema_current()

st.sidebar.title("Tandem")
st.sidebar.caption("DevOps and MLOps health, side by side")
st.session_state["selection"] = sidebar_selection(data.system_names())
st.sidebar.caption("Single-user mode: no `[auth]` is configured, so you are an **editor**.")

page = st.navigation(
    [
        st.Page(
            "app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True
        ),
    ]
)
page.run()
