"""Text that came from data, made safe for the three renderers that interpret text.

System, model, dataset, experiment, run and feature names, incident titles,
tags, params, metric keys and segment values are typed by people or arrive in
files: they must be shown as the characters they are, wherever they appear.
Prefer Streamlit elements that never interpret text (``st.text``,
``st.dataframe``, selectbox and multiselect options); where a string has to go
into a renderer that interprets it, pass it through one of these:

- ``html_text`` for ``st.html`` and HTML attributes (``html.escape``, quotes
  included);
- ``md_text`` for Streamlit Markdown: ``st.markdown``/``st.info``/``st.caption``
  bodies and every label and ``help`` (widget, expander, tab and metric labels
  and values are Markdown in Streamlit). Every ASCII punctuation character
  that can open an inline construct gets a backslash (CommonMark renders an
  escaped punctuation character as itself): emphasis, code, links, images,
  raw HTML, entities, Streamlit's ``:colour[...]`` and ``:material/...:``
  directives and ``$`` LaTeX; ``. , - / ; ? % ' "`` stay as they are (they
  open nothing inside a line, so messages stay readable in the source), but
  a ``-`` or ``1.`` that would start a list at the very start is escaped
  too. Every run of white space
  (line breaks, tabs) becomes one space, as HTML would show it anyway, so a
  name can open no block (no heading, list or indented code). Two
  replacements run on the text *after* parsing, where no escape reaches
  them: GFM's autolink literals (``http://...``, ``www.x``, ``a@b.c``) and
  emoji shortcodes (``:smile:``); an invisible WORD JOINER (U+2060) before
  every ``:`` and ``@`` and after a ``www`` breaks their patterns and shows
  nothing;
- ``plot_text`` for Plotly titles, trace names, annotations, axis categories
  and hover text: Plotly renders a subset of HTML there (``<b>``, ``<br>``,
  ``<a href>``), and decodes only a few entities (``&amp;``, ``&lt;``,
  ``&gt;``, numeric ones), so ``&quot;`` would show as itself.
"""

from __future__ import annotations

import html
import re

__all__ = ["WORD_JOINER", "from_plot_text", "html_text", "md_text", "plot_text"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|$:~&@=^])")
_WHITE_SPACE = re.compile(r"\s+")
_LIST_START = re.compile(r"^( ?(?:\d+)?)([-.)])")  # "- x", "1. x", "2) x" would open a list
_AUTOLINK_AND_EMOJI = re.compile(r"(?=[:@])|(?<=www)(?=\.)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def html_text(value: object) -> str:
    """``value`` as HTML text or attribute value: ``& < > " '`` become entities."""
    return html.escape(str(value), quote=True)


def md_text(value: object) -> str:
    """``value`` as literal text inside Streamlit Markdown (bodies, labels, help)."""
    flat = _WHITE_SPACE.sub(" ", str(value))
    joined = _AUTOLINK_AND_EMOJI.sub(WORD_JOINER, flat)
    escaped = _MD_SPECIAL.sub(r"\\\1", joined)
    return _LIST_START.sub(r"\1\\\2", escaped)


def plot_text(value: object) -> str:
    """``value`` as literal text in a Plotly string (title, name, tick, hover, annotation)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def from_plot_text(value: str) -> str:
    """The original of a ``plot_text`` string, e.g. an axis category a click returned."""
    return value.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
