"""What the pages show of costs: each system's spend trend, and each model version's cost.

Plain values for ``app.ui``; the definitions are :mod:`app.health.cost`'s
(spend, runs leading to a version, currencies never added).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.health.budgets import budgets_by_id
from app.health.cost import MONTH, retrain_costs
from app.health.window import Window
from app.store.models import System
from app.store.queries.costs import daily_spend

VERSION_COLUMNS = (
    "system", "model", "version", "registered_at", "in_production", "runs", "failed_runs",
    "runs_without_cost", "cost", "currency", "compute_hours",
)  # fmt: skip


@dataclass(frozen=True)
class CostTrend:
    """A system's daily spend over a window, in one currency (else ``currencies`` lists them).

    ``daily``: oldest first, one value per UTC day of the window (0 on a day without
    spend); ``month``: the trailing 30 days' spend at the window's end, as the budget signal
    reads it; ``budget``: the monthly budget in ``currency``, if one is set in it.
    """

    system: str
    currency: str | None
    currencies: tuple[str, ...]
    daily: tuple[float, ...]
    total: float | None
    month: float | None
    budget: float | None


def _ids(session: Session, systems: Collection[str] | None) -> dict[int, str]:
    query = select(System.id, System.name)
    if systems is not None:
        query = query.where(System.name.in_(sorted(systems)))
    return {row.id: row.name for row in session.execute(query)}


def cost_trends(session: Session, systems: Collection[str], window: Window) -> dict[str, CostTrend]:
    """Every named system's spend trend over ``window`` (three queries for all systems)."""
    ids = _ids(session, systems)
    if not ids:
        return {}
    start = pd.Timestamp(min(window.since, window.until - MONTH)).floor("D")
    spend = daily_spend(session, list(ids), start.to_pydatetime(), window.until)
    budgets = budgets_by_id(session, list(ids))
    days = pd.date_range(pd.Timestamp(window.since).floor("D"), window.until, freq="D",
                         inclusive="left")  # fmt: skip
    trends = {}
    for system_id, name in ids.items():
        own = spend[spend["system_id"] == system_id]
        currencies = tuple(sorted(set(own["currency"])))
        if len(currencies) != 1:
            trends[name] = CostTrend(name, None, currencies, (), None, None, None)
            continue
        per_day = own.groupby("day")["amount"].sum().reindex(days, fill_value=0.0)
        month = own.loc[own["day"] >= pd.Timestamp(window.until - MONTH), "amount"].sum()
        budget = budgets.get(system_id)
        trends[name] = CostTrend(
            name,
            currencies[0],
            currencies,
            tuple(float(v) for v in per_day),
            float(per_day.sum()),
            float(month),
            budget.amount if budget is not None and budget.currency == currencies[0] else None,
        )
    return trends


def version_costs(session: Session, systems: Collection[str] | None) -> pd.DataFrame:
    """One row per registered model version (of ``systems``; None: all): the runs since the
    previous version and their cost.

    A version's runs are those of its run's experiment started after the previous version of
    the same model was registered and no later than it was (:func:`app.health.cost.
    runs_leading_to`); failed and killed runs count. ``cost`` is empty when the runs logged
    none or logged it in several currencies (``currency`` then lists them).
    """
    ids = _ids(session, systems)
    rows = [
        {
            "system": ids[c.system_id],
            "model": c.model_name,
            "version": c.version,
            "registered_at": c.registered_at,
            "in_production": c.in_production,
            "runs": c.runs,
            "failed_runs": c.failed_runs,
            "runs_without_cost": c.runs_without_cost,
            "cost": c.single_cost,
            "currency": ", ".join(sorted(c.cost)) or None,
            "compute_hours": c.compute_hours,
        }
        for c in retrain_costs(session, list(ids), production_only=False)
    ]
    frame = pd.DataFrame(rows, columns=list(VERSION_COLUMNS))
    frame["registered_at"] = pd.to_datetime(frame["registered_at"], utc=True)
    return frame.sort_values(["system", "model", "version"], ascending=[True, True, False])
