"""ambassador: the handles an event's team counts as ambassadors on the analytics page

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ambassador",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("handle", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "handle", name="uq_ambassador_handle"),
    )
    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ambassador_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ambassador_event_id"))
    op.drop_table("ambassador")
