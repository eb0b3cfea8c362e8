"""The seed's budgets: saved through the audited path once, never over a stored budget."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from app.health.budgets import BudgetSpec, budget_history, budgets_for, save_budget
from app.seed import _seed_budgets
from app.store.db import session_scope
from app.store.models import IngestRecord, System


def test_seed_budgets_once_and_leave_a_users_budget(sqlite_engine: Engine, tmp_path: Path) -> None:
    with session_scope(sqlite_engine) as s:
        s.add_all([System(name="a"), System(name="b")])
    save_budget(sqlite_engine, BudgetSpec("b", 7.0, "USD"), 0, "alice", "editor", "mine")
    path = tmp_path / "budgets.csv"
    path.write_text("system,amount,currency\na,250.0,EUR\nb,100.0,EUR\n", encoding="utf-8")
    assert _seed_budgets(sqlite_engine, path) == 1
    assert _seed_budgets(sqlite_engine, path) == 0  # a second seed (--force) adds nothing
    stored = {b.system: (b.amount, b.currency) for b in budgets_for(sqlite_engine)}
    assert stored == {"a": (250.0, "EUR"), "b": (7.0, "USD")}
    assert [(c.system, c.changed_by) for c in budget_history(sqlite_engine)] == [
        ("a", "tandem seed"),
        ("b", "alice"),
    ]
    with session_scope(sqlite_engine) as s:
        logged = s.scalar(select(func.count()).where(IngestRecord.kind == "budgets"))
    assert logged == 2
