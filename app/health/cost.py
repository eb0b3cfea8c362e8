"""The Cost stage: what training and serving a system's models cost, and its budget.

Amounts are never converted: a sum is taken within one currency, and a signal
whose inputs hold more than one currency has no value (unknown) and a note
naming them, rather than an invented total. Spend follows
:func:`app.store.queries.costs.daily_spend` (bills, with training runs' costs
standing in for training bills a system does not send).

``cost.training_per_retrain`` — what the newest production model version cost
to train: the costs of the runs that led to it, failed and killed ones
included. A run *leads to* a version when it belongs to the experiment of the
version's own run (any experiment of the system when that run is unknown) and
started after the previous production version was registered and no later
than this version was (:func:`runs_leading_to`). Unit: the runs' currency.
Default bounds, warn above 1,000 and critical above 5,000 (in the system's
currency): a tabular model's retrain on rented CPUs or one GPU costs tens to a
few hundred; a thousand means a sweep or bigger hardware, five thousand is
days of a GPU node. They are placeholders for a system's own scale: set them
per system like every threshold.

``cost.serving_per_1k_predictions`` — serving bills over the window divided by
the production rows served in it (windows that start in it), × 1,000.
Default bounds, warn above 1 and critical above 5 per 1,000 predictions:
hosted tabular inference costs cents per thousand; an amount in units per
thousand is a large model or idle, overprovisioned replicas.

``cost.month_to_date_vs_budget`` — spend over the month ending at the
window's end (the trailing 30 days, whatever the window's length), divided by
the system's monthly budget (``tandem budget set``; none: unknown). Only spend
in the budget's currency counts; spend in another currency makes the value
unknown. *Trailing*, not calendar, month: a calendar month's first days
would always read as under budget, and a status must not depend on the day of
the month it is read. Default bounds, warn above 0.9 and critical above 1.0:
the 90 % and 100 % alerts of cloud budgets (Google Cloud's default budget
alert rules are 50, 90 and 100 %).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app.health.budgets import budgets_by_id
from app.health.window import Window
from app.store.queries.costs import daily_spend, model_versions, predictions, training_runs

TRAINING = "cost.training_per_retrain"
SERVING = "cost.serving_per_1k_predictions"
BUDGET = "cost.month_to_date_vs_budget"
MONTH = timedelta(days=30)
FAILED = ("FAILED", "KILLED")


@dataclass(frozen=True)
class RetrainCost:
    """The runs that led to one model version and what they cost, per currency."""

    system_id: int
    model_name: str
    version: int
    registered_at: datetime
    in_production: bool
    runs: int
    failed_runs: int
    runs_without_cost: int
    cost: Mapping[str, float]  # by currency
    compute_hours: float

    @property
    def single_cost(self) -> float | None:
        """The cost when it is in one currency; None when none or several."""
        return next(iter(self.cost.values())) if len(self.cost) == 1 else None


def runs_leading_to(
    runs: pd.DataFrame, experiment: str | None, after: datetime | None, upto: datetime
) -> pd.DataFrame:
    """The rows of ``runs`` that led to a version registered at ``upto`` (see the module)."""
    chosen = runs["started_at"] <= pd.Timestamp(upto)
    if after is not None:
        chosen &= runs["started_at"] > pd.Timestamp(after)
    if experiment is not None:
        chosen &= runs["experiment"] == experiment
    return runs[chosen]


def retrain_costs(
    session: Session,
    system_ids: Collection[int],
    *,
    production_only: bool,
    newest_before: datetime | None = None,
) -> list[RetrainCost]:
    """Every registered version's training cost, by system and version.

    With ``production_only`` the versions are those served in production and
    each takes the runs since the previous *production* version; otherwise
    every version takes the runs since the previous registered one. With
    ``newest_before``, only each system's newest such version registered before
    it (what ``cost.training_per_retrain`` reads): the same runs and sums, without
    costing the versions nobody asked about.
    """
    versions = model_versions(session, system_ids)
    if production_only:
        versions = versions[versions["in_production"]]
    records: list[dict[Any, Any]] = versions.sort_values(
        ["system_id", "model_name", "version"]
    ).to_dict("records")
    previous: dict[tuple[int, str], datetime | None] = {}
    chosen: list[tuple[dict[Any, Any], datetime | None]] = []
    for row in records:  # each version's predecessor, whichever versions are costed
        key = (int(row["system_id"]), str(row["model_name"]))
        row["registered_at"] = pd.Timestamp(row["registered_at"]).to_pydatetime()
        chosen.append((row, previous.get(key)))
        previous[key] = row["registered_at"]
    if newest_before is not None:
        newest: dict[int, tuple[dict[Any, Any], datetime | None]] = {}
        for row, before in chosen:
            held = newest.get(row["system_id"])
            if row["registered_at"] < newest_before and (
                held is None or row["registered_at"] > held[0]["registered_at"]
            ):
                newest[row["system_id"]] = (row, before)
        chosen = list(newest.values())
    if not chosen:
        return []
    runs = training_runs(  # as far as the newest version: a version's own run names its experiment
        session,
        system_ids,
        max(row["registered_at"] for row in records) + timedelta(microseconds=1),
    )
    experiment_of = dict(zip(runs["run_id"], runs["experiment"], strict=True))
    found = []
    for row, after in chosen:
        key = (int(row["system_id"]), str(row["model_name"]))
        registered = row["registered_at"]
        own = runs[runs["system_id"] == key[0]]
        led = runs_leading_to(own, experiment_of.get(row["run_id"]), after, registered)
        costed = led[led["cost"].notna()]
        by_currency = costed.groupby("currency")["cost"].sum()
        found.append(
            RetrainCost(
                key[0],
                key[1],
                int(row["version"]),
                registered,
                bool(row["in_production"]),
                len(led),
                int(led["status"].isin(FAILED).sum()),
                len(led) - len(costed),
                {str(c): float(v) for c, v in by_currency.items()},
                float(led["compute_hours"].fillna(0).sum()),
            )
        )
    return found


def _one_currency(amounts: pd.Series) -> tuple[float | None, str | None]:
    """(sum, currency) when ``amounts`` (indexed by currency) has one currency, else a note."""
    if amounts.empty:
        return None, None
    if len(amounts) > 1:
        return None, f"amounts in {', '.join(sorted(amounts.index))}: not added together"
    return float(amounts.iloc[0]), None


def cost_signals(
    session: Session,
    system_ids: Collection[int],
    window: Window,
    notes: dict[int, dict[str, str]] | None = None,
) -> dict[int, dict[str, float | None]]:
    """The Cost stage's three values per system; a note where a value needs one."""
    ids = list(system_ids)
    values: dict[int, dict[str, float | None]] = {
        i: dict.fromkeys((TRAINING, SERVING, BUDGET)) for i in ids
    }
    notes = notes if notes is not None else {}
    if not ids:
        return values
    for cost in retrain_costs(session, ids, production_only=True, newest_before=window.until):
        system_id = cost.system_id
        values[system_id][TRAINING] = cost.single_cost
        if not cost.cost:  # no run logged a cost: unknown, nothing to explain
            continue
        currencies = ", ".join(sorted(cost.cost))
        notes.setdefault(system_id, {})[TRAINING] = (
            f"v{cost.version}: {cost.runs} runs ({cost.failed_runs} failed or killed), {currencies}"
            + ("; several currencies, not added" if len(cost.cost) > 1 else "")
        )
    start = min(window.since, window.until - MONTH)
    spend = daily_spend(session, ids, start, window.until)
    served = predictions(session, ids, window.since, window.until, daily=False)
    rows = dict(zip(served["system_id"], served["rows"], strict=True))
    budgets = budgets_by_id(session, ids)
    for system_id in ids:
        own = spend[spend["system_id"] == system_id]
        in_window = own[(own["day"] >= pd.Timestamp(window.since)) & (own["category"] == "serving")]
        serving, note = _one_currency(in_window.groupby("currency")["amount"].sum())
        if serving is not None and rows.get(system_id):
            values[system_id][SERVING] = serving / rows[system_id] * 1000
            currency = str(in_window["currency"].iloc[0])
            notes.setdefault(system_id, {})[SERVING] = (
                f"{currency}: {serving:,.2f} over {int(rows[system_id]):,} predictions"
            )
        elif note:
            notes.setdefault(system_id, {})[SERVING] = note
        budget = budgets.get(system_id)
        month = own[own["day"] >= pd.Timestamp(window.until - MONTH)]
        if budget is None or month.empty:
            continue
        by_currency = month.groupby("currency")["amount"].sum()
        others = sorted(set(by_currency.index) - {budget.currency})
        if others:
            notes.setdefault(system_id, {})[BUDGET] = (
                f"spend in {', '.join(others)}, budget in {budget.currency}: not converted"
            )
            continue
        values[system_id][BUDGET] = float(by_currency.get(budget.currency, 0.0)) / budget.amount
    return values


