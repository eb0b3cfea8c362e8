"""``python -m app.ui.launch run streamlit_app.py``: Streamlit with Tandem's imports done.

Streamlit imports what the app needs during the first session's script run,
so the first visitor after a (re)start waits for pandas, SQLAlchemy, Plotly
and every page's modules (1.4 s on a 2-core machine, more without bytecode
caches). Importing them before the server starts moves that wait to start-up,
where nobody is looking at a spinner. ``tandem serve`` and the browser tests
start the server this way.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import app.ui


def preload() -> None:
    """Import every ``app.ui`` module (and so everything the pages use).

    ``st.cache_data`` validates its parameters at decoration time and, with
    no server running yet, logs that it would use memory storage; the cache
    itself is created at call time inside the server, so that note is muted.
    """
    import streamlit.runtime.caching.cache_data_api  # noqa: F401 (configures its logger)

    caching = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = caching.level
    caching.setLevel(logging.ERROR)
    try:
        for module in pkgutil.iter_modules(app.ui.__path__, prefix="app.ui."):
            if module.name != __name__:
                importlib.import_module(module.name)
    finally:
        caching.setLevel(level)


def main() -> None:
    preload()
    from streamlit.web.cli import main as streamlit_main

    sys.argv[0] = "streamlit"
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
