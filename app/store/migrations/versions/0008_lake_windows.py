"""lake windows: a production window may leave its rows where they are

``production_windows.source_files`` (nullable JSON): for a window ingested
with ``--engine spark`` from a lake location, the identities of the files its
rows came from (``[path, size, mtime ms]``), and ``path`` holds that
location's URL instead of a Parquet file under the data dir. NULL for every
window stored so far (their rows are a Parquet file under the data dir).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("production_windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_files", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("production_windows", schema=None) as batch_op:
        batch_op.drop_column("source_files")
