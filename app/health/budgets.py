"""Monthly budgets per system: read, validated, optimistically locked and audited.

A budget is set as thresholds and SLOs are (``app.health.threshold_edits``,
``app.health.slo_edits``), by the one path every edit takes (the Thresholds
page and ``tandem budget set``):

* **Roles.** Only an ``editor`` writes (``app.roles.require_editor``).
* **Validation.** ``BudgetValidationError`` lists every broken rule: an
  amount that is a finite number above 0 and at most 10^12, a currency of
  three letters (ISO 4217, stored upper-case).
* **Optimistic locking.** A save names the version it started from (0: no
  budget stored). If the row moved on, ``BudgetConflictError`` carries the
  current budget and nothing is written; the database checks it again
  (``version_id_col``; the unique system for two first saves).
* **Audit.** Each save writes the budget and one ``BudgetChange`` row in one
  transaction; the audit id is part of the pages' data version.

There is no built-in budget: a system without one has an unknown
``cost.month_to_date_vs_budget``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.roles import require_editor
from app.store.db import session_scope
from app.store.models import Budget, BudgetChange, System
from app.store.types import utc_now

__all__ = [
    "BudgetChangeRecord",
    "BudgetConflictError",
    "BudgetSpec",
    "BudgetValidationError",
    "budget_history",
    "budget_problems",
    "budgets_by_id",
    "budgets_for",
    "save_budget",
]

MAX_AMOUNT: Final = 1e12
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class BudgetSpec:
    """What ``system`` may spend in a month, in ``currency``; ``version`` 0: not stored."""

    system: str
    amount: float
    currency: str
    version: int = 0
    updated_by: str = ""

    def describe(self) -> str:
        return f"{self.amount:,.2f} {self.currency} a month"


class BudgetValidationError(ValueError):
    """The budget breaks a rule; ``problems`` lists each one as a sentence."""

    def __init__(self, system: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"budget of {system}: " + "; ".join(self.problems))


class BudgetConflictError(RuntimeError):
    """Someone saved this budget after the editor loaded it; ``current`` is theirs."""

    def __init__(self, current: BudgetSpec | None, system: str, expected: int) -> None:
        self.current = current
        self.expected_version = expected
        now = f"it is now {current.describe()}" if current is not None else "it is not stored"
        found = current.version if current is not None else 0
        super().__init__(
            f"the budget of {system} was changed by someone else since you loaded it "
            f"(version {expected} → {found}); {now}. Nothing was saved."
        )


@dataclass(frozen=True)
class BudgetChangeRecord:
    """One audit row: who set which budget, when, from what to what, and why."""

    id: int
    system: str
    changed_at: datetime
    changed_by: str
    old: str  # '' when the change created the budget
    new: str
    reason: str


def budget_problems(amount: float, currency: str) -> list[str]:
    """Every rule the budget breaks, as sentences (empty: valid)."""
    problems = []
    finite = isinstance(amount, int | float) and not isinstance(amount, bool)
    if not finite or not math.isfinite(amount) or not 0 < amount <= MAX_AMOUNT:
        problems.append(f"the amount must be a number above 0 and at most 10^12 (got {amount!r})")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        problems.append(f"the currency must be a three-letter ISO 4217 code (got {currency!r})")
    return problems


def budgets_by_id(session: Session, system_ids: Collection[int]) -> dict[int, BudgetSpec]:
    """The stored budget of each system that has one (one query)."""
    query = (
        select(Budget, System.name)
        .join(System, System.id == Budget.system_id)
        .where(Budget.system_id.in_(sorted(system_ids)))
    )
    return {row.system_id: _spec(row, name) for row, name in session.execute(query)}


def budgets_for(engine: Engine, system: str | None = None) -> list[BudgetSpec]:
    """Stored budgets by system name (one system's, or all). ``LookupError``: unknown system."""
    with session_scope(engine) as session:
        query = select(System.id)
        if system is not None:
            query = query.where(System.name == system)
            if session.scalar(query) is None:
                raise LookupError(f"no system named {system!r}")
        found = budgets_by_id(session, list(session.scalars(query)))
    return sorted(found.values(), key=lambda b: b.system)


def save_budget(
    engine: Engine,
    budget: BudgetSpec,
    expected_version: int,
    user: str,
    role: str,
    reason: str = "",
) -> BudgetSpec:
    """Create or replace the budget of ``budget.system`` and audit the change.

    Raises ``PermissionError`` (not an editor), ``BudgetValidationError``,
    ``LookupError`` (unknown system) or ``BudgetConflictError`` (stale
    ``expected_version``; nothing written).
    """
    require_editor(role)
    currency = budget.currency.strip().upper() if isinstance(budget.currency, str) else ""
    problems = budget_problems(budget.amount, currency)
    if problems:
        raise BudgetValidationError(budget.system, problems)
    try:
        with session_scope(engine) as session:
            system_id = _system_id(session, budget.system)
            row = _row(session, system_id)
            old = _spec(row, budget.system) if row is not None else None
            if (row.version if row is not None else 0) != expected_version:
                raise BudgetConflictError(old, budget.system, expected_version)
            if row is None:
                row = Budget(system_id=system_id)
                session.add(row)
            row.amount, row.currency = float(budget.amount), currency
            row.updated_at, row.updated_by = utc_now(), user
            session.add(
                BudgetChange(
                    system=budget.system,
                    changed_at=utc_now(),
                    changed_by=user,
                    old_amount=old.amount if old else None,
                    old_currency=old.currency if old else None,
                    new_amount=float(budget.amount),
                    new_currency=currency,
                    reason=reason,
                )
            )
            session.flush()
            return _spec(row, budget.system)
    except (StaleDataError, IntegrityError):
        with session_scope(engine) as session:
            row = _row(session, _system_id(session, budget.system))
            current = _spec(row, budget.system) if row is not None else None
        raise BudgetConflictError(current, budget.system, expected_version) from None


def budget_history(
    engine: Engine, system: str | None = None, limit: int = 200
) -> list[BudgetChangeRecord]:
    """Audit rows, newest first, optionally of one system."""
    with session_scope(engine) as session:
        query = select(BudgetChange).order_by(BudgetChange.id.desc()).limit(limit)
        if system is not None:
            query = query.where(BudgetChange.system == system)
        return [
            BudgetChangeRecord(
                id=c.id,
                system=c.system,
                changed_at=c.changed_at,
                changed_by=c.changed_by,
                old=_describe(c.old_amount, c.old_currency),
                new=_describe(c.new_amount, c.new_currency),
                reason=c.reason,
            )
            for c in session.scalars(query)
        ]


def _describe(amount: float | None, currency: str | None) -> str:
    if amount is None or currency is None:
        return ""
    return BudgetSpec("", amount, currency).describe()


def _system_id(session: Session, system: str) -> int:
    system_id = session.scalar(select(System.id).where(System.name == system))
    if system_id is None:
        raise LookupError(f"no system named {system!r}")
    return system_id


def _row(session: Session, system_id: int) -> Budget | None:
    session.expire_all()
    return session.scalar(select(Budget).where(Budget.system_id == system_id))


def _spec(row: Budget, system: str) -> BudgetSpec:
    return BudgetSpec(system, row.amount, row.currency, row.version, row.updated_by)
