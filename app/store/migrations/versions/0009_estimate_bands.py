"""estimate bands: the confidence band of an estimated performance result

Two nullable columns on ``performance_results``: ``lower`` and ``upper``, the
band around an estimated value (DLE's estimate ± 3 sampling errors, see
``app.production.dle``). NULL for measured results and for estimates stored
before this revision or without a band (CBPE's).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("performance_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lower", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("upper", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("performance_results", schema=None) as batch_op:
        batch_op.drop_column("upper")
        batch_op.drop_column("lower")
