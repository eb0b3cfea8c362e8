"""The monthly budget on the Thresholds page (one system's scope): shown, edited, audited.

The budget in force is always shown; its editor and its history are drawn on
demand, in an ``on_demand`` expander under it. On a first visit they were the
page's only number and text inputs and its third grid, whose lazily loaded
chunks the browser fetched and mounted before the page was idle (issue 14's
"no page slower than before": the Thresholds page had no budget at b96293a).

Saves go through ``app.health.budgets.save_budget`` (role check, validation,
optimistic locking, audit row), as ``tandem budget set`` does. Viewers see the
budget and its history but no inputs. The editor remembers the version it
loaded until a save; a save from a stale copy is refused and names the budget
now stored, and the next click replaces it knowingly (as the SLO editor does).
"""

from __future__ import annotations

import streamlit as st

from app.health.budgets import (
    BudgetConflictError,
    BudgetSpec,
    BudgetValidationError,
    budget_history,
    budget_problems,
    budgets_for,
    save_budget,
)
from app.store.db import get_engine
from app.ui.data import data_key
from app.ui.identity import Identity
from app.ui.on_demand import on_demand
from app.ui.text import md_text

_LOADED = "budget_editor_loaded"  # session state: system -> version the editor edits from


def budget_key(system: str) -> str:
    """Session state key of the expander holding ``system``'s budget editor and history."""
    return f"budget_open_{system}"


def render_budget(system: str, identity: Identity) -> None:
    """The system's monthly budget; its editor (editors only) and history when opened."""
    engine = get_engine(data_key()[0])
    current = next(iter(budgets_for(engine, system)), None)
    st.subheader("Monthly budget")
    st.caption(
        "What the system may spend in 30 days; **Spend vs monthly budget** "
        "(`cost.month_to_date_vs_budget`) divides the last 30 days' spend by it. "
        "Its warn and critical bounds are in the table above."
    )
    if current is not None:
        st.markdown(md_text(f"Now: {current.describe()}, set by {current.updated_by or '—'}."))
    else:
        st.markdown("No budget set: the spend signal is unknown.")
    label = "Change the budget, and its history" if identity.can_edit else "The budget's history"
    with on_demand(label, budget_key(system), icon=":material/edit_note:") as shown:
        if shown:
            if identity.can_edit:
                _render_inputs(system, identity, current)
            render_budget_history(system)


def _render_inputs(system: str, identity: Identity, current: BudgetSpec | None) -> None:
    """Amount, currency, reason and Save; the save is refused when the budget moved meanwhile."""
    engine = get_engine(data_key()[0])
    loaded = st.session_state.setdefault(_LOADED, {})
    version = loaded.setdefault(system, current.version if current else 0)
    amount_col, currency_col, reason_col = st.columns([2, 1, 3])
    amount = amount_col.number_input(
        "Amount a month", min_value=0.0, value=current.amount if current else 1000.0,
        step=100.0, key=f"budget_amount_{system}",
    )  # fmt: skip
    currency = currency_col.text_input(
        "Currency", value=current.currency if current else "EUR", max_chars=3,
        key=f"budget_currency_{system}",
    ).strip().upper()  # fmt: skip
    reason = reason_col.text_input("Reason (audit trail)", key=f"budget_reason_{system}")
    problems = budget_problems(amount, currency)
    for problem in problems:
        st.warning(md_text(problem), icon=":material/warning:")
    if not st.button("Save budget", key=f"budget_save_{system}", disabled=bool(problems)):
        return
    try:
        saved = save_budget(engine, BudgetSpec(system, amount, currency), version, identity.user,
                            identity.role, reason or "edited on the Thresholds page")  # fmt: skip
    except BudgetConflictError as error:
        loaded[system] = error.current.version if error.current else 0
        st.error(f"{md_text(error)} Save again to replace it with yours.",
                 icon=":material/sync_problem:")  # fmt: skip
        return
    except (BudgetValidationError, PermissionError, LookupError) as error:
        st.error(md_text(error), icon=":material/error:")
        return
    loaded[system] = saved.version
    st.toast(md_text(f"Budget of {system}: {saved.describe()}"), icon=":material/check_circle:")
    st.rerun()


def render_budget_history(system: str) -> None:
    """Who set the system's budget, newest first."""
    changes = budget_history(get_engine(data_key()[0]), system, limit=20)
    if not changes:
        st.caption("Nobody has set this system's budget yet.")
        return
    st.dataframe(
        [{"when": c.changed_at, "who": c.changed_by, "from": c.old or "(none)", "to": c.new,
          "reason": c.reason} for c in changes],
        hide_index=True, width="stretch",
    )  # fmt: skip
