"""ingest_state: what a production ingest left behind, so an unchanged re-ingest is skipped

One new column, NULL on existing rows: ``ingest_records.state_hash`` (indexed),
the sha256 of a production file's content, its options (system, reference,
shift) and the system's windows (id, content hash) right after the ingest.
Ingesting the same file into the same windows again adds nothing; a later
ingest that finds the same state skips its work (``app.ingest.replay``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_ingest_records_state_hash", ["state_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_records", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_records_state_hash")
        batch_op.drop_column("state_hash")
