"""What every page pays: the navigation, the sidebar (schema check, filters, identity).

``streamlit_app.py`` draws it around the page the user picked; ``bench_pages``
draws it around an empty page (``benchmarks/floor_page.py?part=shell``) to
measure the shell's own share of a page's first visit.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import data
from app.ui.filters import sidebar_selection
from app.ui.identity import render_sidebar_identity
from app.ui.schema import stop_unless_schema_current

#: Page script (relative to the project root), title, icon; the first is the default.
PAGES = [
    ("app_pages/overview.py", "Overview", ":material/dashboard:"),
    ("app_pages/service_health.py", "Service health", ":material/monitoring:"),
    ("app_pages/drift.py", "Drift", ":material/difference:"),
    ("app_pages/data_quality.py", "Data quality", ":material/rule:"),
    ("app_pages/model_performance.py", "Model performance", ":material/speed:"),
    ("app_pages/experiments.py", "Experiments", ":material/science:"),
    ("app_pages/lineage.py", "Lineage", ":material/account_tree:"),
    ("app_pages/thresholds.py", "Thresholds", ":material/tune:"),
]


def app_pages(root: Path, default: bool = True) -> list[st.Page]:
    """Tandem's pages for ``st.navigation``; Overview is the default unless ``default`` is off."""
    return [
        st.Page(str(root / path), title=title, icon=icon, default=default and at == 0)
        for at, (path, title, icon) in enumerate(PAGES)
    ]


def render_sidebar() -> None:
    """The schema check and the shared sidebar, run before every page (inside the outage guard)."""
    stop_unless_schema_current()
    st.sidebar.title("Tandem")
    st.sidebar.caption("DevOps and MLOps health, side by side")
    st.session_state["selection"] = sidebar_selection(data.system_names())
    render_sidebar_identity()
