"""kpis: business KPI series per system

One new table, empty at upgrade: ``kpi_points`` (kind ``kpis``), one row per
system, KPI name and timestamp.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kpi_points",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timestamp", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["systems.id"], name=op.f("fk_kpi_points_system_id_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_points")),
        sa.UniqueConstraint("system_id", "name", "timestamp", name=op.f("uq_kpi_points_system_id")),
    )


def downgrade() -> None:
    op.drop_table("kpi_points")
