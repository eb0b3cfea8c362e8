"""Tandem's entry: the shared sidebar, then the page the user picked.

Run with ``tandem serve`` (which migrates and seeds first) or
``streamlit run streamlit_app.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui.outage import unavailable_database_shown
from app.ui.shell import app_pages, render_sidebar

st.set_page_config(page_title="Tandem", page_icon=":material/monitor_heart:", layout="wide")

# Before any read, so that the pages stay listed while the database is away.
page = st.navigation(app_pages(Path(__file__).parent))

with unavailable_database_shown():
    render_sidebar()
    page.run()
