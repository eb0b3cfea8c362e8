"""Inline threshold controls: edit a signal's bounds where its value is drawn.

Goes through the same service as the Thresholds page (``save_threshold``:
role check, validation, optimistic locking, audit row), and the audit row
bumps the data version, so every page's caches reload. Viewers see nothing.

Locking: the control remembers the version it loaded and keeps it while the
user's inputs differ from the loaded bounds; once the inputs match again (or
after a save) it follows the database.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app.health.catalog import SIGNALS_BY_KEY
from app.health.threshold_edits import (
    ConcurrentEditError,
    ThresholdValidationError,
    save_threshold,
    validation_problems,
    version_at,
)
from app.store.db import get_engine
from app.ui.data import data_key
from app.ui.identity import current_identity
from app.ui.text import md_text
from app.ui.threshold_editor import scope_label, thresholds_at_cached

_LOADED = "threshold_control_loaded"  # session state: key -> (warn, critical, version)


def _loaded(key: str, scope: str, signal: str) -> tuple[float, float, int]:
    """The bounds and version the control edits from (see the module docstring)."""
    spec = thresholds_at_cached(data_key(), scope)[signal]
    fresh = (float(spec.warn), float(spec.critical), version_at(spec, scope))
    loaded = st.session_state.setdefault(_LOADED, {})
    kept = loaded.get(key)
    inputs = (st.session_state.get(f"{key}_warn"), st.session_state.get(f"{key}_critical"))
    if kept is None or inputs == (None, None) or inputs == kept[:2]:
        loaded[key] = fresh
        return fresh
    return kept


def threshold_control(system: str | None, signal: str, key: str) -> None:
    """Warn/critical inputs and a save button for ``signal`` at ``system`` (None: global)."""
    identity = current_identity()
    if not identity.can_edit:
        return
    scope = system or ""
    warn, critical, version = _loaded(key, scope, signal)
    for name, value in (("warn", warn), ("critical", critical)):
        if st.session_state.get(f"{key}_{name}") is None:
            st.session_state[f"{key}_{name}"] = value
    unit = SIGNALS_BY_KEY[signal].unit
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    new_warn = left.number_input(f"Warn ({unit})", key=f"{key}_warn", format="%g", step=None)
    new_critical = middle.number_input(
        f"Critical ({unit})", key=f"{key}_critical", format="%g", step=None
    )
    problems = validation_problems(signal, new_warn, new_critical)
    for problem in problems:
        st.error(problem, icon=":material/error:")
    unchanged = (new_warn, new_critical) == (warn, critical)
    if right.button("Save", key=f"{key}_save", disabled=bool(problems) or unchanged):
        try:
            spec = save_threshold(
                get_engine(data_key()[0]),
                scope,
                signal,
                new_warn,
                new_critical,
                version,
                identity.user,
                identity.role,
                "inline edit",
            )
        except (ConcurrentEditError, ThresholdValidationError, PermissionError) as error:
            st.error(md_text(error), icon=":material/sync_problem:")
            return
        st.session_state[_LOADED].pop(key, None)
        for name in ("warn", "critical"):
            st.session_state.pop(f"{key}_{name}", None)
        st.toast(
            md_text(
                f"{signal} ({scope_label(scope)}): warn {spec.warn:g}, critical {spec.critical:g}"
            ),
            icon=":material/check_circle:",
        )
        st.rerun()


def inline_threshold_editor(system: str | None, signals: Sequence[str], key: str) -> None:
    """Pick one of ``signals`` and edit its bounds in place (editors only)."""
    if not current_identity().can_edit:
        return
    signal = st.selectbox(
        "Edit a threshold",
        list(signals),
        format_func=lambda k: f"{SIGNALS_BY_KEY[k].label} ({k})",
        key=f"{key}_signal",
    )
    threshold_control(system, signal, key=f"{key}_{signal}")
