"""The thresholds table editor, its save path and the change history.

Optimistic locking needs the version the user *started* from, so the table is
built from a per-session snapshot that is refreshed only while the user has no
pending edits; a save names the snapshot's versions, and a concurrent save by
someone else makes ours fail with their current value instead of overwriting it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app.health.catalog import SIGNALS_BY_KEY
from app.health.threshold_edits import (
    ConcurrentEditError,
    ThresholdValidationError,
    all_overrides,
    change_history,
    revert_change,
    save_threshold,
    thresholds_at,
    validation_problems,
    version_at,
)
from app.health.thresholds import ThresholdSpec
from app.store.db import get_engine
from app.ui.data import DataKey, data_key
from app.ui.identity import Identity
from app.ui.text import md_text

GLOBAL_LABEL = "Global default"
DIRECTION_WORDS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better"}
_SNAPSHOTS = "threshold_snapshots"  # session state: scope -> (generation, {signal: spec})
_FLASH = "threshold_flash"
# session state: {(scope, signal): version} of every row as the history was last shown
_SHOWN_VERSIONS = "threshold_history_versions"


@dataclass(frozen=True)
class Edit:
    """One signal whose bounds the user changed in the table."""

    signal: str
    old_warn: float
    old_critical: float
    warn: float
    critical: float
    version: int  # the version the user started from

    @property
    def problems(self) -> list[str]:
        return validation_problems(self.signal, self.warn, self.critical)


def scope_label(scope: str) -> str:
    return scope or GLOBAL_LABEL


def source_label(spec: ThresholdSpec) -> str:
    """Where a bound in force comes from: built-in, the global row, or a system's row."""
    if spec.scope is None:
        return "built-in"
    return "global" if spec.scope == "" else spec.scope


def thresholds_frame(specs: list[ThresholdSpec]) -> pd.DataFrame:
    """One row per signal: the columns the editor shows (Signal is the key)."""
    return pd.DataFrame(
        [
            {
                "Signal": s.signal,
                "Name": SIGNALS_BY_KEY[s.signal].label,
                "Direction": DIRECTION_WORDS[s.direction],
                "Warn": float(s.warn),
                "Critical": float(s.critical),
                "Unit": s.unit,
                "From": source_label(s),
            }
            for s in specs
        ]
    )


def pending_edits(specs: dict[str, ThresholdSpec], scope: str, edited: pd.DataFrame) -> list[Edit]:
    """The rows of ``edited`` whose Warn or Critical differ from the snapshot ``specs``."""
    edits = []
    for signal, warn_cell, critical_cell in zip(
        edited["Signal"], edited["Warn"], edited["Critical"], strict=True
    ):
        spec = specs[str(signal)]
        warn, critical = _number(warn_cell), _number(critical_cell)
        if _same(warn, spec.warn) and _same(critical, spec.critical):
            continue
        edits.append(
            Edit(spec.signal, spec.warn, spec.critical, warn, critical, version_at(spec, scope))
        )
    return edits


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def thresholds_at_cached(key: DataKey, scope: str) -> dict[str, ThresholdSpec]:
    """``thresholds_at`` by signal, cached on the data version (a save invalidates it)."""
    return {s.signal: s for s in thresholds_at(get_engine(key[0]), scope)}


def editor_key(scope: str) -> str:
    generation = st.session_state.get(_SNAPSHOTS, {}).get(scope, (0, {}))[0]
    return f"threshold_editor_{scope}_{generation}"


def snapshot(scope: str) -> dict[str, ThresholdSpec]:
    """The bounds the user is editing from; refreshed while nothing is pending."""
    snapshots = st.session_state.setdefault(_SNAPSHOTS, {})
    generation, specs = snapshots.get(scope, (0, {}))
    state = st.session_state.get(editor_key(scope)) or {}
    if not specs or not state.get("edited_rows"):
        specs = dict(thresholds_at_cached(data_key(), scope))
        snapshots[scope] = (generation, specs)
    return specs


def reset_snapshot(scope: str) -> None:
    """Forget the snapshot and the editor's pending edits (after a save or a conflict)."""
    snapshots = st.session_state.setdefault(_SNAPSHOTS, {})
    generation, _ = snapshots.get(scope, (0, {}))
    snapshots[scope] = (generation + 1, {})


