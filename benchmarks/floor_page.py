"""The floors for ``bench_pages``: the least a Streamlit page can be, and what each part adds.

Served by its own ``streamlit run`` beside the app, never part of the app's
navigation. ``?part=`` picks what is added to the minimal page (a title and a
line of text), comma-separated:

* ``shell``: Tandem's navigation and sidebar around it (``app.ui.shell``, as
  every page has them: schema check, system and range filters, identity);
* ``grid``: one ``st.dataframe`` of five rows (Streamlit's glide-data-grid chunk);
* ``editor``: one ``st.data_editor`` of five rows;
* ``plotly``: one ``st.plotly_chart`` of three points (Streamlit's Plotly chunk);
* ``vega``: one ``st.vega_lite_chart`` of two points (its Vega-Lite chunk), for comparison.

The bare page's time to idle in a fresh Chromium context is Streamlit's own
cost on this machine; each part's time above it is what that part costs any
page that has it, so a Tandem page's time can be read as floor + the parts it
has + its own server time.
"""

import sys
from pathlib import Path

import streamlit as st  # noqa: TID251 (a page of its own, outside app/)

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("shell", "grid", "editor", "plotly", "vega")


def _floor() -> None:
    import pandas as pd

    parts = set(st.query_params.get("part", "").split(","))
    st.title("Floor")
    st.write("A minimal Streamlit page: a title and a line of text.")
    frame = pd.DataFrame({"n": range(5), "name": list("abcde")})
    if "grid" in parts:
        st.dataframe(frame, hide_index=True)
    if "editor" in parts:
        st.data_editor(frame, hide_index=True, key="floor_editor")
    if "plotly" in parts:
        import plotly.graph_objects as go

        st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))
    if "vega" in parts:
        line = {"mark": "line", "encoding": {"x": {"field": "x"}, "y": {"field": "y"}}}
        st.vega_lite_chart({**line, "data": {"values": [{"x": 1, "y": 1}, {"x": 2, "y": 3}]}})


if "shell" in st.query_params.get("part", "").split(","):
    sys.path.insert(0, str(ROOT))
    from app.ui.outage import unavailable_database_shown
    from app.ui.shell import app_pages, render_sidebar

    st.set_page_config(page_title="Floor", layout="wide")
    page = st.navigation([st.Page(_floor, title="Floor", default=True), *app_pages(ROOT, False)])
    with unavailable_database_shown():
        render_sidebar()
        page.run()
else:
    _floor()
