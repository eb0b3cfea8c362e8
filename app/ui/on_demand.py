"""Content drawn on demand: an expander whose body is computed and sent only while it is open.

A closed ``st.expander`` still runs its body and sends every element in it;
the browser builds them all on a page's first visit. With ``on_change="rerun"``
the expander remembers whether it is open (session state under ``key``), and
its body can be skipped while it is closed (issue 15, item 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def on_demand(label: str, key: str, icon: str | None = None) -> Iterator[bool]:
    """An expander labelled ``label``; yields whether its body should be drawn (it is open).

    Opening it reruns the script (or the fragment it is in) with the body drawn.
    Tests open it with ``app.session_state[key] = True`` before a run.
    """
    with st.expander(label, icon=icon, key=key, on_change="rerun") as box:
        yield bool(box.open)
