"""latency buckets: per-interval histogram bucket counts and their hourly sums

Two new tables, empty at upgrade, and two counters (0 at upgrade):
``health_samples.latency_buckets`` (buckets stored for the interval) and
``health_rollups.bucketed`` (samples of the hour with buckets), which let a
reader skip the bucket tables when a range has none. Health samples stored so
far have interval percentiles only, and their range latency stays the approximation it was
(the request-weighted mean of interval percentiles, said so where shown).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("health_samples", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("latency_buckets", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("health_rollups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bucketed", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "health_latency_buckets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("timestamp", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("le_ms", sa.Float(), nullable=False),
        sa.Column("count", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["systems.id"], name=op.f("fk_health_latency_buckets_system_id_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_latency_buckets")),
        sa.UniqueConstraint(
            "system_id", "timestamp", "le_ms", name=op.f("uq_health_latency_buckets_system_id")
        ),
    )
    op.create_table(
        "health_rollup_buckets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("hour", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("le_ms", sa.Float(), nullable=False),
        sa.Column("count", sa.Float(), nullable=False),
        sa.Column("intervals", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["systems.id"], name=op.f("fk_health_rollup_buckets_system_id_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_rollup_buckets")),
        sa.UniqueConstraint(
            "system_id", "hour", "le_ms", name=op.f("uq_health_rollup_buckets_system_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("health_rollup_buckets")
    op.drop_table("health_latency_buckets")
    with op.batch_alter_table("health_rollups", schema=None) as batch_op:
        batch_op.drop_column("bucketed")
    with op.batch_alter_table("health_samples", schema=None) as batch_op:
        batch_op.drop_column("latency_buckets")
