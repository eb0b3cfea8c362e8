"""Migration 0005: thresholds stored under the old DORA keys keep applying (SQLite and PostgreSQL).

The six delivery signals took DORA's names; a bound someone set under an old
key, and its audit rows, move to the new key, and the deployments stored so
far read as planned.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, select, text

from app.health.thresholds import effective_thresholds
from app.store.db import session_scope
from app.store.migrate import alembic_config, current_revision, head_revision, upgrade
from app.store.models import Deployment, ThresholdChange

_NOW = "'2026-01-01 00:00:00'"


def _insert_0004_rows(engine: Engine) -> None:
    """A system with its own old-key lead-time bound, a global old-key model CFR bound, a deploy."""
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO systems (name, created_at) VALUES ('shop', {_NOW})"))
        connection.execute(
            text(
                "INSERT INTO thresholds (scope, signal, direction, warn, critical, version,"
                " updated_at, updated_by) VALUES"
                f" ('shop', 'release.lead_time_h', 'lower_is_better', 12, 36, 2, {_NOW}, 'x'),"
                " ('', 'deploy.model_change_failure_rate', 'lower_is_better', 0.4, 0.6, 1,"
                f"  {_NOW}, 'x')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO threshold_changes (scope, signal, changed_at, changed_by, new_warn,"
                " new_critical, direction, reason) VALUES"
                f" ('shop', 'release.lead_time_h', {_NOW}, 'x', 12, 36, 'lower_is_better', 'r')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO deployments (system_id, deployment_id, kind, deployed_at,"
                " environment, status) SELECT id, 'd1', 'service', "
                f"{_NOW}, 'production', 'success' FROM systems"
            )
        )


def test_old_key_thresholds_move_to_the_dora_names_and_back(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0004")
    _insert_0004_rows(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with session_scope(engine) as session:
        bounds = effective_thresholds(session, "shop")
        audit = session.scalars(select(ThresholdChange.signal)).all()
        deployed = session.execute(select(Deployment.unplanned, Deployment.incident_id)).all()
    lead = bounds["release.change_lead_time_h"]
    assert (lead.warn, lead.critical, lead.scope, lead.version) == (12, 36, "shop", 2)
    model_cfr = bounds["deploy.model_change_fail_rate"]
    assert (model_cfr.warn, model_cfr.critical, model_cfr.scope) == (0.4, 0.6, "")
    assert "release.lead_time_h" not in bounds
    assert audit == ["release.change_lead_time_h"]
    assert [tuple(row) for row in deployed] == [(False, None)]
    # and a downgrade gives the old keys back
    command.downgrade(alembic_config(engine), "0004")
    with engine.connect() as connection:
        signals = connection.execute(text("SELECT signal FROM thresholds ORDER BY signal")).all()
    assert [s for (s,) in signals] == ["deploy.model_change_failure_rate", "release.lead_time_h"]
    upgrade(engine)
