"""business value: a value matrix and sensitive columns per model version; values per window

``model_versions`` gains ``value_tp``, ``value_fp``, ``value_fn``, ``value_tn``
(the worth of each outcome of a binary classifier's prediction), ``value_unit``
and ``sensitive`` (comma-separated production columns compared for fairness);
NULL for the versions stored before, which had none. One new table, empty at
upgrade: ``business_values`` (per window, realised and estimated value).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

VALUE_COLUMNS = ("value_tp", "value_fp", "value_fn", "value_tn")


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        for name in VALUE_COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch.add_column(sa.Column("value_unit", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("sensitive", sa.String(length=1000), nullable=True))
    op.create_table(
        "business_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("realised", sa.Float(), nullable=True),
        sa.Column("realised_rows", sa.Integer(), nullable=False),
        sa.Column("estimated", sa.Float(), nullable=True),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("estimated_rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["production_windows.id"],
            name=op.f("fk_business_values_window_id_production_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_values")),
        sa.UniqueConstraint("window_id", name=op.f("uq_business_values_window_id")),
    )


def downgrade() -> None:
    op.drop_table("business_values")
    with op.batch_alter_table("model_versions") as batch:
        for name in ("sensitive", "value_unit", *reversed(VALUE_COLUMNS)):
            batch.drop_column(name)
