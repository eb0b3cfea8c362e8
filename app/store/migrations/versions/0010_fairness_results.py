"""fairness results: per window, sensitive column and group

One new table, empty at upgrade: windows ingested before it have no fairness
figures until their file is ingested again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fairness_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.String(length=250), nullable=False),
        sa.Column("group_value", sa.String(length=250), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["production_windows.id"],
            name=op.f("fk_fairness_results_window_id_production_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_results")),
        sa.UniqueConstraint(
            "window_id",
            "attribute",
            "group_value",
            "metric",
            name=op.f("uq_fairness_results_window_id"),
        ),
    )
    with op.batch_alter_table("fairness_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fairness_results_window_id"), ["window_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fairness_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fairness_results_window_id"))
    op.drop_table("fairness_results")
