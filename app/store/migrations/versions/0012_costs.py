"""costs: training runs' cost columns, billed cost entries, monthly budgets and their audit

``training_runs`` gains ``cost``, ``currency`` and ``compute_hours`` (NULL for the runs
stored before, which had none). Three new tables, empty at upgrade: ``cost_entries``
(kind ``costs``), ``budgets`` (one per system, optimistically locked) and
``budget_changes`` (who set which budget).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 20:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("training_runs") as batch:
        batch.add_column(sa.Column("cost", sa.Float(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("compute_hours", sa.Float(), nullable=True))
    op.create_table(
        "cost_entries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("day", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_cost_entries_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_entries")),
        sa.UniqueConstraint(
            "system_id", "day", "category", "currency", name=op.f("uq_cost_entries_system_id")
        ),
    )
    op.create_index("ix_cost_entries_system_day", "cost_entries", ["system_id", "day"])
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_budgets_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
        sa.UniqueConstraint("system_id", name=op.f("uq_budgets_system_id")),
    )
    op.create_table(
        "budget_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("changed_at", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("old_amount", sa.Float(), nullable=True),
        sa.Column("old_currency", sa.String(length=3), nullable=True),
        sa.Column("new_amount", sa.Float(), nullable=False),
        sa.Column("new_currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_changes")),
    )


def downgrade() -> None:
    op.drop_table("budget_changes")
    op.drop_table("budgets")
    op.drop_index("ix_cost_entries_system_day", "cost_entries")
    op.drop_table("cost_entries")
    with op.batch_alter_table("training_runs") as batch:
        batch.drop_column("compute_hours")
        batch.drop_column("currency")
        batch.drop_column("cost")
