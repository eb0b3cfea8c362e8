"""The floor for ``bench_pages``: the least a Streamlit page can be (a title and a line of text).

Served by its own ``streamlit run`` beside the app, never part of the app's
navigation. Whatever time this page takes to reach idle in a fresh Chromium
context is Streamlit's own cost on this machine; a Tandem page is judged by
how far above it it stays.
"""

import streamlit as st  # noqa: TID251 (a page of its own, outside app/)

st.title("Floor")
st.write("A minimal Streamlit page: a title and a line of text.")
