"""multivariate drift: per-window detector values and per-reference feature importance

Two new tables, empty at upgrade: windows ingested before this revision get
multivariate results when they (or their reference) are next ingested.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "multivariate_drift_results",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("reference_window_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_window_id"],
            ["production_windows.id"],
            name=op.f("fk_multivariate_drift_results_reference_window_id_production_windows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["production_windows.id"],
            name=op.f("fk_multivariate_drift_results_window_id_production_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_multivariate_drift_results")),
        sa.UniqueConstraint(
            "window_id", "method", name=op.f("uq_multivariate_drift_results_window_id")
        ),
    )
    op.create_index(
        op.f("ix_multivariate_drift_results_window_id"),
        "multivariate_drift_results",
        ["window_id"],
        unique=False,
    )
    op.create_table(
        "feature_importances",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("reference_window_id", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=250), nullable=False),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.Column("importance_std", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_window_id"],
            ["production_windows.id"],
            name=op.f("fk_feature_importances_reference_window_id_production_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_importances")),
        sa.UniqueConstraint(
            "reference_window_id", "column", name=op.f("uq_feature_importances_reference_window_id")
        ),
    )
    op.create_index(
        op.f("ix_feature_importances_reference_window_id"),
        "feature_importances",
        ["reference_window_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_feature_importances_reference_window_id"), "feature_importances")
    op.drop_table("feature_importances")
    op.drop_index(op.f("ix_multivariate_drift_results_window_id"), "multivariate_drift_results")
    op.drop_table("multivariate_drift_results")
