"""Small read-only queries the shell and several pages share."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from app.store.db import get_engine, session_scope
from app.store.models import BudgetChange, IngestRecord, SloChange, System, ThresholdChange


def system_names(engine: Engine | None = None) -> list[str]:
    with session_scope(engine or get_engine()) as session:
        return list(session.scalars(select(System.name).order_by(System.name)))


def data_version(engine: Engine | None = None) -> tuple[int, int]:
    """Changes whenever data is ingested, a threshold moves or an SLO or budget is saved.

    The cache key of pages: (newest ingest, newest threshold change + newest SLO
    change + newest budget change); audit ids only grow, so the sum grows with any.
    """
    newest = [
        select(func.coalesce(func.max(model.id), 0)).scalar_subquery()
        for model in (IngestRecord, ThresholdChange, SloChange, BudgetChange)
    ]
    with (engine or get_engine()).connect() as connection:  # one round trip: every page run asks
        ingests, changes, slo_changes, budget_changes = connection.execute(select(*newest)).one()
    return int(ingests), int(changes) + int(slo_changes) + int(budget_changes)
