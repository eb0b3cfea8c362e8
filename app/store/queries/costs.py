"""Reads of what systems cost: bills (``cost_entries``), run costs, predictions served.

One home for the cost queries the ``cost.*`` signals, the what-if replay and
the pages share. Periods are half-open ``[since, until)`` in UTC.

**Spend** (:func:`daily_spend`) is the bills of a period, by day, category and
currency, with one rule against counting training twice: a system's training
spend is its ``training`` bills when it has any in the period, else the costs
of its training runs (counted on the UTC day each run started).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.store.models import (
    CostEntry,
    Deployment,
    ModelVersion,
    ProductionWindow,
    TrainingRun,
)

SPEND_COLUMNS = ("system_id", "day", "category", "currency", "amount")
RUN_COLUMNS = (
    "system_id",
    "run_id",
    "experiment",
    "started_at",
    "status",
    "cost",
    "currency",
    "compute_hours",
)
VERSION_COLUMNS = ("system_id", "model_name", "version", "run_id", "registered_at", "in_production")


def training_runs(
    session: Session, system_ids: Collection[int], until: datetime, since: datetime | None = None
) -> pd.DataFrame:
    """Training runs started before ``until`` (and at or after ``since``), with their cost."""
    query = select(*(getattr(TrainingRun, c) for c in RUN_COLUMNS)).where(
        TrainingRun.system_id.in_(sorted(system_ids)), TrainingRun.started_at < until
    )
    if since is not None:
        query = query.where(TrainingRun.started_at >= since)
    frame = _frame(session.execute(query.order_by(TrainingRun.started_at)).all(), RUN_COLUMNS)
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    return frame.astype({"cost": float, "compute_hours": float})


def daily_spend(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime
) -> pd.DataFrame:
    """Spend by system, UTC day, category and currency (see the module's rule on training).

    Summed in plain Python and framed once: the rows are a few per system and day, and
    every status reads this (pandas' grouping cost ~5 ms a call here, the sums
    microseconds). Sorted by the four keys. A run's cost without a currency, or NaN,
    is no spend: it cannot be added to any.
    """
    totals: dict[tuple[int, datetime, str, str], float] = {}
    query = select(
        CostEntry.system_id, CostEntry.day, CostEntry.category, CostEntry.currency, CostEntry.amount
    ).where(
        CostEntry.system_id.in_(sorted(system_ids)), CostEntry.day >= since, CostEntry.day < until
    )
    for system_id, day, category, currency, amount in session.execute(query):
        bill = (system_id, day, category, currency)
        totals[bill] = totals.get(bill, 0.0) + float(amount)
    billed_training = {key[0] for key in totals if key[2] == "training"}
    runs = select(
        TrainingRun.system_id, TrainingRun.started_at, TrainingRun.currency, TrainingRun.cost
    )
    runs = runs.where(
        TrainingRun.system_id.in_(sorted(set(system_ids) - billed_training)),
        TrainingRun.started_at >= since,
        TrainingRun.started_at < until,
    )
    for system_id, started_at, run_currency, cost in session.execute(runs):
        if cost is None or run_currency is None or math.isnan(cost):
            continue
        day = started_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        run = (system_id, day, "training", run_currency)
        totals[run] = totals.get(run, 0.0) + float(cost)
    frame = _frame([(*key, amount) for key, amount in sorted(totals.items())], SPEND_COLUMNS)
    frame["day"] = pd.to_datetime(frame["day"], utc=True)
    return frame.astype({"amount": float})


def predictions(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime, *, daily: bool
) -> pd.DataFrame:
    """Production rows served (reference data left out), per system (and UTC day when
    ``daily``) of the windows that start in the period."""
    served = (
        ProductionWindow.system_id.in_(sorted(system_ids)),
        ProductionWindow.is_reference.is_(False),
        ProductionWindow.window_start >= since,
        ProductionWindow.window_start < until,
    )
    if not daily:  # summed by the database: the Cost stage's status reads this on every page
        total = func.sum(ProductionWindow.rows)
        summed = select(ProductionWindow.system_id, total).where(*served)
        rows = session.execute(summed.group_by(ProductionWindow.system_id)).all()
        frame = _frame(rows, ("system_id", "rows"))
        return frame.sort_values("system_id", ignore_index=True).astype({"rows": "int64"})
    query = select(ProductionWindow.system_id, ProductionWindow.window_start, ProductionWindow.rows)
    frame = _frame(session.execute(query.where(*served)).all(), ("system_id", "day", "rows"))
    frame["day"] = pd.to_datetime(frame["day"], utc=True).dt.floor("D")
    return frame.groupby(["system_id", "day"], as_index=False).agg(rows=("rows", "sum"))


def model_versions(session: Session, system_ids: Collection[int]) -> pd.DataFrame:
    """Registered versions (``VERSION_COLUMNS``); ``in_production``: a successful production
    model deployment of that version number exists (with its first such time)."""
    deployed = (
        select(
            Deployment.system_id,
            Deployment.model_version,
            func.min(Deployment.deployed_at).label("deployed_at"),
        )
        .where(
            Deployment.kind == "model",
            Deployment.environment == "production",
            Deployment.status == "success",
        )
        .group_by(Deployment.system_id, Deployment.model_version)
        .subquery()
    )
    query = (
        select(
            ModelVersion.system_id,
            ModelVersion.model_name,
            ModelVersion.version,
            ModelVersion.run_id,
            ModelVersion.registered_at,
            deployed.c.deployed_at,
        )
        .outerjoin(
            deployed,
            (deployed.c.system_id == ModelVersion.system_id)
            & (deployed.c.model_version == ModelVersion.version),
        )
        .where(ModelVersion.system_id.in_(sorted(system_ids)))
        .order_by(ModelVersion.system_id, ModelVersion.model_name, ModelVersion.version)
    )
    frame = _frame(session.execute(query).all(), (*VERSION_COLUMNS[:-1], "deployed_at"))
    frame["registered_at"] = pd.to_datetime(frame["registered_at"], utc=True)
    frame["deployed_at"] = pd.to_datetime(frame["deployed_at"], utc=True)
    frame["in_production"] = frame["deployed_at"].notna()
    return frame


def _frame(
    rows: Sequence[Row[Any]] | Sequence[tuple[Any, ...]], columns: tuple[str, ...]
) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
