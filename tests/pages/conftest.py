"""AppTest helpers: run the real entry script (sidebar + navigation) headlessly."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from app.config import PROJECT_ROOT

ENTRY = str(PROJECT_ROOT / "streamlit_app.py")


def run_app(
    query: dict[str, str] | None = None, timeout: float = 120, page: str | None = None
) -> AppTest:
    """Run the app with ``query`` as the URL's parameters, on ``page`` (default: Overview)."""
    app = AppTest.from_file(ENTRY, default_timeout=timeout)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    if page is not None:
        app.switch_page(page)
    return app.run()


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it: ``md_text``'s escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def metric_values(app: AppTest) -> dict[str, str]:
    """Every ``st.metric`` on screen: label -> value as shown."""
    return {m.label: str(m.value) for m in app.metric}
