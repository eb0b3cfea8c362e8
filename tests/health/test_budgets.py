"""Saving budgets: roles, validation, optimistic locking, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Engine, func, select

from app.health.budgets import (
    BudgetConflictError,
    BudgetSpec,
    BudgetValidationError,
    budget_history,
    budgets_for,
    save_budget,
)
from app.store.db import session_scope
from app.store.models import BudgetChange, System


@pytest.fixture
def shop(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        s.add(System(name="shop"))
    return engine


def test_a_save_writes_the_budget_and_one_audit_row(shop: Engine) -> None:
    saved = save_budget(shop, BudgetSpec("shop", 5000, "eur"), 0, "alice", "editor", "Q4")
    assert (saved.amount, saved.currency, saved.version) == (5000.0, "EUR", 1)
    again = save_budget(shop, BudgetSpec("shop", 6000.5, "EUR"), 1, "bob", "editor", "more GPUs")
    assert again.version == 2
    assert budgets_for(shop, "shop") == [again]
    newest, first = budget_history(shop, "shop")
    assert (newest.changed_by, newest.old, newest.new, newest.reason) == (
        "bob",
        "5,000.00 EUR a month",
        "6,000.50 EUR a month",
        "more GPUs",
    )
    assert (first.old, first.changed_by) == ("", "alice")


def test_a_stale_save_is_refused_and_writes_nothing(shop: Engine) -> None:
    save_budget(shop, BudgetSpec("shop", 5000, "EUR"), 0, "alice", "editor")
    with pytest.raises(BudgetConflictError) as caught:
        save_budget(shop, BudgetSpec("shop", 1, "EUR"), 0, "bob", "editor")
    assert caught.value.current is not None
    assert caught.value.current.amount == 5000
    assert "Nothing was saved" in str(caught.value)
    assert budgets_for(shop, "shop")[0].amount == 5000
    with session_scope(shop) as s:
        assert s.scalar(select(func.count()).select_from(BudgetChange)) == 1


@pytest.mark.parametrize(
    ("amount", "currency", "problem"),
    [
        (0, "EUR", "above 0"),
        (-5, "EUR", "above 0"),
        (math.nan, "EUR", "above 0"),
        (math.inf, "EUR", "above 0"),
        (2e12, "EUR", r"at most 10\^12"),
        (10, "EURO", "three-letter"),
        (10, "€", "three-letter"),
        (10, "", "three-letter"),
    ],
)
def test_bad_budgets_are_refused(shop: Engine, amount: float, currency: str, problem: str) -> None:
    with pytest.raises(BudgetValidationError, match=problem):
        save_budget(shop, BudgetSpec("shop", amount, currency), 0, "alice", "editor")
    assert budgets_for(shop) == []


def test_only_editors_save_and_unknown_systems_are_named(shop: Engine) -> None:
    with pytest.raises(PermissionError):
        save_budget(shop, BudgetSpec("shop", 10, "EUR"), 0, "eve", "viewer")
    with pytest.raises(LookupError, match="nowhere"):
        save_budget(shop, BudgetSpec("nowhere", 10, "EUR"), 0, "alice", "editor")
    assert budgets_for(shop) == []
