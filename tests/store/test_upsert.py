"""Upserts on natural keys behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from app.store.db import session_scope
from app.store.models import HealthSample, System
from app.store.upsert import upsert


def _sample(system_id: int, minute: int, errors: int) -> dict[str, object]:
    return {
        "system_id": system_id,
        "timestamp": datetime(2026, 1, 1, 0, minute, tzinfo=UTC),
        "requests": 100,
        "errors": errors,
    }


def test_upsert_inserts_then_updates_in_place(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(System(name="svc"))
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id))
        upsert(
            session,
            HealthSample.__table__,
            [_sample(system_id, m, 1) for m in range(3)],
            key=["system_id", "timestamp"],
        )
    with session_scope(engine) as session:
        upsert(
            session,
            HealthSample.__table__,
            [_sample(system_id, 1, 7)],
            key=["system_id", "timestamp"],
        )
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(HealthSample)) == 3
        errors = session.scalar(select(HealthSample.errors).where(HealthSample.errors == 7))
        assert errors == 7


def test_timestamps_come_back_aware_utc(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(System(name="svc", created_at=datetime(2026, 3, 1, 12, tzinfo=UTC)))
    with session_scope(engine) as session:
        created = session.scalar(select(System.created_at))
    assert created == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert created.tzinfo is not None
