"""event.state and event.closing (the lifecycle); post.rehearsal (test posts of a rehearsal)

Events that exist already are live: they kept taking posts before the lifecycle existed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="live",
            )
        )
        batch_op.add_column(
            sa.Column(
                "closing",
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=False,
                server_default="",
            )
        )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rehearsal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_post_rehearsal", ["rehearsal"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index("ix_post_rehearsal")
        batch_op.drop_column("rehearsal")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("closing")
        batch_op.drop_column("state")