def cost_series(
    session: Session, system_id: int, signal: str, window: Window
) -> tuple[str, list[datetime], list[float | None]]:
    """(bucket, starts, values) of a ``cost.*`` signal over ``window``, for the what-if replay.

    ``month_to_date_vs_budget`` and ``serving_per_1k_predictions``: one bucket per UTC day
    with a value (the trailing 30 days' spend at the day's end over the budget in force now;
    the day's serving bills over its predictions); ``training_per_retrain``: one bucket per
    production version registered in the window. Amounts in mixed currencies give no value.
    """
    if signal == TRAINING:
        retrains = retrain_costs(session, [system_id], production_only=True)
        chosen = [c for c in retrains if window.since <= c.registered_at < window.until]
        return "version", [c.registered_at for c in chosen], [c.single_cost for c in chosen]
    days = pd.date_range(
        pd.Timestamp(window.since).floor("D"), window.until, freq="D", inclusive="left"
    )
    spend = daily_spend(
        session, [system_id], days[0] - MONTH if len(days) else window.since, window.until
    )
    values: list[float | None] = []
    if signal == SERVING:
        served = predictions(session, [system_id], window.since, window.until, daily=True)
        rows = dict(zip(served["day"], served["rows"], strict=True))
        serving = spend[spend["category"] == "serving"]
        for day in days:
            total, _ = _one_currency(
                serving[serving["day"] == day].groupby("currency")["amount"].sum()
            )
            values.append(total / rows[day] * 1000 if total is not None and rows.get(day) else None)
        return "day", *_known(days, values)
    budget = budgets_by_id(session, [system_id]).get(system_id)
    for day in days:
        end = day + pd.Timedelta(days=1)
        month = spend[(spend["day"] >= end - MONTH) & (spend["day"] < end)]
        by_currency = month.groupby("currency")["amount"].sum()
        fits = (
            budget is not None and not month.empty and set(by_currency.index) <= {budget.currency}
        )
        values.append(float(by_currency.sum()) / budget.amount if fits and budget else None)
    return "day", *_known(days, values)


def _known(
    days: pd.DatetimeIndex, values: list[float | None]
) -> tuple[list[datetime], list[float | None]]:
    """The days that have a value (a day without one is no bucket)."""
    kept = [(d.to_pydatetime(), v) for d, v in zip(days, values, strict=True) if v is not None]
    return [d for d, _ in kept], [v for _, v in kept]
