"""deployment rework: deployments say whether they were unplanned, and which incident they answer

Two columns on ``deployments`` for DORA's deployment rework rate: ``unplanned``
(false for every deployment stored so far) and ``incident_id`` (empty). The six
delivery signals renamed to DORA's names keep their thresholds: rows of
``thresholds`` and ``threshold_changes`` stored under an old key move to the new
one (``app.health.catalog.ALIASES``; no row can exist under a new key yet).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must not change when the catalogue does.
RENAMED = {
    "release.deploy_frequency_per_day": "release.deployment_frequency_per_day",
    "release.lead_time_h": "release.change_lead_time_h",
    "release.change_failure_rate": "release.change_fail_rate",
    "deploy.model_deploy_frequency_per_day": "deploy.model_deployment_frequency_per_day",
    "deploy.model_lead_time_h": "deploy.model_change_lead_time_h",
    "deploy.model_change_failure_rate": "deploy.model_change_fail_rate",
}


def upgrade() -> None:
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unplanned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("incident_id", sa.String(length=200), nullable=True))
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_column("incident_id")
        batch_op.drop_column("unplanned")


def _rename(names: dict[str, str]) -> None:
    for table in ("thresholds", "threshold_changes"):
        for old, new in names.items():
            op.execute(
                sa.text(f"UPDATE {table} SET signal = :new WHERE signal = :old").bindparams(
                    old=old, new=new
                )
            )
