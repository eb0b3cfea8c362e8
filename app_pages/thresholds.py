"""Thresholds: every signal's warn/critical bounds in one table, with what-if and audit."""

from __future__ import annotations

import streamlit as st

from app.ui import data
from app.ui import threshold_editor as editor
from app.ui.budget_editor import render_budget
from app.ui.filters import current_selection
from app.ui.identity import current_identity
from app.ui.what_if_view import render_what_if

selection = current_selection()
identity = current_identity()
st.title("Thresholds")
st.caption(
    "Every signal turns warn or critical when its value is strictly worse than the bound. "
    "A system's own bound beats the global default, which beats the built-in one."
)
editor.render_flash()

systems = data.system_names()
scopes = ["", *systems]
default_scope = selection.system if selection.system in systems else ""
scope = st.selectbox(
    "Scope",
    scopes,
    index=scopes.index(default_scope),
    format_func=editor.scope_label,
    key="threshold_scope",
    help="Edit the global defaults, or one system's own bounds.",
)
if not systems:
    st.info(
        "**No systems yet.** The global defaults below are still editable; load data with "
        "`tandem seed` or `tandem ingest` to see what they would flag.",
        icon=":material/inbox:",
    )
if not identity.can_edit:
    st.info("You are a **viewer**: you can read the thresholds, not change them.")

specs, edits = editor.render_table(scope, identity)

if edits:
    st.subheader(f"{len(edits)} unsaved change(s)")
    valid = editor.render_problems(edits)
    render_what_if(edits, scope, systems, selection)
    reason = st.text_input("Reason (optional, kept in the audit trail)", key="threshold_reason")
    save, discard = st.columns([1, 6])
    if save.button("Save", type="primary", disabled=not valid, key="threshold_save"):
        editor.save_edits(scope, edits, identity, reason)
    if discard.button("Discard edits", key="threshold_discard"):
        editor.reset_snapshot(scope)
        st.rerun()

if scope:
    render_budget(scope, identity)

st.subheader("Change history")
editor.render_history(identity)
