"""The SLO editor on the Service health page.

Goes through ``app.health.slo_edits.save_slo`` (role check, validation,
optimistic locking, audit row), as ``tandem slo set`` does. Viewers see the
SLOs but no inputs, and the service refuses them anyway.

Locking follows the inline threshold controls: the editor remembers the
version it loaded and keeps it while the user's inputs differ from the loaded
SLO; after a save, or once told of someone else's save, it follows the
database again (a second click then replaces their SLO knowingly).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app.health.slo_edits import SloConflictError, SloValidationError, save_slo, slo_problems
from app.health.slo_store import (
    DEFAULT_SLO,
    LATENCY,
    PERIODS_DAYS,
    SLIS,
    SloSpec,
    slos_for,
)
from app.store.db import get_engine
from app.ui.data import data_key
from app.ui.identity import current_identity
from app.ui.text import md_text

NEW = "➕ New SLO"
_LOADED = "slo_editor_loaded"  # session state: (key, system, slo name) -> (values, version)
_FIELDS = ("sli", "bound", "target", "period", "gate")


def _values(slo: SloSpec) -> tuple[object, ...]:
    """The widget values showing ``slo`` (the target in percent)."""
    bound = slo.latency_bound_ms if slo.latency_bound_ms is not None else 300.0
    return (slo.sli, float(bound), round(slo.target * 100, 6), slo.period_days, slo.min_events)


def _inputs(prefix: str) -> tuple[object, ...]:
    return tuple(st.session_state.get(f"{prefix}_{field}") for field in _FIELDS)


Slot = tuple[str, str, str]  # (editor key, system, SLO name)


def _loaded(prefix: str, slot: Slot, slo: SloSpec) -> tuple[tuple[object, ...], int]:
    """The values and version the editor edits from (see the module docstring)."""
    fresh = (_values(slo), slo.version)
    loaded = st.session_state.setdefault(_LOADED, {})
    kept = loaded.get(slot)
    inputs = _inputs(prefix)
    if kept is None or all(v is None for v in inputs) or inputs == kept[0]:
        loaded[slot] = fresh
        return fresh
    return kept


def _forget(prefix: str, slot: Slot) -> None:
    st.session_state.get(_LOADED, {}).pop(slot, None)
    for field in (*_FIELDS, "name", "reason"):
        st.session_state.pop(f"{prefix}_{field}", None)


def slo_editor(system: str, key: str = "slo_editor") -> None:
    """Pick one of ``system``'s SLOs (or a new one) and edit it in place."""
    identity = current_identity()
    engine = get_engine(data_key()[0])
    slos = slos_for(engine, system)  # read fresh: the version to save against
    if not identity.can_edit:
        st.caption(
            f"You are a **{md_text(identity.role)}**: only editors change SLOs "
            "(here or with `tandem slo set`)."
        )
        return
    by_name = {s.name: s for s in slos}
    choice = st.selectbox("SLO", [*by_name, NEW], key=f"{key}_pick", format_func=md_text)
    prefix = f"{key}_{'new' if choice == NEW else choice}"
    base = by_name.get(choice) or replace(DEFAULT_SLO, system=system, name="")
    slot = (key, system, choice)
    values, version = _loaded(prefix, slot, base)
    for field, value in zip(_FIELDS, values, strict=True):
        if st.session_state.get(f"{prefix}_{field}") is None:
            st.session_state[f"{prefix}_{field}"] = value

    name = choice
    if choice == NEW:
        name = st.text_input("Name", key=f"{prefix}_name", placeholder="e.g. checkout-latency")
    left, middle, right = st.columns(3)
    sli = left.selectbox("SLI", SLIS, key=f"{prefix}_sli",
                         help="availability: requests without an error; latency: requests "
                         "served within the bound")  # fmt: skip
    bound = middle.number_input("Latency bound (ms)", key=f"{prefix}_bound", min_value=0.0,
                                format="%g", step=None, disabled=sli != LATENCY)  # fmt: skip
    target_pct = right.number_input("Target (%)", key=f"{prefix}_target", format="%g", step=None)
    period = left.selectbox("Period (days)", PERIODS_DAYS, key=f"{prefix}_period")
    gate = middle.number_input("Low-traffic gate (events)", key=f"{prefix}_gate", min_value=0,
                               step=1, help="A burn-rate alert needs at least this many "
                               "events in its long window.")  # fmt: skip
    reason = right.text_input("Reason", key=f"{prefix}_reason", placeholder="why")

    spec = SloSpec(
        system=system,
        name=(name or "").strip(),
        sli=sli,
        target=float(target_pct) / 100,
        period_days=int(period),
        min_events=int(gate),
        latency_bound_ms=float(bound) if sli == LATENCY else None,
    )
    problems = slo_problems(spec.name, spec.sli, spec.target, spec.period_days, spec.min_events,
                            spec.latency_bound_ms)  # fmt: skip
    for problem in problems:
        st.error(problem, icon=":material/error:")
    unchanged = choice != NEW and _inputs(prefix) == values
    if not st.button("Save SLO", key=f"{prefix}_save", disabled=bool(problems) or unchanged):
        return
    try:
        saved = save_slo(engine, spec, version, identity.user, identity.role,
                         reason or "edited on the Service health page")  # fmt: skip
    except SloConflictError as error:
        st.session_state.get(_LOADED, {}).pop(slot, None)
        st.error(f"{md_text(error)} Save again to replace it with yours.",
                 icon=":material/sync_problem:")  # fmt: skip
        return
    except (SloValidationError, PermissionError, LookupError) as error:
        st.error(md_text(error), icon=":material/error:")
        return
    _forget(prefix, slot)
    st.toast(md_text(f"SLO {saved.name} of {system}: {saved.describe()}"),
             icon=":material/check_circle:")  # fmt: skip
    st.rerun()
