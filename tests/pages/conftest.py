"""AppTest helpers: run the real entry script (sidebar + navigation) headlessly."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app.config import PROJECT_ROOT

ENTRY = str(PROJECT_ROOT / "streamlit_app.py")


def run_app(query: dict[str, str] | None = None, timeout: float = 60) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=timeout)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    return app.run()
