"""Reads of what systems cost: bills (``cost_entries``), run costs, predictions served.

One home for the cost queries the ``cost.*`` signals, the what-if replay and
the pages share. Periods are half-open ``[since, until)`` in UTC.

**Spend** (:func:`daily_spend`) is the bills of a period, by day, category and
currency, with one rule against counting training twice: a system's training
spend is its ``training`` bills when it has any in the period, else the costs
of its training runs (counted on the UTC day each run started).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
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


def bills(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime
) -> pd.DataFrame:
    """The bills of the period (``SPEND_COLUMNS``), one row per stored entry."""
    query = select(
        CostEntry.system_id, CostEntry.day, CostEntry.category, CostEntry.currency, CostEntry.amount
    ).where(
        CostEntry.system_id.in_(sorted(system_ids)), CostEntry.day >= since, CostEntry.day < until
    )
    return _frame(session.execute(query).all(), SPEND_COLUMNS)


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
    """Spend by system, UTC day, category and currency (see the module's rule on training)."""
    billed = bills(session, system_ids, since, until)
    billed["day"] = pd.to_datetime(billed["day"], utc=True)
    billed_training = set(billed.loc[billed["category"] == "training", "system_id"])
    runs = training_runs(session, set(system_ids) - billed_training, until, since)
    runs = runs[runs["cost"].notna()]
    from_runs = pd.DataFrame(
        {
            "system_id": runs["system_id"],
            "day": runs["started_at"].dt.floor("D"),
            "category": "training",
            "currency": runs["currency"],
            "amount": runs["cost"],
        }
    )
    spend = pd.concat([billed, from_runs], ignore_index=True) if len(from_runs) else billed
    if spend.empty:
        return spend.astype({"amount": float})
    keys = ["system_id", "day", "category", "currency"]
    summed = spend.groupby(keys, as_index=False).agg(amount=("amount", "sum"))
    return summed.astype({"amount": float})


def predictions(
    session: Session, system_ids: Collection[int], since: datetime, until: datetime, *, daily: bool
) -> pd.DataFrame:
    """Production rows served (reference data left out), per system and window start."""
    query = select(ProductionWindow.system_id, ProductionWindow.window_start, ProductionWindow.rows)
    query = query.where(
        ProductionWindow.system_id.in_(sorted(system_ids)),
        ProductionWindow.is_reference.is_(False),
        ProductionWindow.window_start >= since,
        ProductionWindow.window_start < until,
    )
    frame = _frame(session.execute(query).all(), ("system_id", "day", "rows"))
    frame["day"] = pd.to_datetime(frame["day"], utc=True).dt.floor("D")
    keys = ["system_id", "day"] if daily else ["system_id"]
    return frame.groupby(keys, as_index=False).agg(rows=("rows", "sum"))


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