def render_table(scope: str, identity: Identity) -> tuple[dict[str, ThresholdSpec], list[Edit]]:
    """The table, editable for editors; returns the snapshot and the pending edits."""
    specs = snapshot(scope)
    frame = thresholds_frame(list(specs.values()))
    st.caption(own_bounds_text(specs, scope))
    height = 35 * (len(frame) + 1) + 3  # every signal visible, no inner scrolling
    if not identity.can_edit:
        st.dataframe(frame, hide_index=True, width="stretch", height=height)
        return specs, []
    edited = st.data_editor(
        frame,
        key=editor_key(scope),
        hide_index=True,
        width="stretch",
        height=height,
        num_rows="fixed",
        disabled=["Signal", "Name", "Direction", "Unit", "From"],
        column_config={
            "Warn": st.column_config.NumberColumn("Warn", format="%g", required=True),
            "Critical": st.column_config.NumberColumn("Critical", format="%g", required=True),
            "Unit": st.column_config.TextColumn(
                "Unit", help="ratio = a share between 0 and 1 (0.95 is 95 %)"
            ),
            "From": st.column_config.TextColumn(
                "From", help="Where the bound in force comes from: built-in, global or the system"
            ),
        },
    )
    return specs, pending_edits(specs, scope, edited)


def own_bounds_text(specs: dict[str, ThresholdSpec], scope: str) -> str:
    """One line of Markdown naming the bounds set at ``scope`` itself (not inherited)."""
    own = [
        f"{s.signal}: warn {s.warn:g}, critical {s.critical:g}"
        for s in specs.values()
        if s.scope == scope
    ]
    who = f"{md_text(scope)}'s own bounds" if scope else "Global defaults set here"
    return f"{who}: " + (" · ".join(own) if own else "none yet, every bound is inherited.")


def render_problems(edits: list[Edit]) -> bool:
    """Show every validation message; True when all edits are valid."""
    valid = True
    for edit in edits:
        for problem in edit.problems:
            st.error(f"**{edit.signal}**: {problem}", icon=":material/error:")
            valid = False
    return valid


def save_edits(scope: str, edits: list[Edit], identity: Identity, reason: str) -> None:
    """Save each edit through the service; report conflicts, refresh on success."""
    engine = get_engine(data_key()[0])
    saved, refused = [], []
    for edit in edits:
        try:
            spec = save_threshold(
                engine,
                scope,
                edit.signal,
                edit.warn,
                edit.critical,
                edit.version,
                identity.user,
                identity.role,
                reason,
            )
            saved.append(f"{spec.signal}: warn {spec.warn:g}, critical {spec.critical:g}")
        except (ConcurrentEditError, ThresholdValidationError, PermissionError) as error:
            refused.append(str(error))
    for message in refused:
        st.error(md_text(message), icon=":material/sync_problem:")
    if saved:
        st.session_state[_FLASH] = f"Saved ({md_text(scope_label(scope))}): " + "; ".join(saved)
    if refused:
        return
    reset_snapshot(scope)
    st.rerun()


def render_flash() -> None:
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")  # its data is escaped already


def _bound(value: float | None) -> str:
    return "inherited" if value is None else f"{value:g}"


def render_history(identity: Identity, scope: str | None = None, limit: int = 50) -> None:
    """The audit trail, newest first, with a revert control for editors."""
    changes = change_history(get_engine(data_key()[0]), scope=scope, limit=limit)
    if not changes:
        st.caption("No threshold has been changed yet: every bound is the built-in default.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": c.id,
                    "When (UTC)": c.changed_at.strftime("%Y-%m-%d %H:%M"),
                    "Who": c.changed_by,
                    "Scope": scope_label(c.scope),
                    "Signal": c.signal,
                    "Old warn": _bound(c.old_warn),
                    "Old critical": _bound(c.old_critical),
                    "New warn": _bound(c.new_warn),
                    "New critical": _bound(c.new_critical),
                    "Reason": c.reason,
                }
                for c in changes
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if not identity.can_edit:
        return
    # A revert is locked like a save, against what the user looked at when they clicked:
    # the row versions of the previous run (this run has read the database again).
    engine = get_engine(data_key()[0])
    seen: dict[tuple[str, str], int] = st.session_state.get(_SHOWN_VERSIONS, {})
    st.session_state[_SHOWN_VERSIONS] = {
        (s.scope or "", s.signal): s.version for s in all_overrides(engine)
    }
    by_id = {c.id: c for c in changes}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    picked = left.selectbox(
        "Revert a change",
        list(by_id),
        format_func=lambda i: (
            f"#{i} {by_id[i].signal} ({scope_label(by_id[i].scope)}) by {by_id[i].changed_by}"
        ),
        key="threshold_revert_pick",
    )
    if right.button("Revert", key="threshold_revert", icon=":material/undo:"):
        change = by_id[picked]
        try:
            spec = revert_change(
                engine,
                int(picked),
                identity.user,
                identity.role,
                expected_version=seen.get((change.scope, change.signal), 0),
            )
        except (ConcurrentEditError, LookupError, PermissionError) as error:
            st.error(md_text(error))
            return
        st.session_state[_FLASH] = (
            f"Reverted change #{picked}: {spec.signal} is warn {spec.warn:g}, "
            f"critical {spec.critical:g} again."
        )
        reset_snapshot(by_id[picked].scope)
        st.rerun()
