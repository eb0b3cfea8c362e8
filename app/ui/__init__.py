"""Reusable Streamlit and Plotly pieces: the only part of ``app`` that imports streamlit."""
