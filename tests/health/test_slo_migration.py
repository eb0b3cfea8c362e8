"""Migration 0004 gives every existing system the SLO it had implicitly (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, select, text

from app.store.db import session_scope
from app.store.migrate import alembic_config, current_revision, head_revision, upgrade
from app.store.models import Slo, SloChange, System


def _insert_0003_rows(engine: Engine) -> None:
    """Three systems: one with its own availability bound, two inheriting the global one."""
    with engine.begin() as connection:
        for name in ("own", "inherits", "also-inherits"):
            connection.execute(
                text("INSERT INTO systems (name, created_at) VALUES (:n, '2026-01-01 00:00:00')"),
                {"n": name},
            )
        connection.execute(
            text(
                "INSERT INTO thresholds (scope, signal, direction, warn, critical, version,"
                " updated_at, updated_by) VALUES"
                " ('own', 'operate.availability', 'higher_is_better', 0.99, 0.98, 1,"
                "  '2026-01-01 00:00:00', 'x'),"
                " ('', 'operate.availability', 'higher_is_better', 0.995, 0.99, 1,"
                "  '2026-01-01 00:00:00', 'x')"
            )
        )


def test_upgrade_derives_each_systems_slo_from_its_availability_warn_bound(
    engine: Engine,
) -> None:
    command.downgrade(alembic_config(engine), "0003")
    _insert_0003_rows(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with session_scope(engine) as session:
        rows = session.execute(
            select(System.name, Slo.name, Slo.sli, Slo.target, Slo.period_days, Slo.min_events,
                   Slo.version).join(Slo, Slo.system_id == System.id).order_by(System.name)
        ).all()  # fmt: skip
        reasons = dict(session.execute(select(SloChange.system, SloChange.reason)).all())
    assert [tuple(r) for r in rows] == [
        ("also-inherits", "availability", "availability", 0.995, 28, 100, 1),
        ("inherits", "availability", "availability", 0.995, 28, 100, 1),
        ("own", "availability", "availability", 0.99, 28, 100, 1),
    ]
    assert reasons == {
        "own": "derived from own's own operate.availability warn bound",
        "inherits": "derived from the global operate.availability warn bound",
        "also-inherits": "derived from the global operate.availability warn bound",
    }


def test_upgrade_without_thresholds_uses_the_catalogue_bound(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0003")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO systems (name, created_at) VALUES ('x', '2026-01-01 00:00:00')")
        )
    upgrade(engine)
    with session_scope(engine) as session:
        assert session.scalars(select(Slo.target)).all() == [0.999]
