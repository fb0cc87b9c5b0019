"""event.ended_at and event.retention_days: a retention per event, counted from its end

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    # events that had ended before: their end is unknown, so their retention counts from now
    op.execute("UPDATE event SET ended_at = CURRENT_TIMESTAMP WHERE state = 'ended'")


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("retention_days")
        batch_op.drop_column("ended_at")
