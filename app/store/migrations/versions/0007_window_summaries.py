"""window summaries: what the pages draw of a window (binned and category counts,
confusion-matrix counts, residual counts), so that no page reads a window's rows

One new table, empty at upgrade. Windows stored before it have no summaries;
the pages build those of a window whose Parquet file is in the data dir from
the file when they show it (not stored), and the window's next ingest or drift
refresh stores them (see ``app.production.summaries``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_summaries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("column", sa.String(length=250), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["production_windows.id"],
            name=op.f("fk_window_summaries_window_id_production_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_window_summaries")),
        sa.UniqueConstraint(
            "window_id", "kind", "column", name=op.f("uq_window_summaries_window_id")
        ),
    )
    with op.batch_alter_table("window_summaries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_window_summaries_window_id"), ["window_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("window_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_window_summaries_window_id"))
    op.drop_table("window_summaries")
