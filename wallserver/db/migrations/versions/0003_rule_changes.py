"""rule_change: the audit trail of every event's rule sets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rule_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_change_event_id"), ["event_id"], unique=False)
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.create_index("ix_post_event_author", ["event_id", "author_handle", "id"])


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index("ix_post_event_author")
    with op.batch_alter_table("rule_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_change_event_id"))
    op.drop_table("rule_change")
