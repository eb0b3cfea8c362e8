"""Tandem's entry: the shared sidebar, then the page the user picked.

Run with ``tandem serve`` (which migrates and seeds first) or
``streamlit run streamlit_app.py``.
"""

from __future__ import annotations

import streamlit as st

from app.ui import data
from app.ui.filters import sidebar_selection
from app.ui.identity import render_sidebar_identity
from app.ui.outage import unavailable_database_shown
from app.ui.schema import stop_unless_schema_current

st.set_page_config(page_title="Tandem", page_icon=":material/monitor_heart:", layout="wide")

# Before any read, so that the pages stay listed while the database is away.
page = st.navigation(
    [
        st.Page(
            "app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True
        ),
        st.Page(
            "app_pages/service_health.py", title="Service health", icon=":material/monitoring:"
        ),
        st.Page("app_pages/drift.py", title="Drift", icon=":material/difference:"),
        st.Page("app_pages/data_quality.py", title="Data quality", icon=":material/rule:"),
        st.Page(
            "app_pages/model_performance.py", title="Model performance", icon=":material/speed:"
        ),
        st.Page("app_pages/experiments.py", title="Experiments", icon=":material/science:"),
        st.Page("app_pages/lineage.py", title="Lineage", icon=":material/account_tree:"),
        st.Page("app_pages/thresholds.py", title="Thresholds", icon=":material/tune:"),
    ]
)

with unavailable_database_shown():
    stop_unless_schema_current()
    st.sidebar.title("Tandem")
    st.sidebar.caption("DevOps and MLOps health, side by side")
    st.session_state["selection"] = sidebar_selection(data.system_names())
    render_sidebar_identity()
    page.run()
